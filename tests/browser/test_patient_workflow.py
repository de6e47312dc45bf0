"""A clinician in a real browser: log in, record a patient and two lines, restage, read and save the
recommendation. The Content-Security-Policy is enforced: any blocked script or style shows up as an error."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_the_start_page_after_logging_in(page, live_server, clinician_user, console_errors):
    log_in(page, live_server.url, clinician_user.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you, Clara")
    expect(page.get_by_role("link", name="Patients")).to_be_visible()
    screenshot(page, "start-page")
    assert console_errors == []


def choose_drug(page, table: str, row: int, drug: str) -> None:
    page.select_option(f"#id_{table}-{row}-drug", label=drug)


def test_a_clinician_records_restages_and_saves_a_case(page, live_server, clinician_user, console_errors):
    base = live_server.url
    log_in(page, base, clinician_user.username)
    page.get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_role("link", name="New patient").click()

    # The patient, with units in the labels.
    expect(page.get_by_label("Weight (kg)")).to_be_visible()
    page.get_by_label("MRN (medical record number)").fill("BRW-0001")
    page.get_by_label("Full name").fill("Barbara Browser")
    page.get_by_label("Birth date").fill("1958-04-02")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Weight (kg)").fill("66")
    page.get_by_label("Height (cm)").fill("165")
    page.get_by_label("Diagnosis date").fill("2019-02-01")
    page.get_by_label("Heavy chain isotype").select_option("IgG")
    page.get_by_label("Light chain", exact=True).select_option("kappa")
    page.get_by_label("ISS stage at diagnosis (1-3)").fill("2")
    page.check("#id_dx_del_17p_1")  # negative
    page.check("#id_dx_t_4_14_1")
    screenshot(page, "01-patient-form")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Barbara Browser")

    # Line 1: VRd (not a catalog code), autologous transplant, lenalidomide maintenance.
    page.get_by_role("link", name="Add a line of therapy").click()
    page.get_by_label("Regimen label (when not in the catalog)").fill("VRd")
    page.fill("#id_start_date", "2019-02-15")
    page.fill("#id_end_date", "2019-06-15")
    page.get_by_label("Best response").select_option("CR")
    page.fill("#id_progression_date", "2022-02-01")
    page.get_by_label("Stop reason").select_option("progression")
    page.get_by_label("Transplant", exact=True).select_option("autologous")
    page.fill("#id_transplant_date", "2019-08-01")
    page.fill("#id_maintenance_start_date", "2019-10-01")
    page.fill("#id_maintenance_end_date", "2022-02-05")
    for row, drug in enumerate(["bortezomib", "lenalidomide", "dexamethasone"]):
        choose_drug(page, "drugs", row, drug)
    choose_drug(page, "maintenance", 0, "lenalidomide")
    screenshot(page, "02-line-1-form")
    page.get_by_role("button", name="Save the line").click()
    expect(page.get_by_text("Line 1 (VRd) was saved.")).to_be_visible()

    # Line 2: choosing a catalog regimen fills its drugs (static/js/line-form.js).
    page.get_by_role("link", name="Add a line of therapy").click()
    page.get_by_label("Catalog regimen").select_option("DPd")
    expect(page.locator("#id_drugs-0-drug option:checked")).to_have_text("daratumumab")
    expect(page.locator("#id_drugs-1-drug option:checked")).to_have_text("pomalidomide")
    expect(page.locator("#id_drugs-2-drug option:checked")).to_have_text("dexamethasone")
    expect(page.locator("[data-fill-button]")).to_be_hidden()  # the no-JS fallback gives way to the script
    page.fill("#id_start_date", "2022-02-20")
    page.get_by_label("Best response").select_option("VGPR")
    page.fill("#id_progression_date", "2024-05-20")
    page.get_by_label("Stop reason").select_option("ongoing")
    page.get_by_role("button", name="Add a drug").first.click()
    expect(page.locator("#id_drugs-6-drug")).to_be_visible()
    screenshot(page, "03-line-2-form")
    page.get_by_role("button", name="Save the line").click()
    expect(page.get_by_text("Line 2 (DPd) was saved.")).to_be_visible()
    expect(page.locator("svg.timeline:visible .tl-row")).to_have_count(2)  # the wide chart; the phone's is hidden
    expect(page.locator("svg.timeline:visible .tl-transplant")).to_have_count(1)
    screenshot(page, "04-patient-page")

    # The restaging wizard.
    page.get_by_role("button", name="Restage at relapse").click()
    expect(page).to_have_url(re.compile(r"/wizard/markers/$"))
    page.get_by_label("Restaging date").fill("2024-06-03")
    page.get_by_label("Previous assessment date").fill("2024-04-22")
    page.get_by_label("Serum M-protein", exact=True).fill("1.6")
    expect(page.get_by_label("Unit of serum M-protein", exact=True)).to_have_value("g/dL")
    page.get_by_label("Serum M-protein, nadir", exact=True).fill("0.2")
    page.get_by_label("Serum M-protein, previous", exact=True).fill("1.1")
    page.get_by_label("Creatinine", exact=True).fill("1.0")
    page.get_by_label("Hemoglobin", exact=True).fill("12.5")
    page.get_by_label("Calcium", exact=True).fill("-1")  # rejected: the step keeps what was typed
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Must be between 0 and 30 mg/dL.")).to_be_visible()
    expect(page.get_by_label("Serum M-protein", exact=True)).to_have_value("1.6")
    page.get_by_label("Calcium", exact=True).fill("9.5")
    screenshot(page, "05-wizard-markers")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/marrow/$"))
    page.get_by_label("Bone marrow plasma cells (%)").fill("20")
    for finding in ("del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q"):
        page.check(f"#id_marrow-{finding}_1")  # negative
    page.get_by_label("del(1p32)").select_option("none")
    screenshot(page, "06-wizard-marrow")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/imaging/$"))
    page.check("#id_imaging-new_bone_lesions_1")
    page.get_by_label("Plasmacytoma").select_option("none")
    page.get_by_label("Circulating plasma cells (% of white cells)").fill("0")
    screenshot(page, "07-wizard-imaging")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/fitness/$"))
    expect(page.locator(".patient-facts")).to_contain_text("Age at restaging 66 years")
    page.get_by_label("ECOG performance status (0-4)").fill("1")
    page.get_by_label("Charlson comorbidity index, without age points (0-37)").fill("1")
    # The ADL checklist adds up the activities done without help and fills the score.
    page.get_by_text("Katz activities of daily living (ADL) checklist").click()
    for activity in ["Bathing", "Dressing", "Toileting", "Transferring (bed to chair)", "Continence", "Feeding"]:
        page.get_by_label(activity, exact=True).check()
    page.locator("[data-target=id_fitness-adl]").get_by_role("button", name="Use this score").click()
    expect(page.get_by_label("Katz ADL score (0-6)")).to_have_value("6")
    page.get_by_label("Lawton IADL score (0-8)").fill("8")
    screenshot(page, "08-wizard-fitness")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/organs/$"))
    page.get_by_label("Peripheral neuropathy, CTCAE grade (0-4)").fill("0")
    screenshot(page, "09-wizard-organs")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/preferences/$"))
    screenshot(page, "10-wizard-preferences")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/wizard/review/$"))
    expect(page.get_by_role("heading", name="How the engine classifies this relapse")).to_be_visible()
    expect(page.get_by_text("Relapse type: biochemical")).to_be_visible()
    expect(page.get_by_text("Refractory to: daratumumab, lenalidomide, pomalidomide")).to_be_visible()
    screenshot(page, "11-wizard-review")
    page.get_by_label("I have reviewed the classification and its basis").check()
    page.get_by_role("button", name="Confirm and see the recommendation").click()

    # The recommendation, then the frozen case for the tumour board.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recommendation")
    expect(page.get_by_role("heading", name=re.compile("^First choice: "))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Why not: excluded regimens"))).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # static/js/print.js ran
    screenshot(page, "12-recommendation")
    first_choice = page.get_by_role("heading", name=re.compile("^First choice: ")).inner_text()
    page.get_by_role("button", name="Save for tumour board").click()
    expect(page.get_by_text("The case was saved for the tumour board, exactly as shown.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Frozen on "))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^First choice: "))).to_have_text(first_choice)
    screenshot(page, "13-saved-case")
    page.emulate_media(media="print")
    screenshot(page, "14-saved-case-print")
    assert console_errors == []
