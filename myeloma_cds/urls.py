"""Top-level URL map. Every view needs login unless it is marked @login_not_required."""

from django.contrib import admin
from django.urls import include, path

from myeloma_cds import views

admin.site.site_header = "MyelomaCDS administration"
admin.site.site_title = "MyelomaCDS admin"
admin.site.index_title = "Catalog and users"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalog/", include("regimens.urls")),
    path("admin/", admin.site.urls),
]
