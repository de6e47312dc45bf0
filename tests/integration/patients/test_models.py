"""The database refuses impossible records; every record keeps its history."""

import datetime as dt

import pytest
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, transaction

from patients.models import RESTAGING_POSITIVE, RESTAGING_RANGES, LineDrug, Patient, Restaging, TherapyLine
from regimens.models import Drug
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_mrn_is_unique():
    PatientFactory(mrn="X-1")
    assert refused(lambda: PatientFactory(mrn="X-1"))


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [
        ("weight_kg", 24.9, 25.0),
        ("weight_kg", 300.1, 300.0),
        ("height_cm", 99.0, 100.0),
        ("height_cm", 231.0, 230.0),
        ("iss_stage", 4, 3),
        ("dx_del_17p_clonal_fraction_pct", 100.5, 100.0),
        ("sex", "other", "male"),
        ("heavy_chain", "IgX", "IgA"),
        ("dx_del_1p32", "partial", "biallelic"),
    ],
)
def test_patient_values_out_of_range_are_refused_at_and_beyond_the_limits(field, bad, good):
    assert refused(lambda: PatientFactory(**{field: bad}))
    assert not refused(lambda: PatientFactory(**{field: good}))


def test_the_diagnosis_cannot_precede_the_birth():
    assert refused(lambda: PatientFactory(birth_date=dt.date(2019, 1, 1), diagnosis_date=dt.date(2018, 1, 1)))


def test_not_tested_is_stored_apart_from_negative():
    patient = PatientFactory(dx_del_17p=None, dx_t_4_14=False)
    patient.refresh_from_db()
    assert patient.dx_del_17p is None and patient.dx_t_4_14 is False


@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": dt.date(2018, 3, 14)},
        {"progression_date": dt.date(2018, 3, 1)},
        {"transplant_type": "autologous", "transplant_date": None},
        {"transplant_type": "", "transplant_date": dt.date(2018, 6, 1)},
        {"transplant_type": "autologous", "transplant_date": dt.date(2018, 3, 1)},
        {"maintenance_start_date": dt.date(2018, 10, 1), "maintenance_end_date": dt.date(2018, 9, 1)},
        {"maintenance_end_date": dt.date(2019, 1, 1)},
        {"best_response": "great"},
        {"stop_reason": "bored"},
        {"number": 0},
    ],
)
def test_line_dates_and_choices_are_checked(default_catalog, changes):
    patient = PatientFactory()
    values = {"patient": patient, "number": 1, "start_date": dt.date(2018, 3, 15), **changes}
    assert refused(lambda: TherapyLine.objects.create(**values))


def test_a_line_number_is_used_once_per_patient(default_catalog):
    line = TherapyLineFactory()
    assert refused(lambda: TherapyLine.objects.create(patient=line.patient, number=1, start_date=line.start_date))


def test_a_line_has_a_catalog_regimen_or_a_label_not_both(default_catalog):
    patient = PatientFactory()
    assert refused(
        lambda: TherapyLine.objects.create(
            patient=patient, number=1, start_date=dt.date(2019, 1, 1), regimen_id="DRd", regimen_label="DRd"
        )
    )


def test_line_drug_rows_are_checked(default_catalog):
    line = TherapyLineFactory(drugs=[])
    drug = Drug.objects.get(name="bortezomib")
    assert refused(
        lambda: LineDrug.objects.create(
            line=line, drug=drug, start_date=dt.date(2019, 2, 1), end_date=dt.date(2019, 1, 1)
        )
    )
    assert refused(lambda: LineDrug.objects.create(line=line, drug=drug, still_ongoing=True, end_date=line.end_date))
    assert refused(lambda: LineDrug.objects.create(line=line, drug=drug, override="maybe"))
    LineDrug.objects.create(line=line, drug=drug)
    assert refused(lambda: LineDrug.objects.create(line=line, drug=drug))
    assert not refused(lambda: LineDrug.objects.create(line=line, drug=drug, is_maintenance=True))


@pytest.mark.parametrize(("field", "bounds"), sorted(RESTAGING_RANGES.items()))
def test_restaging_ranges_are_checked_by_the_database_and_the_form_validators(field, bounds):
    low, high = bounds
    validators = Restaging._meta.get_field(field).validators
    maximum = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    minimum = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    assert maximum == [high]
    assert minimum == ([] if field in RESTAGING_POSITIVE else [low])
    assert refused(lambda: RestagingFactory(**{field: high + 1}))
    assert not refused(lambda: RestagingFactory(**{field: high}))
    if field not in RESTAGING_POSITIVE:
        assert refused(lambda: RestagingFactory(**{field: low - 1}))


@pytest.mark.parametrize("field", RESTAGING_POSITIVE)
def test_divisors_must_be_greater_than_zero(field):
    assert refused(lambda: RestagingFactory(**{field: 0}))
    assert not refused(lambda: RestagingFactory(**{field: 0.1}))


def test_a_restaging_is_complete_exactly_when_it_has_a_completion_time():
    assert refused(lambda: RestagingFactory(status="complete", completed_at=None))
    assert refused(lambda: RestagingFactory(status="draft", completed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))
    assert refused(lambda: RestagingFactory(status="finished"))


def test_the_previous_assessment_cannot_follow_the_restaging():
    assert refused(lambda: RestagingFactory(date=dt.date(2024, 1, 1), previous_assessment_date=dt.date(2024, 2, 1)))


def test_records_keep_their_history():
    patient = PatientFactory(name="Before")
    patient.name = "After"
    patient.save()
    assert [h.name for h in patient.history.order_by("history_id")] == ["Before", "After"]
    assert Patient.history.model.objects.count() == 2


# The earliest date of the case format (regimens/engine/ranges.py EARLIEST_DATE): the database refuses the day before
# and keeps the day itself, for every date of the records.
BEFORE_1900, FIRST_DAY = dt.date(1899, 12, 31), dt.date(1900, 1, 1)


@pytest.mark.parametrize("field", ["birth_date", "diagnosis_date"])
def test_patient_dates_start_in_1900_in_the_database(field):
    values = {"mrn": "MRN-1900", "name": "Early", "birth_date": FIRST_DAY, "diagnosis_date": dt.date(2000, 1, 1)}
    assert refused(lambda: Patient.objects.create(**{**values, "birth_date": None, field: BEFORE_1900}))
    assert not refused(lambda: Patient.objects.create(**{**values, field: FIRST_DAY}))


def test_a_line_starts_in_1900_at_the_earliest_in_the_database(default_catalog):
    patient = PatientFactory(birth_date=None, diagnosis_date=FIRST_DAY)
    assert refused(lambda: TherapyLine.objects.create(patient=patient, number=1, start_date=BEFORE_1900))
    assert not refused(lambda: TherapyLine.objects.create(patient=patient, number=1, start_date=FIRST_DAY))


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Patient, ["birth_date", "diagnosis_date"]),
        (TherapyLine, ["start_date", "end_date", "transplant_date", "maintenance_start_date",
                       "maintenance_end_date", "progression_date"]),
        (LineDrug, ["start_date", "end_date"]),
        (Restaging, ["date", "previous_assessment_date"]),
    ],
)  # fmt: skip
def test_every_date_of_the_records_has_its_1900_constraint(model, fields):
    """The other dates of a line cannot precede its start anyway; each still has its own constraint."""
    named = {c.name for c in model._meta.constraints if c.name.endswith("_from_1900")}
    assert {name.rsplit("_from_1900")[0].split("_", 1 if model is not LineDrug else 2)[-1] for name in named} == set(
        fields
    )


@pytest.mark.parametrize("field", ["date", "previous_assessment_date"])
def test_restaging_dates_start_in_1900_in_the_database(field):
    restaging = RestagingFactory.build(patient=PatientFactory(birth_date=None, diagnosis_date=FIRST_DAY))
    restaging.date = dt.date(1900, 6, 1)
    setattr(restaging, field, BEFORE_1900)
    assert refused(restaging.save)
