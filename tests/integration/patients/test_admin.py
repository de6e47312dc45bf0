"""The admin lists the records for superusers; saved cases and the access log cannot be changed there."""

import pytest
from django.urls import reverse

from patients import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_record_lists_answer(admin_client, patient, restaging):
    for name in ("patient", "therapyline", "restaging", "casereview", "accesslog"):
        assert admin_client.get(reverse(f"admin:patients_{name}_changelist")).status_code == 200


def test_saved_cases_and_the_access_log_are_read_only(admin_client, patient, restaging, clinician):
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician)
    url = reverse("admin:patients_casereview_change", args=[review.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"status": "decided"}).status_code == 403
    assert admin_client.get(reverse("admin:patients_casereview_add")).status_code == 403
    assert admin_client.get(reverse("admin:patients_accesslog_add")).status_code == 403
    review.refresh_from_db()
    assert review.status == "ready_for_board"
