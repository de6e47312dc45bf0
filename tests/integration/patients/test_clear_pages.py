"""What a clinician reads on the patient pages: words instead of the engine's field paths and codes, one age,
a timeline readable on a phone, and the import page's placeholders as they are today."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import charts, services
from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

pytestmark = pytest.mark.django_db


def test_without_an_age_the_patient_page_asks_for_one_in_words(clinician_client, default_catalog):
    patient = PatientFactory(birth_date=None)
    TherapyLineFactory(patient=patient)
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert services.NEEDS_AGE in html
    assert "patient.age_years" not in html and "is required unless" not in html


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("patient.age_years", services.NEEDS_AGE),
        ("patient.birth_date", services.NEEDS_AGE),
        ("prior_lines[1].progression_date", "Check line 2 (its progression date) on its edit page."),
        ("prior_lines[0].drugs[2].end_date", "Check line 1 (its end date) on its edit page."),
        ("prior_lines[0]", "Check line 1 on its edit page."),
        ("prior_lines", "Add the lines of therapy given so far."),
        ("diagnosis.date", "Check the diagnosis date on the patient record."),
        ("diagnosis.cytogenetics.t_4_14", "Check the t(4;14) at diagnosis on the patient record."),
        ("patient.weight_kg", "Check the weight (kg) on the patient record."),
        ("restaging.ecog", "Check the ECOG performance status (0-4) in its step."),
        ("restaging.cardiac.heart_failure_nyha", "Check the heart failure in its step."),
        ("restaging.serum_m_protein_g_dl", "Check the serum M-protein (g/dL) in its step."),
    ],
)
def test_engine_field_errors_become_what_to_do(field, words):
    assert services.problem_in_words(field) == words


def test_the_setting_and_class_codes_read_as_words():
    from patients.templatetags.patients_tags import clinical_words

    assert clinical_words("first_relapse_len_refractory") == "first relapse, lenalidomide-refractory"
    assert clinical_words("anti_CD38") == "anti-CD38 antibody"
    assert clinical_words("non_frail") == "non frail"
    assert clinical_words(None) == "not known"


def test_the_exposure_table_keeps_rule_ids_in_the_basis_details(clinician_client, patient):
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    table = html.split('class="table table-sm align-middle mb-0 exposure-table"')[1].split("</table>")[0]
    assert "refractory.60_day_window" in table
    for cell in table.split("<td")[1:]:
        before_details = cell.split("<details")[0]
        assert "rule-code" not in before_details


def test_clinical_pages_show_the_age_at_restaging_once(clinician_client, patient):
    restaging = RestagingFactory(patient=patient, date=dt.date(2024, 6, 3))
    html = clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk])).content.decode()
    assert "Age at restaging</span> 66 years" in html and html.count("66 years") == 1
    assert "today" not in html.split("patient-facts")[1].split("</p>")[0]
    page = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert f"({patient.age_today} years today)" in page


def test_the_timeline_labels_the_first_year(patient):
    chart = charts.timeline(patient, list(patient.lines.all()), dt.date(2024, 6, 1))
    assert chart.ticks[0].label == "2018" and chart.ticks[0].pos == chart.label_width
    assert [tick.label for tick in chart.ticks][:3] == ["2018", "2019", "2020"]


def test_a_year_label_too_close_to_the_first_is_left_out(default_catalog):
    patient = PatientFactory(diagnosis_date=dt.date(2019, 12, 20))
    TherapyLineFactory(patient=patient, start_date=dt.date(2020, 1, 5), end_date=dt.date(2023, 1, 1))
    chart = charts.timeline(patient, list(patient.lines.all()), dt.date(2023, 6, 1))
    assert [tick.label for tick in chart.ticks] == ["2019", "2021", "2022", "2023"]


def test_the_compact_timeline_fits_a_phone_and_puts_titles_above_the_bars(clinician_client, patient):
    chart = charts.timeline(patient, list(patient.lines.all()), dt.date(2024, 6, 1), compact=True)
    assert chart.width == charts.COMPACT_WIDTH and len(chart.ticks) <= 5
    row = chart.rows[0]
    assert row.title_at[1] < row.y and row.drugs_at[0] == charts.COMPACT_PAD
    assert all(charts.COMPACT_PAD <= tick.pos <= chart.width - charts.COMPACT_PAD for tick in chart.ticks)
    assert row.bar.x + row.bar.width <= chart.width - charts.COMPACT_PAD + 0.1
    html = clinician_client.get(patient.get_absolute_url()).content.decode()
    assert 'class="timeline timeline-compact"' in html and 'aria-labelledby="timeline-compact-title' in html


def test_the_import_page_shows_the_placeholders_an_import_would_get_today(clinician_client, default_catalog):
    html = clinician_client.get(reverse("patients:import")).content.decode()
    assert f"IMPORT-{timezone.localdate():%Y%m%d}-1" in html and "Imported case 1" in html
    PatientFactory(mrn=f"IMPORT-{timezone.localdate():%Y%m%d}-1")
    assert (
        f"IMPORT-{timezone.localdate():%Y%m%d}-2" in clinician_client.get(reverse("patients:import")).content.decode()
    )
