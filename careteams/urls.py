from django.urls import path

from careteams import views

app_name = "careteams"

urlpatterns = [
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("emergency-accesses/", views.emergency_access_list, name="emergency_access_list"),
]
