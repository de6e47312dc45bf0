"""Fixtures of the tumour-board tests: a saved case, a meeting with it on the agenda, clients per role."""

import datetime as dt

import pytest
from django.utils import timezone

from board import services
from patients.services import case_review_save
from tests.factories import UserFactory
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory


@pytest.fixture
def patient(default_catalog):
    """A patient at first relapse after VRd (lenalidomide-sensitive), with a complete restaging."""
    person = PatientFactory(name="Ada Lovelace", mrn="MRN-ADA")
    TherapyLineFactory(
        patient=person,
        start_date=dt.date(2018, 3, 15),
        end_date=dt.date(2018, 9, 1),
        progression_date=dt.date(2024, 5, 20),
    )
    return person


@pytest.fixture
def restaging(patient):
    return RestagingFactory(patient=patient)


@pytest.fixture
def saved_case(patient, restaging, clinician):
    return case_review_save(patient=patient, restaging=restaging, by=clinician)[0]


@pytest.fixture
def superuser(db):
    return UserFactory(username="root1", is_superuser=True, is_staff=True)


@pytest.fixture
def meeting(default_catalog, clinician, board_member):
    return services.meeting_create(
        data={
            "title": "Myeloma tumour board",
            "starts_at": timezone.now() + dt.timedelta(days=2),
            "location": "Haematology seminar room, or the video link in the invitation",
            "chair": board_member,
            "attendees": [board_member, clinician],
            "guests": "Dr Grace Hopper (radiology)",
        },
        by=clinician,
    )


@pytest.fixture
def scheduled_case(meeting, saved_case, clinician):
    services.agenda_add(meeting=meeting, case=saved_case, by=clinician)
    saved_case.refresh_from_db()
    return saved_case


@pytest.fixture
def board_client(client, board_member):
    client.force_login(board_member)
    return client


def saved_cases(count, clinician):
    """`count` saved cases of as many patients (for query-count tests)."""
    cases = []
    for index in range(count):
        person = PatientFactory(name=f"Patient {index:03d}", mrn=f"MRN-{index:05d}")
        TherapyLineFactory(
            patient=person, start_date=dt.date(2018, 3, 15), end_date=dt.date(2018, 9, 1),
            progression_date=dt.date(2024, 5, 20),
        )  # fmt: skip
        cases.append(case_review_save(patient=person, restaging=RestagingFactory(patient=person), by=clinician)[0])
    return cases


@pytest.fixture(autouse=True)
def _arrange_frozen_rows_directly(frozen_rows_writable):
    """The board tests arrange their scenarios by writing rows the product never changes (a decision back-dated
    to March, a saved case on another pathway, a restaging edited after the save): see `frozen_rows_writable`."""
