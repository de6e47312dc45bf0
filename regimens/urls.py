from django.urls import path

from regimens import views

app_name = "regimens"

urlpatterns = [
    path("", views.regimen_list, name="list"),
    path("<str:code>/", views.regimen_detail, name="detail"),
]
