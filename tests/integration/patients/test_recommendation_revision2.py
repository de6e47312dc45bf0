"""The recommendation page and the saved case after revision 2: the pathway, other pathways' positions, trial
options, and a saved case that freezes the pathway it ran on."""

import pytest
from django.urls import reverse

from patients.models import CaseReview
from patients.services import case_review_create
from regimens import models as m

pytestmark = pytest.mark.django_db


def page(client, patient, restaging) -> str:
    return client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk])).content.decode()


def test_the_page_names_the_pathway_and_where_the_other_pathway_places_each_option(
    clinician_client, patient, restaging
):
    html = page(clinician_client, patient, restaging)
    assert "Order of <strong>Guidelines 2026</strong>" in html
    assert "Other pathways:</span> Seed 2025: first choice" in html  # DRd is the seed's first choice too
    assert "pathway Guidelines 2026" in html


def test_the_page_counts_its_queries(clinician_client, patient, restaging, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        clinician_client.get(reverse("patients:restaging", args=[patient.pk, restaging.pk]))


def test_the_saved_case_freezes_the_pathway_even_when_editors_change_it(clinician, patient, restaging):
    review = case_review_create(patient=patient, restaging=restaging, by=clinician)
    assert review.pathway == "guidelines-2026" and review.result_json["pathway"]["code"] == "guidelines-2026"
    m.Pathway.objects.filter(active=True).update(active=False)
    m.Pathway.objects.filter(code="seed-2025").update(active=True)
    review.refresh_from_db()
    assert review.result_json["pathway"]["code"] == "guidelines-2026"
    assert CaseReview.objects.get(pk=review.pk).pathway == "guidelines-2026"


def test_rule_ids_appear_only_in_the_basis_details(clinician_client, patient, restaging):
    html = page(clinician_client, patient, restaging)
    main = html.split('id="options-heading"')[1].split('class="engine-stamp"')[0]
    outside = "".join(part.split("</details>", 1)[-1] for part in main.split("<details"))
    assert "rule-code" not in outside
    assert "candidates.setting_list" in main  # still there, in the basis details
    assert "first relapse, lenalidomide-naive or -sensitive" in html  # the setting in words


def test_the_saved_case_shows_the_values_as_entered_from_the_frozen_case(
    clinician_client, clinician, patient, restaging, frozen_rows_writable
):
    Restaging = type(restaging)
    Restaging.objects.filter(pk=restaging.pk).update(
        hemoglobin_g_dl=11.9, values_as_entered={"hemoglobin_g_dl": {"value": 119.0, "unit": "g/L"}}
    )
    restaging.refresh_from_db()
    review = case_review_create(patient=patient, restaging=restaging, by=clinician)
    html = clinician_client.get(review.get_absolute_url()).content.decode()
    assert "119 g/L" in html and "11.9 g/dL" in html


def test_the_recommendation_page_offers_to_correct_a_completed_restaging(clinician_client, patient, restaging):
    html = page(clinician_client, patient, restaging)
    assert reverse("patients:restaging_correct", args=[patient.pk, restaging.pk]) in html
    assert "Lab values of this restaging" in html
