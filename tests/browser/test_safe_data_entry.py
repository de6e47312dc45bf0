"""In a real browser: a decimal comma typed into the M-protein nadir is stored as 0.2 (or refused with a field
error, never dropped); a value in g/L is converted; a restaging is corrected; the patient page on a phone."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def patient(clinician_user):
    from tests.factories.patients import PatientFactory, RestagingFactory, TherapyLineFactory

    person = PatientFactory(name="Dora Decimal", mrn="DEC-1", weight_kg=92, height_cm=172)
    TherapyLineFactory(patient=person, start_date=dt.date(2018, 3, 15), end_date=dt.date(2018, 9, 1),
                       transplant_type="autologous", transplant_date=dt.date(2018, 11, 1),
                       maintenance=["lenalidomide"], maintenance_start_date=dt.date(2019, 1, 10),
                       maintenance_end_date=dt.date(2021, 9, 5), progression_date=dt.date(2021, 9, 1),
                       stop_reason="progression")  # fmt: skip
    TherapyLineFactory(patient=person, regimen_label="", regimen_id="DPd", start_date=dt.date(2021, 9, 20),
                       end_date=None, drugs=["daratumumab", "pomalidomide", "dexamethasone"],
                       progression_date=dt.date(2024, 5, 20), stop_reason="ongoing")  # fmt: skip
    RestagingFactory(patient=person, date=dt.date(2021, 9, 10), previous_assessment_date=None,
                     serum_m_protein_g_dl=0.9)  # fmt: skip
    RestagingFactory(patient=person, date=dt.date(2024, 6, 3), serum_m_protein_g_dl=1.6)
    return person


def test_a_decimal_comma_in_the_nadir_is_stored_as_that_number(page, live_server, clinician_user, patient,
                                                               console_errors):  # fmt: skip
    from patients.models import Restaging

    log_in(page, live_server.url, clinician_user.username)
    page.goto(live_server.url + patient.get_absolute_url())
    page.get_by_role("button", name="Restage at relapse").click()
    expect(page).to_have_url(re.compile(r"/wizard/markers/$"))
    nadir = page.get_by_label("Serum M-protein, nadir", exact=True)
    expect(nadir).to_have_attribute("inputmode", "decimal")
    page.get_by_label("Restaging date").fill("2024-09-02")
    page.get_by_label("Serum M-protein", exact=True).fill("1,6")
    nadir.fill("0,2")
    page.get_by_label("Hemoglobin", exact=True).fill("119")
    page.get_by_label("Unit of hemoglobin", exact=True).select_option("g/L")
    page.get_by_label("Urine M-protein", exact=True).fill("1,234")  # a comma that could group thousands
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("“1,234” could be a decimal or a thousands separator")).to_be_visible()
    expect(page.get_by_label("Urine M-protein", exact=True)).to_have_value("1,234")  # kept as typed
    expect(nadir).to_have_value("0,2")
    screenshot(page, "safe-01-markers-refused")
    page.get_by_label("Urine M-protein", exact=True).fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/wizard/marrow/$"))
    draft = Restaging.objects.get(patient=patient, status="draft")
    assert draft.serum_m_protein_nadir_g_dl == 0.2 and draft.serum_m_protein_g_dl == 1.6
    assert draft.hemoglobin_g_dl == 11.9
    assert draft.values_as_entered["hemoglobin_g_dl"] == {"value": 119.0, "unit": "g/L"}
    page.get_by_role("button", name="1. Markers and labs").click()  # back: shown as entered, in its unit
    expect(page.get_by_label("Hemoglobin", exact=True)).to_have_value("119")
    expect(page.get_by_label("Unit of hemoglobin", exact=True)).to_have_value("g/L")
    screenshot(page, "safe-02-markers-as-entered")
    page.get_by_role("button", name="5. Neuropathy, renal, cardiac, VTE").click()
    expect(page.locator(".bmi-computed")).to_have_text(
        "BMI 30 kg/m² or more: yes (BMI 31.1 kg/m² from the weight 92 kg and height 172 cm on the patient record)"
    )
    expect(page.get_by_label("Heart failure", exact=True)).to_be_visible()
    page.get_by_label("Heart failure", exact=True).select_option(label="None (no heart failure)")
    screenshot(page, "safe-03-organs")
    assert console_errors == []


def test_a_clinician_corrects_a_completed_restaging(page, live_server, clinician_user, patient, console_errors):
    from patients.models import Restaging

    first = Restaging.objects.get(patient=patient, date=dt.date(2024, 6, 3))
    log_in(page, live_server.url, clinician_user.username)
    page.goto(live_server.url + patient.get_absolute_url())
    page.get_by_role("link", name="Correct the restaging of 2024-06-03").click()
    page.get_by_label("Why does this restaging need correcting?").fill("M-protein was entered in g/L as g/dL")
    screenshot(page, "safe-04-correct")
    page.get_by_role("button", name="Start the correction").click()
    expect(page).to_have_url(re.compile(r"/wizard/markers/$"))
    expect(page.get_by_text("This draft corrects the restaging of 2024-06-03")).to_be_visible()
    page.get_by_label("Serum M-protein", exact=True).fill("9")
    page.get_by_label("Unit of serum M-protein", exact=True).select_option("g/L")
    page.get_by_role("button", name="7. Classification review").click()
    expect(page.get_by_text("Lab values of this restaging")).to_be_visible()
    page.get_by_label("I have reviewed the classification and its basis").check()
    page.get_by_role("button", name="Confirm and see the recommendation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recommendation")
    page.goto(live_server.url + patient.get_absolute_url())
    expect(page.get_by_text("superseded", exact=True)).to_be_visible()
    expect(page.get_by_text("“M-protein was entered in g/L as g/dL”")).to_be_visible()
    screenshot(page, "safe-05-patient-page-superseded")
    first.refresh_from_db()
    assert first.serum_m_protein_g_dl == 1.6 and first.is_superseded
    assert Restaging.objects.get(supersedes=first).serum_m_protein_g_dl == 0.9  # 9 g/L
    assert console_errors == []


def test_the_patient_page_fits_a_phone(browser, live_server, clinician_user, patient):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, clinician_user.username)
    page.goto(live_server.url + reverse("patients:detail", args=[patient.pk]))
    screenshot(page, "safe-06-patient-page-phone")
    compact = page.locator("svg.timeline-compact")
    expect(compact).to_be_visible()
    expect(page.locator("svg.timeline:not(.timeline-compact)")).to_be_hidden()
    expect(compact.locator(".tl-tick").first).to_have_text("2018")  # the first year is labelled
    tick_size = compact.locator(".tl-tick").first.evaluate("e => e.getBoundingClientRect().height")
    assert tick_size >= 9  # readable: at least 9 px tall on the phone
    card = page.locator("section[aria-labelledby=exposure-heading]")
    table = card.locator("table")
    card_box, table_box = card.bounding_box(), table.bounding_box()
    assert table_box["x"] + table_box["width"] <= card_box["x"] + card_box["width"] + 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    context.close()
