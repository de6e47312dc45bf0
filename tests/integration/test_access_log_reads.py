"""Every read of patient data writes an access-log row (issue 12 item 5): lists and searches with the query, record
pages, forms, wizard steps, exports, PDFs, API calls and admin views, each with the user, the time, the action,
what was read and the client's address."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from patients import accesslog
from patients.models import AccessAction, AccessLog
from patients.readlog import READS
from regimens.tokens import token_create
from tests.factories.patients import PatientFactory
from tests.integration.test_permission_matrix import ALL, World, is_admin

# Pages a signed-in user may open that show no patient data: the catalog, the account pages, empty forms for a
# new record, the admin's pages for users, catalog tables and the lockout records. Every other page that answers
# 200 must write at least one access-log row.
NO_PATIENT_DATA = {
    "home",
    "healthz",
    "favicon",
    "regimens:list",
    "regimens:detail",
    "patients:create",
    "patients:import",
    "careteams:emergency_access",  # the form asks for an MRN and a reason; granting access is logged
    "board:meeting_create",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "api-recommend",  # a GET is refused (405); the POSTs are logged, see below
}
NO_PATIENT_DATA_ADMIN_APPS = ("auth", "axes", "regimens")
ADMIN_SITE_PAGES = {"admin:index", "admin:login", "admin:logout", "admin:password_change",
                    "admin:password_change_done", "admin:jsi18n", "admin:autocomplete", "admin:view_on_site",
                    "admin:app_list"}  # fmt: skip


def shows_no_patient_data(key: str) -> bool:
    if key in NO_PATIENT_DATA or key in ADMIN_SITE_PAGES:
        return True
    if is_admin(key):
        return any(key.startswith(f"admin:{app}_") for app in NO_PATIENT_DATA_ADMIN_APPS) or key.startswith("<")
    return False


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def users(clinician, board_member, catalog_editor, superuser):
    return {"clinician": clinician, "board member": board_member, "catalog editor": catalog_editor,
            "superuser": superuser}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["clinician", "board member", "superuser"])
def test_every_page_with_patient_data_writes_a_row_for_the_user_with_the_client_address(default_catalog, users, role):
    world = World(users)
    user = users[role]
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.force_login(user)
    silent, opened = [], 0
    for key, route, pattern in ALL:
        if shows_no_patient_data(key):
            continue
        url = world.url(key, route, pattern)
        before = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url)
        if response.status_code != 200:
            continue
        opened += 1
        rows = list(AccessLog.objects.filter(id__gt=before))
        if not any(r.user_id == user.pk and r.client_address == "198.51.100.7" for r in rows):
            silent.append(f"{key} ({url})")
    assert opened > 10, "the walk opened too few pages to mean anything"
    assert not silent, "pages showing patient data that wrote no access-log row:\n" + "\n".join(silent)


def test_the_table_of_reads_names_only_urls_that_exist():
    keys = {key for key, _, _ in ALL}
    assert not set(READS) - keys


def test_the_pages_the_walk_skips_are_real_url_names():
    keys = {key for key, _, _ in ALL}
    assert not (NO_PATIENT_DATA | ADMIN_SITE_PAGES) - keys


@pytest.mark.django_db
def test_a_search_of_the_patient_list_logs_one_row_per_patient_shown_with_the_query(clinician_client, clinician):
    PatientFactory(name="Ada Smith")
    PatientFactory(name="Bea Smithson")
    PatientFactory(name="Cy Jones")
    before = AccessLog.objects.count()
    response = clinician_client.get(reverse("patients:list"), {"q": "smith", "sort": "name"})
    assert response.status_code == 200
    rows = list(AccessLog.objects.order_by("id")[before:])
    assert [r.patient.name for r in rows] == ["Ada Smith", "Bea Smithson"]
    assert {(r.action, r.detail, r.user_id) for r in rows} == {
        (AccessAction.LIST, 'patient list: q="smith" sort=name', clinician.pk)
    }


@pytest.mark.django_db
def test_a_search_that_finds_nobody_is_still_logged_with_its_query(clinician_client):
    clinician_client.get(reverse("patients:list"), {"q": "nobody-here"})
    row = AccessLog.objects.order_by("-id").first()
    assert row.action == AccessAction.LIST and row.patient_id is None and 'q="nobody-here"' in row.detail


@pytest.mark.django_db
def test_a_very_long_query_is_cut_to_the_column_and_the_chain_still_verifies(clinician_client):
    clinician_client.get(reverse("patients:list"), {"q": "x" * 100})
    PatientFactory(name="y" * 20)
    clinician_client.get(reverse("patients:list"), {"q": "é" * 400})
    assert all(len(r.detail) <= accesslog.DETAIL_LENGTH for r in AccessLog.objects.all())
    count, broken = accesslog.verify(AccessLog.objects.order_by("id"))
    assert broken is None and count >= 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "logged"), [("nul\x00byte", "nul byte"), ("tab\there", "tab here"), ("line\nbreak", "line break")]
)
def test_a_search_with_control_characters_is_answered_and_logged_without_them(clinician_client, query, logged):
    assert clinician_client.get(reverse("patients:list"), {"q": query}).status_code == 200
    row = AccessLog.objects.order_by("-id").first()
    assert (row.action, row.detail) == (AccessAction.LIST, f'patient list: q="{logged}"')
    assert accesslog.verify(AccessLog.objects.order_by("id"))[1] is None


@pytest.mark.django_db
def test_a_board_search_with_a_nul_byte_is_answered_and_logged_without_it(clinician_client):
    response = clinician_client.get(reverse("board:worklist"), {"q": "a\x00b"})
    assert response.status_code == 200
    assert AccessLog.objects.order_by("-id").first().detail.isprintable()


@pytest.mark.django_db
def test_each_wizard_step_shown_is_logged_with_its_name(default_catalog, clinician_client, clinician):
    from tests.factories.patients import DraftRestagingFactory

    draft = DraftRestagingFactory()
    for step in ("markers", "fitness"):
        response = clinician_client.get(
            reverse("patients:restaging_step", args=[draft.patient_id, draft.pk, step]), follow=True
        )
        assert response.status_code == 200
        row = AccessLog.objects.order_by("-id").first()
        assert (row.patient_id, row.action) == (draft.patient_id, AccessAction.VIEW)
        assert row.detail == f"restaging {draft.pk}, wizard step {step}"


@pytest.mark.django_db
def test_a_refused_page_writes_no_row(client, catalog_editor):
    patient = PatientFactory()
    client.force_login(catalog_editor)
    before = AccessLog.objects.count()
    assert client.get(reverse("patients:edit", args=[patient.pk])).status_code == 403
    assert AccessLog.objects.count() == before


def _case() -> dict:
    return {
        "format": "myeloma-cds-case/1",
        "patient": {"age_years": 67},
        "diagnosis": {"date": "2019-03-04"},
        "prior_lines": [{"drugs": ["lenalidomide", "dexamethasone"], "start_date": "2019-03-20"}],
        "restaging": {"date": "2023-05-10", "hemoglobin_g_dl": 11.8},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"), [(_case(), 200), ({"format": "myeloma-cds-case/1"}, 400), ("not json", 400)]
)
def test_every_api_call_is_logged_under_the_tokens_user_whatever_the_answer(default_catalog, clinician, body, status):
    _, secret = token_create(user=clinician, name="logging")
    client = Client(REMOTE_ADDR="2001:db8::5")
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(
        reverse("api-recommend"), data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == status
    row = AccessLog.objects.order_by("-id").first()
    assert (row.user_id, row.action, row.client_address) == (clinician.pk, AccessAction.API, "2001:db8::5")
    assert row.detail == f"POST /api/v1/recommend, answered {status}"


@pytest.mark.django_db
def test_a_call_with_a_bad_token_is_not_logged_as_a_user(default_catalog):
    before = AccessLog.objects.count()
    response = Client().post(reverse("api-recommend"), "{}", content_type="application/json",
                             HTTP_AUTHORIZATION="Bearer nope")  # fmt: skip
    assert response.status_code == 401 and AccessLog.objects.count() == before


@pytest.mark.django_db
def test_writes_carry_the_client_address_too(clinician):
    client = Client(REMOTE_ADDR="192.0.2.44")
    client.force_login(clinician)
    patient = PatientFactory()
    client.get(reverse("patients:detail", args=[patient.pk]))
    assert AccessLog.objects.order_by("-id").first().client_address == "192.0.2.44"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(settings, clinician):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.force_login(clinician)
    patient = PatientFactory()
    client.get(reverse("patients:detail", args=[patient.pk]))
    assert AccessLog.objects.order_by("-id").first().client_address == "203.0.113.9"


@pytest.mark.django_db
def test_a_forwarded_address_that_is_not_an_address_leaves_the_column_empty_and_the_page_works(settings, clinician):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = Client(HTTP_X_FORWARDED_FOR="<script>")
    client.force_login(clinician)
    patient = PatientFactory()
    assert client.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    assert AccessLog.objects.order_by("-id").first().client_address is None
