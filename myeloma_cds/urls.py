"""Top-level URL map. Every view needs login unless it is marked @login_not_required."""

from django.contrib import admin
from django.urls import include, path

from myeloma_cds import (
    auth_views,
    converters,  # noqa: F401  (registers the `id` path converter the apps' URL maps use)
    views,
)
from regimens import api as recommend_api

admin.site.site_header = "MyelomaCDS administration"
admin.site.site_title = "MyelomaCDS admin"
admin.site.index_title = "Catalog and users"
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Ahead of Django's own: the reset request is rate-limited (auth_views.py).
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalog/", include("regimens.urls")),
    path("patients/", include("patients.urls")),
    path("board/", include("board.urls")),
    path("care-teams/", include("careteams.urls")),
    path("api/v1/recommend", recommend_api.recommend, name="api-recommend"),
    path("admin/", admin.site.urls),
]
