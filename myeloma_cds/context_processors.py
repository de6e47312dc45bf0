"""Values every page shows: navigation, the product version, the catalog release and the label jurisdiction."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from regimens.catalog import latest_release

# (label, URL name, permission needed or None). Sections appear as soon as their pages exist.
NAVIGATION = [
    ("Patients", "patients:list", None),
    ("Tumour board", "patients:board", None),
    ("Catalog", "regimens:list", None),
    ("Admin", "admin:index", "is_staff"),
]


def _nav_items(request: HttpRequest) -> list[dict]:
    items = []
    for label, name, needs in NAVIGATION:
        if needs == "is_staff" and not request.user.is_staff:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return items


def product(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "app_version": settings.APP_VERSION,
        "label_jurisdiction": settings.LABEL_JURISDICTION,
        # Lazy: a page that does not render these never pays their queries.
        "catalog_release": SimpleLazyObject(latest_release),
        "nav_items": SimpleLazyObject(lambda: _nav_items(request)) if authenticated else [],
        "user_roles": SimpleLazyObject(lambda: [g.name for g in user.groups.all()]) if authenticated else [],
    }
