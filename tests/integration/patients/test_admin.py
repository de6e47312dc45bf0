"""The admin lists and shows the patient records to superusers, read-only: records are changed in the
application, where the checks run. Opening a record there writes an access-log row, like the application's pages."""

import pytest
from django.urls import reverse

from patients import services
from patients.admin import READ_ONLY_NOTE
from patients.models import AccessAction, AccessLog, Patient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RECORDS = ("patient", "therapyline", "restaging", "casereview", "accesslog")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def records(patient, restaging, clinician):
    """One of each: the patient, its line, its restaging, a saved case and an access-log row."""
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    log = services.access_log(user=clinician, patient=patient, action=AccessAction.VIEW)
    return {
        "patient": patient,
        "therapyline": patient.lines.get(),
        "restaging": restaging,
        "casereview": review,
        "accesslog": log,
    }


def test_the_record_lists_answer_and_say_where_records_are_changed(admin_client, records):
    for name in RECORDS:
        page = admin_client.get(reverse(f"admin:patients_{name}_changelist"))
        assert page.status_code == 200
        assert ("Read-only" in page.content.decode()) and "Add " not in page.content.decode()
    assert READ_ONLY_NOTE in admin_client.get(reverse("admin:patients_patient_changelist")).content.decode()


@pytest.mark.parametrize("name", RECORDS)
def test_no_record_is_added_changed_or_deleted_in_the_admin(admin_client, records, name):
    record = records[name]
    change = reverse(f"admin:patients_{name}_change", args=[record.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"name": "Changed", "status": "decided"}).status_code == 403
    assert admin_client.get(reverse(f"admin:patients_{name}_add")).status_code == 403
    assert admin_client.post(reverse(f"admin:patients_{name}_add"), {"name": "New"}).status_code == 403
    delete = reverse(f"admin:patients_{name}_delete", args=[record.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()  # still there


def test_no_bulk_delete_from_the_list(admin_client, records):
    url = reverse("admin:patients_patient_changelist")
    admin_client.post(url, {"action": "delete_selected", "_selected_action": [records["patient"].pk], "post": "yes"})
    assert Patient.objects.filter(pk=records["patient"].pk).exists()


def test_a_line_of_therapy_shows_its_drugs_read_only(admin_client, records):
    page = admin_client.get(reverse("admin:patients_therapyline_change", args=[records["therapyline"].pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "bortezomib" in html.lower()
    assert 'name="drugs-0-drug"' not in html  # shown, not editable


def test_a_saved_case_stays_as_saved(admin_client, records):
    review = records["casereview"]
    admin_client.post(reverse("admin:patients_casereview_change", args=[review.pk]), {"status": "decided"})
    review.refresh_from_db()
    assert review.status == "ready_for_board"


@pytest.mark.parametrize("name", ["patient", "therapyline", "restaging", "casereview"])
def test_opening_a_record_in_the_admin_writes_a_view_row(admin_client, root, records, name):
    record = records[name]
    before = AccessLog.objects.count()
    assert admin_client.get(reverse(f"admin:patients_{name}_change", args=[record.pk])).status_code == 200
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("id")
    assert (row.user, row.action, row.patient) == (root, AccessAction.VIEW, records["patient"])
    assert row.case_review == (record if name == "casereview" else None)


def test_a_list_writes_one_row_with_its_search_and_a_missing_record_none(admin_client, root, records):
    before = AccessLog.objects.count()
    admin_client.get(reverse("admin:patients_patient_changelist"), {"q": "ada"})
    row = AccessLog.objects.latest("id")
    assert (row.user, row.patient, row.action, row.detail) == (
        root,
        None,
        AccessAction.LIST,
        'admin patient list: q="ada"',
    )
    assert admin_client.get(reverse("admin:patients_patient_change", args=[999999])).status_code == 302
    assert AccessLog.objects.count() == before + 1


def test_a_history_version_is_shown_logged_and_never_reverted(admin_client, root, records):
    patient = records["patient"]
    version = patient.history.earliest()
    url = reverse("admin:patients_patient_simple_history", args=[patient.pk, version.history_id])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Revert" not in page.content.decode()
    row = AccessLog.objects.latest("id")
    assert (row.user, row.patient, row.action) == (root, patient, AccessAction.VIEW)
    assert admin_client.post(url, {"name": "Reverted", "mrn": patient.mrn}).status_code == 403
    patient.refresh_from_db()
    assert patient.name == "Ada Lovelace"


def test_reading_an_access_log_row_in_the_admin_is_logged_against_its_patient(admin_client, root, records):
    read = records["accesslog"]
    admin_client.get(reverse("admin:patients_accesslog_change", args=[read.pk]))
    row = AccessLog.objects.latest("id")
    assert (row.user, row.patient_id, row.action) == (root, read.patient_id, AccessAction.VIEW)
    assert row.detail == f"admin access log row {read.pk}"
