"""Values every page shows: navigation, the product version, the catalog release and the label jurisdiction."""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from regimens.catalog import latest_release


class Link(NamedTuple):
    label: str
    url_name: str
    # Who sees it: a permission ("app.codename"), "is_staff", "is_superuser", or None for every user.
    needs: str | None


class Menu(NamedTuple):
    label: str
    links: list[Link]


# The main navigation, in order. A menu shows the links its user may open, and is left out when there is none;
# a link whose page does not exist yet is left out too. Catalog editors see nothing clinical: the clinical
# links need the clinical permissions their role does not have.
NAVIGATION: list[Link | Menu] = [
    Link("Patients", "patients:list", "patients.view_patient"),
    Menu(
        "Tumour board",
        [
            Link("Worklist", "board:worklist", "patients.view_casereview"),
            Link("Meetings", "board:meetings", "board.view_boardmeeting"),
            Link("Adherence", "board:adherence", "board.view_boarddecision"),
        ],
    ),
    Link("Catalog", "regimens:list", None),
    Link("Audit", "board:audit", "is_superuser"),
    Link("Emergency access", "careteams:emergency_access_list", "is_superuser"),  # break-the-glass accesses
    Link("Admin", "admin:index", "is_staff"),
]


class Access(NamedTuple):
    roles: list[str]  # the user's groups, by name
    permissions: frozenset[str]  # "app_label.codename", the user's own and its groups'
    is_superuser: bool

    def has_perm(self, perm: str) -> bool:
        return self.is_superuser or perm in self.permissions


def user_access(request: HttpRequest) -> Access:
    """The signed-in user's roles and permissions, read once per request in one query and shared by the start
    page, the navigation and the user menu. The same answers as ModelBackend's has_perm (an active user's own
    and group permissions; a superuser has all), which reads the permissions in two queries and the roles in a
    third."""
    cached = getattr(request, "_user_access", None)
    if cached is None:
        user = request.user
        rows = get_user_model().objects.filter(pk=user.pk or 0).values_list(  # anonymous (pk None): no rows
            "groups__name",
            "groups__permissions__content_type__app_label", "groups__permissions__codename",
            "user_permissions__content_type__app_label", "user_permissions__codename",
        )  # fmt: skip
        roles: set[str] = set()
        permissions: set[str] = set()
        for role, group_app, group_perm, own_app, own_perm in rows:
            roles |= {role} if role else set()
            permissions |= {f"{app}.{perm}" for app, perm in ((group_app, group_perm), (own_app, own_perm)) if perm}
        active = user.is_active
        cached = Access(sorted(roles), frozenset(permissions if active else ()), active and user.is_superuser)
        setattr(request, "_user_access", cached)  # noqa: B010 (HttpRequest declares no such attribute)
        if user.is_authenticated:
            # ModelBackend's own caches, filled from the same rows: the views' permission checks then ask the
            # database nothing (ModelBackend would read the user's and the groups' permissions in two queries).
            user._user_perm_cache = {f"{app}.{perm}" for _, _, _, app, perm in rows if perm}
            user._group_perm_cache = {f"{app}.{perm}" for _, app, perm, _, _ in rows if perm}
            user._perm_cache = set(permissions)
    return cached


def _may_see(request: HttpRequest, needs: str | None) -> bool:
    if needs is None:
        return True
    if needs in ("is_staff", "is_superuser"):
        return bool(getattr(request.user, needs))
    return user_access(request).has_perm(needs)


def _link(request: HttpRequest, link: Link) -> dict | None:
    if not _may_see(request, link.needs):
        return None
    try:
        return {"label": link.label, "url": reverse(link.url_name), "active": False}
    except NoReverseMatch:
        return None


def _nav_items(request: HttpRequest) -> list[dict]:
    """[{label, url, active} or {label, links: [...], active}]; the link whose address is the longest start of
    the page's address is the active one (and so is its menu)."""
    items: list[dict] = []
    for entry in NAVIGATION:
        if isinstance(entry, Menu):
            links = [shown for link in entry.links if (shown := _link(request, link))]
            if links:
                items.append({"label": entry.label, "links": links, "active": False})
        elif shown := _link(request, entry):
            items.append(shown)
    leaves = [(leaf, item) for item in items for leaf in item.get("links", [item])]
    matches = [(leaf, item) for leaf, item in leaves if leaf["url"] != "/" and request.path.startswith(leaf["url"])]
    if matches:
        leaf, item = max(matches, key=lambda match: len(match[0]["url"]))
        leaf["active"] = item["active"] = True
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
        "user_roles": SimpleLazyObject(lambda: user_access(request).roles) if authenticated else [],
    }
