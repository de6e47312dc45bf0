"""Fixtures of the patient-record tests."""

import datetime as dt

import pytest

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
def board_client(client, board_member):
    client.force_login(board_member)
    return client
