"""axe-core finds no serious or critical accessibility violation on the patient pages (injected in a context
that bypasses the CSP; the CSP itself stays strict)."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.browser.conftest import screenshot, serious_axe_violations

pytestmark = pytest.mark.browser

WIZARD_STEPS = ["markers", "marrow", "imaging", "fitness", "organs", "preferences", "review"]


@pytest.fixture
def case(clinician_user):
    """A patient with two lines, a complete restaging, a draft restaging and a saved case."""
    from patients import services
    from tests.factories.patients import DraftRestagingFactory, PatientFactory, RestagingFactory, TherapyLineFactory

    patient = PatientFactory(name="Axel Access", mrn="AXE-1")
    TherapyLineFactory(patient=patient, start_date=dt.date(2018, 3, 15), end_date=dt.date(2018, 9, 1),
                       transplant_type="autologous", transplant_date=dt.date(2018, 11, 1),
                       maintenance=["lenalidomide"], maintenance_start_date=dt.date(2019, 1, 10),
                       maintenance_end_date=dt.date(2021, 9, 5), progression_date=dt.date(2021, 9, 1),
                       stop_reason="progression")  # fmt: skip
    TherapyLineFactory(patient=patient, regimen_label="", regimen_id="DPd", start_date=dt.date(2021, 9, 20),
                       end_date=None, drugs=["daratumumab", "pomalidomide", "dexamethasone"],
                       progression_date=dt.date(2024, 5, 20), stop_reason="ongoing")  # fmt: skip
    RestagingFactory(patient=patient, date=dt.date(2021, 9, 10), previous_assessment_date=None,
                     serum_m_protein_g_dl=0.9)  # fmt: skip
    restaging = RestagingFactory(patient=patient)
    draft = DraftRestagingFactory(patient=patient, date=dt.date(2024, 9, 2), previous_assessment_date=None)
    review = services.case_review_create(patient=patient, restaging=restaging, by=clinician_user)
    return {"patient": patient, "restaging": restaging, "draft": draft, "review": review}


def pages(case) -> list[tuple[str, str]]:
    p, s, d = case["patient"].pk, case["restaging"].pk, case["draft"].pk
    return [
        ("patient-list", reverse("patients:list")),
        ("patient-page", reverse("patients:detail", args=[p])),
        ("patient-form", reverse("patients:edit", args=[p])),
        ("line-form", reverse("patients:line_edit", args=[p, case["patient"].lines.last().pk])),
        *[(f"wizard-{step}", reverse("patients:restaging_step", args=[p, d, step])) for step in WIZARD_STEPS],
        ("recommendation", reverse("patients:restaging", args=[p, s])),
        ("saved-case", reverse("patients:review", args=[case["review"].pk])),
        ("import", reverse("patients:import")),
    ]


def test_no_serious_or_critical_violations(axe_page, live_server, case):
    found = {}
    for name, path in pages(case):
        axe_page.goto(live_server.url + path)
        assert axe_page.locator("h1").count() == 1, name
        violations = serious_axe_violations(axe_page)
        if violations:
            found[name] = violations
        screenshot(axe_page, f"axe-{name}")
    assert found == {}
