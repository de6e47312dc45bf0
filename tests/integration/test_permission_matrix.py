"""The permission matrix (issue 15 item 4): every URL pattern of the resolver × every role, with the outcome
that a GET with valid object ids gives today.

- EXPECTED has one row per URL name outside the admin, one outcome per role (anonymous, clinician, board member,
  catalog editor, superuser).
- The admin is covered by a rule, not row by row (see `expected`): on every page of a registered model,
  anonymous users are sent to the login page (the login-required middleware answers before the admin) and users
  who are not staff (clinician, board member) to the admin's login page; the catalog editor and the superuser
  get 200 on the model pages ADMIN_MODELS grants them (EDIT: list, add, change, delete, history; VIEW: list,
  read-only change page, history) and 403 on the others; the old change-page address (<object id>/) redirects
  any staff user. The site-wide admin pages (index, login, logout, password change, autocomplete, ...) are rows
  of ADMIN_SITE. A new admin model, or a new admin page, fails until it is added there.
- A URL that neither table knows fails the test and names the row to add: a new view needs an entry here.

Outcomes: ok (200), login (302 to the login page), admin_login (302 to the admin's login page), redirect (any
other 302), unauthorized (401), forbidden (403), not_found (404), not_allowed (405).

Care teams (issue 12 item 4, careteams.access): the world's patients belong to the clinician's clinical team,
whose cases go to the board member's tumour board, so these roles see them. PRIVACY, below the matrix: a
clinician of another team and a member of another board get 404 on every URL that names one of these patients
or their cases, exactly as for an id that does not exist, and see none of them in lists and agendas.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from patients import services
from patients.models import Patient
from regimens.tokens import token_create
from tests.factories import UserFactory
from tests.factories.patients import DraftRestagingFactory, PatientFactory, RestagingFactory, TherapyLineFactory

ROLES = ("anonymous", "clinician", "board member", "catalog editor", "superuser")


def row(anonymous: str, clinician: str, board_member: str, catalog_editor: str, superuser: str) -> dict[str, str]:
    return dict(zip(ROLES, (anonymous, clinician, board_member, catalog_editor, superuser), strict=True))


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


ADMIN_ACTIONS = ("changelist", "add", "change", "delete", "history", "simple_history", "password_change")

# Logged in or not, a GET of a POST-only view answers 405 (anonymous users go to log in first).
POST_ONLY = row("login", "not_allowed", "not_allowed", "not_allowed", "not_allowed")

# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    #                                  anonymous  clinician    board member catalog editor superuser
    # Each role lands on its own start page: board members on the work list, catalog editors on the catalog.
    "home":                        row("login",   "ok",        "redirect",  "redirect",  "ok"),
    "healthz":                     everyone("ok"),
    "favicon":                     everyone("redirect"),
    "login":                       everyone("ok"),
    "logout":                      POST_ONLY,
    "password_change":             row("login",   "ok",        "ok",        "ok",        "ok"),
    "password_change_done":        row("login",   "ok",        "ok",        "ok",        "ok"),
    "password_reset":              everyone("ok"),
    "password_reset_done":         everyone("ok"),
    "password_reset_confirm":      everyone("ok"),  # an invalid link: the "This link has expired" page
    "password_reset_complete":     everyone("ok"),
    # POST only; require_POST answers before the 401/403 of the API (tests/integration/test_recommend_doors.py).
    "api-recommend":               everyone("not_allowed"),
    "regimens:list":               row("login",   "ok",        "ok",        "ok",        "ok"),
    "regimens:detail":             row("login",   "ok",        "ok",        "ok",        "ok"),
    # The patient is of the clinician's care team, and has a case submitted to the board member's board: both
    # read it (PRIVACY, below: not so for a clinician or board member of other teams).
    "patients:list":               row("login",   "ok",        "ok",        "forbidden", "ok"),
    "patients:detail":             row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "patients:restaging":          row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "patients:restaging_case":     row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "patients:review":             row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "patients:create":             row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "patients:import":             row("login",   "ok",        "forbidden", "forbidden", "ok"),
    # The clinician edits the patients of their care teams (PRIVACY, below: the rows down to restaging_step).
    "patients:edit":               row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "patients:line_create":        row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "patients:line_edit":          row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "patients:restaging_correct":  row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "patients:restaging_step":     row("login",   "ok",        "forbidden", "forbidden", "ok"),
    # The wizard's address without a step redirects to the current step.
    "patients:restaging_wizard":   row("login",   "redirect",  "forbidden", "forbidden", "redirect"),
    "patients:restaging_start":    POST_ONLY,
    "patients:review_create":      POST_ONLY,
    # The tumour board (issue 11 item 8). Board members see the cases submitted to their boards; a meeting's
    # agenda, its minutes and history show only the cases of patients the user may see (PRIVACY, below).
    "board:worklist":              row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:case":                  row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "board:case_summary_pdf":      row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "board:meetings":              row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:meeting":               row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "board:meeting_minutes_pdf":   row("login",   "ok",        "ok",        "forbidden", "ok"),  # PRIVACY
    "board:meeting_history":       row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:meeting_create":        row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:meeting_edit":          row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:meeting_clone":         row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:case_submit":           row("login",   "ok",        "ok",        "forbidden", "ok"),
    # Clinicians withdraw their cases; board members decide them.
    "board:case_withdraw":         row("login",   "ok",        "forbidden", "forbidden", "ok"),
    "board:decision":              row("login",   "forbidden", "ok",        "forbidden", "ok"),
    "board:decision_amend":        row("login",   "forbidden", "ok",        "forbidden", "ok"),  # a decided case
    "board:adherence":             row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:adherence_csv":         row("login",   "ok",        "ok",        "forbidden", "ok"),
    "board:audit":                 row("login",   "forbidden", "forbidden", "forbidden", "ok"),
    "board:audit_csv":             row("login",   "forbidden", "forbidden", "forbidden", "ok"),
    "board:case_resubmit":         POST_ONLY,
    "board:case_discussed":        POST_ONLY,
    "board:agenda_add":            POST_ONLY,
    "board:agenda_remove":         POST_ONLY,
    "board:agenda_move":           POST_ONLY,
    # Break the glass: any user who reads patients may ask, with a reason; superusers list every access.
    "careteams:emergency_access":  row("login",   "ok",        "ok",        "forbidden", "ok"),
    "careteams:emergency_access_list": row("login", "forbidden", "forbidden", "forbidden", "ok"),
}

# The admin, model by model: the model pages the catalog editor and the superuser may open (200); the others
# answer 403. Anonymous users are sent to the login page (the login-required middleware answers before the
# admin), clinicians and board members (not staff) to the admin's login page.
EDIT = frozenset(ADMIN_ACTIONS)
VIEW = frozenset({"changelist", "change", "history", "simple_history"})  # the change page is read-only
NONE: frozenset[str] = frozenset()
ADMIN_MODELS: dict[str, dict[str, frozenset[str]]] = {
    #                                    catalog editor          superuser
    "auth.group":             {"catalog editor": NONE, "superuser": EDIT},
    "auth.user":              {"catalog editor": NONE, "superuser": EDIT},
    "axes.accessattempt":     {"catalog editor": NONE, "superuser": VIEW | {"delete"}},
    "axes.accessfailurelog":  {"catalog editor": NONE, "superuser": VIEW | {"delete"}},
    "axes.accesslog":         {"catalog editor": NONE, "superuser": VIEW | {"delete"}},
    "patients.accesslog":     {"catalog editor": NONE, "superuser": VIEW},
    "patients.casereview":    {"catalog editor": NONE, "superuser": VIEW},
    # Patient records and the board are read-only in the admin: they change in the application, where the
    # checks run, and every admin view of them is in the access log.
    "patients.patient":       {"catalog editor": NONE, "superuser": VIEW},
    "patients.therapyline":   {"catalog editor": NONE, "superuser": VIEW},
    "patients.restaging":     {"catalog editor": NONE, "superuser": VIEW},
    "board.boardmeeting":     {"catalog editor": NONE, "superuser": VIEW},
    "board.agendaitem":       {"catalog editor": NONE, "superuser": VIEW},
    "board.boarddecision":    {"catalog editor": NONE, "superuser": VIEW},
    # Staff with the care-team permissions keep the teams; emergency accesses are granted in the application.
    "careteams.careteam":     {"catalog editor": NONE, "superuser": EDIT},
    "careteams.emergencyaccess": {"catalog editor": NONE, "superuser": VIEW},
    "regimens.apitoken":      {"catalog editor": NONE, "superuser": EDIT},
    "regimens.catalogrelease": {"catalog editor": VIEW, "superuser": VIEW},
    "regimens.drug":          {"catalog editor": EDIT, "superuser": EDIT},
    "regimens.drugclass":     {"catalog editor": EDIT, "superuser": EDIT},
    "regimens.enginetext":    {"catalog editor": EDIT, "superuser": EDIT},
    "regimens.pathway":       {"catalog editor": EDIT - {"delete"}, "superuser": EDIT - {"delete"}},
    "regimens.regimen":       {"catalog editor": EDIT, "superuser": EDIT},
    "regimens.trial":         {"catalog editor": EDIT, "superuser": EDIT},
}

# The admin's site-wide pages (no model), one outcome per role.
ADMIN_SITE: dict[str, dict[str, str]] = {
    #                                  anonymous      clinician      board member   catalog editor superuser
    "admin:index":                 row("admin_login", "admin_login", "admin_login", "ok",         "ok"),
    "admin:app_list":              row("admin_login", "admin_login", "admin_login", "ok",         "ok"),  # regimens
    "admin:jsi18n":                row("admin_login", "admin_login", "admin_login", "ok",         "ok"),
    "admin:login":                 row("ok",          "ok",          "ok",          "redirect",   "redirect"),
    "admin:logout":                row("admin_login", "redirect",    "redirect",    "not_allowed", "not_allowed"),
    "admin:password_change":       row("admin_login", "admin_login", "admin_login", "ok",         "ok"),
    "admin:password_change_done":  row("admin_login", "admin_login", "admin_login", "ok",         "ok"),
    # Without its query parameters (app_label, model_name, field_name) the autocomplete answers 403.
    "admin:autocomplete":          row("admin_login", "admin_login", "admin_login", "forbidden",  "forbidden"),
    # A patient's "view on site": staff are redirected to the patient page, which checks the permission itself.
    "admin:view_on_site":          row("admin_login", "admin_login", "admin_login", "redirect",   "redirect"),
    "<admin/(?P<url>.*)$>":        row("admin_login", "admin_login", "admin_login", "not_found",  "not_found"),
}
# fmt: on

SAMPLE_STEP = "markers"


def walk(resolver: URLResolver | None = None, namespace: str | None = None, prefix: str = ""):
    """(key, route, pattern) for every URL pattern: the key is the URL name, or "<route>" when unnamed."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from walk(pattern, inner, route)
        elif isinstance(pattern, URLPattern):
            key = (f"{namespace}:{pattern.name}" if namespace else pattern.name) if pattern.name else f"<{route}>"
            yield key, route, pattern


ALL = sorted(walk(), key=lambda item: item[0])
ADMIN_OBJECT_REDIRECT = re.compile(r"^<admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/>$")


def is_admin(key: str) -> bool:
    return key.startswith(("admin:", "<admin/"))


def admin_model_pages() -> dict[str, tuple[str, str]]:
    """URL name -> (model label, action) for every model page the admin registers."""
    from django.contrib import admin

    pages = {}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        for action in ADMIN_ACTIONS:
            pages[prefix + action] = (model._meta.label_lower, action)
    return pages


ADMIN_PAGES = admin_model_pages()


def expected(key: str, role: str) -> str | None:
    """The outcome the tables give, or None when they do not know this URL."""
    if not is_admin(key):
        return EXPECTED.get(key, {}).get(role)
    if key in ADMIN_SITE:
        return ADMIN_SITE[key].get(role)
    if (match := ADMIN_OBJECT_REDIRECT.match(key)) is not None:
        label, action = f"{match['app']}.{match['model']}", "object_redirect"
    elif key in ADMIN_PAGES:
        label, action = ADMIN_PAGES[key]
    else:
        return None
    if label not in ADMIN_MODELS:
        return None
    if role == "anonymous":
        return "login"  # the login-required middleware answers before the admin
    if role in ("clinician", "board member"):
        return "admin_login"  # not staff
    if action == "object_redirect":
        return "redirect"  # the old change-page address; the admin checks staff status only, then redirects
    return "ok" if action in ADMIN_MODELS[label][role] else "forbidden"


def missing_entries() -> list[str]:
    problems = []
    for key, route, _ in ALL:
        if any(expected(key, role) is None for role in ROLES):
            if (match := ADMIN_OBJECT_REDIRECT.match(key)) or key in ADMIN_PAGES:
                label = f"{match['app']}.{match['model']}" if match else ADMIN_PAGES[key][0]
                problems.append(f"admin model {label!r} ({route}): add it to ADMIN_MODELS in {__name__}")
            elif is_admin(key):
                problems.append(f"admin page {key!r} ({route}): add a row to ADMIN_SITE in {__name__}")
            else:
                problems.append(f"URL {key!r} ({route}): add a row to EXPECTED in {__name__}")
    return problems


class World:
    """One object of each kind, so every URL gets valid ids."""

    def __init__(self, users: dict):
        self.users = users
        clinician = users["clinician"]
        self.patient = PatientFactory()
        self.line = TherapyLineFactory(patient=self.patient)
        self.restaging = RestagingFactory(patient=self.patient)
        self.review = services.case_review_create(patient=self.patient, restaging=self.restaging, by=clinician)
        self._board(clinician, users["board member"])
        self.draft_patient = PatientFactory()
        self.draft = DraftRestagingFactory(patient=self.draft_patient)
        services.access_log(user=clinician, patient=self.patient, action="view")
        self._emergency_access(clinician)
        token_create(user=clinician, name="matrix")
        self._axes_rows()

    def _board(self, clinician, board_member):
        """A meeting with the saved case on its agenda (undecided), and a second saved case, decided."""
        import datetime as dt

        from django.utils import timezone

        from board import services as board

        self.meeting = board.meeting_create(
            data={"title": "Board", "starts_at": timezone.now() + dt.timedelta(days=1), "attendees": [board_member]},
            by=clinician,
        )
        self.item = board.agenda_add(meeting=self.meeting, case=self.review, by=clinician)
        other = PatientFactory()
        TherapyLineFactory(patient=other)
        self.decided = services.case_review_create(
            patient=other, restaging=RestagingFactory(patient=other), by=clinician
        )
        board.agenda_add(meeting=self.meeting, case=self.decided, by=clinician)
        board.decision_record(
            case=self.decided,
            data=board.DecisionInput(kind="palliative_care", off_reason="other", off_reason_text="Matrix sample."),
            by=board_member,
        )

    def _emergency_access(self, clinician):
        import datetime as dt

        from django.utils import timezone

        from careteams.models import EmergencyAccess

        EmergencyAccess.objects.create(
            user=clinician,
            patient=self.patient,
            reason="Matrix sample: seen in the emergency department",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )

    def _axes_rows(self):
        from axes.models import AccessAttempt, AccessFailureLog
        from axes.models import AccessLog as AxesAccessLog

        common = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "clin", "http_accept": "*/*"}
        AccessAttempt.objects.create(
            **common, path_info="/accounts/login/", get_data="", post_data="", failures_since_start=1
        )
        AccessFailureLog.objects.create(**common, path_info="/accounts/login/", locked_out=False)
        AxesAccessLog.objects.create(**common, path_info="/accounts/login/")

    def url(self, key: str, route: str, pattern: URLPattern) -> str:
        if key == "<admin/(?P<url>.*)$>":
            return "/admin/no-such-page/"
        if (match := ADMIN_OBJECT_REDIRECT.match(key)) is not None:
            app, model = match["app"], match["model"]
            return f"/admin/{app}/{model}/{self.instance(f'{app}.{model}').pk}/"
        if key in ADMIN_PAGES:
            label, action = ADMIN_PAGES[key]
            instance = self.instance(label)
            if action == "simple_history":
                return reverse(key, args=[instance.pk, instance.history.order_by("history_id").last().history_id])
            if action == "password_change":
                return reverse(key, kwargs={"id": instance.pk})
            if action in ("change", "delete", "history"):
                return reverse(key, kwargs={"object_id": instance.pk})
            return reverse(key)
        on_draft = key in ("patients:restaging_wizard", "patients:restaging_step")
        if key.startswith("board:"):
            board_pk = {"board:decision_amend": self.decided.pk}.get(key, self.review.pk)
            if key.startswith(("board:meeting", "board:agenda")):
                board_pk = self.meeting.pk
        values = {
            "pk": board_pk
            if key.startswith("board:")
            else self.review.pk
            if key == "patients:review"
            else (self.draft_patient if on_draft else self.patient).pk,
            "item_pk": self.item.pk if key.startswith("board:") else 0,
            "line_pk": self.line.pk,
            "restaging_pk": (self.draft if on_draft else self.restaging).pk,
            "step": SAMPLE_STEP,
            "code": "DRd",
            "uidb64": "MQ",
            "token": "bad-token",
            "app_label": "regimens",
            "content_type_id": ContentType.objects.get_for_model(Patient).pk,
            "object_id": self.patient.pk,
        }
        params = list(pattern.pattern.regex.groupindex)
        unknown = [p for p in params if p not in values]
        assert not unknown, f"{key} ({route}): give World.url a valid sample value for {unknown}"
        return reverse(key, kwargs={p: values[p] for p in params})

    def instance(self, label: str):
        model = apps.get_model(label)
        if model is Patient:
            return self.patient
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, f"no {label} to ask the admin for: create one in World"
        return instance


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302):
        location = response.headers["Location"]
        if re.match(rf"^{re.escape(reverse(settings.LOGIN_URL))}\?next=", location):
            return "login"
        if re.match(rf"^{re.escape(reverse('admin:login'))}\?next=", location):
            return "admin_login"
        return "redirect"
    names = {200: "ok", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "not_allowed"}
    return names.get(code, f"status_{code}")


def test_every_url_pattern_has_an_expected_outcome_for_every_role():
    problems = missing_entries()
    assert not problems, "URL patterns without an entry in the permission matrix:\n" + "\n".join(problems)


def test_the_tables_name_only_urls_that_exist():
    keys = {key for key, _, _ in ALL}
    stale = sorted(set(EXPECTED) - keys) + sorted(set(ADMIN_SITE) - keys)
    labels = {label for label, _ in ADMIN_PAGES.values()}
    stale += sorted(set(ADMIN_MODELS) - labels)
    assert not stale, f"entries for URLs or admin models that no longer exist: {stale}"


@pytest.fixture
def users(clinician, board_member, catalog_editor):
    return {
        "clinician": clinician,
        "board member": board_member,
        "catalog editor": catalog_editor,
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_permission_matrix(default_catalog, users, role):
    world = World(users)
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    mismatches, unknown = [], []
    for key, route, pattern in ALL:
        url = world.url(key, route, pattern)
        got = outcome(client.get(url))
        want = expected(key, role)
        if want is None:
            unknown.append(f"{key!r} ({url}): {role} gets {got!r} today: add its row")
        elif got != want:
            mismatches.append(f"{key!r} ({url}): {role} expected {want!r}, got {got!r}")
    assert not mismatches + unknown, (
        f"{len(mismatches)} mismatches, {len(unknown)} URLs without an entry:\n" + "\n".join(mismatches + unknown)
    )


# --- PRIVACY: care teams (issue 12 item 4) ------------------------------------------------------------------

# URLs that name one of the world's patients, or a saved case or agenda item of one: a user who may not see the
# patient gets 404 there, whatever their role would get otherwise (a 403 or 405 of the role stays: it answers
# before any lookup, so it tells nothing about the patient).
PATIENT_URLS = frozenset(
    key for key in EXPECTED if key.startswith("patients:") and key not in ("patients:list", "patients:create",
                                                                           "patients:import")
) | {"board:case", "board:case_summary_pdf", "board:case_submit", "board:case_withdraw", "board:decision",
     "board:decision_amend"}  # fmt: skip
OUTSIDERS = {"clinician": "outside clinician", "board member": "outside board member"}


def outsider_expected(key: str, role: str) -> str | None:
    want = expected(key, role)
    return "not_found" if key in PATIENT_URLS and want in ("ok", "redirect") else want


@pytest.fixture
def outsiders(db):
    """A clinician of another clinical team, and a member of another tumour board (that team's board)."""
    from careteams.models import CareTeam, TeamKind

    board = CareTeam.objects.create(name="Other tumour board", kind=TeamKind.TUMOUR_BOARD)
    clinic = CareTeam.objects.create(name="Other clinic", kind=TeamKind.CLINICAL, refers_to=board)
    clinician = UserFactory(username="outclin")
    member = UserFactory(username="outboard")
    clinician.groups.set(list(users_groups("clinician")))
    member.groups.set(list(users_groups("board member")))
    clinic.members.add(clinician)
    board.members.add(member)
    clinic.patients.add(PatientFactory(name="Other Team Patient", care_team=False))
    return {"clinician": clinician, "board member": member}


def users_groups(name: str):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name=name)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(OUTSIDERS))
def test_privacy_users_of_other_care_teams_get_404_for_every_patient_url(default_catalog, users, outsiders, role):
    world = World(users)
    client = Client()
    client.force_login(outsiders[role])
    mismatches = []
    for key, route, pattern in ALL:
        want = outsider_expected(key, role)
        if want is None:
            continue  # test_the_permission_matrix names the URLs without an entry
        url = world.url(key, route, pattern)
        got = outcome(client.get(url))
        if got != want:
            mismatches.append(f"{key!r} ({url}): {OUTSIDERS[role]} expected {want!r}, got {got!r}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    # Lists, searches and agendas show none of the world's patients.
    names = [world.patient.name, world.draft_patient.name, world.decided.patient.name]
    for url in (
        reverse("patients:list"),
        reverse("patients:list") + f"?q={world.patient.mrn}",
        reverse("board:worklist"),
        reverse("board:worklist") + f"?q={world.patient.mrn}",
        reverse("board:meeting", args=[world.meeting.pk]),
        reverse("board:meeting_history", args=[world.meeting.pk]),
    ):
        page = client.get(url).content.decode()
        assert not [name for name in names if name in page], url
