"""How a board decision compares with the saved recommendation, read from the frozen result alone."""

import pytest

from board.concordance import concordance, offered_regimens

RESULT = {
    "first_choice": "DPd",
    "options": [{"regimen": "DPd"}, {"regimen": "cilta-cel"}, {"regimen": "Kd56"}],
    "trial_options": [{"code": "Iber-d"}],
    "classification": {"salvage_asct_candidate": False, "relapse_type": "clinical", "relapse_nature": "aggressive"},
    "pitfalls": [{"code": "consider_clinical_trial"}],
    "warnings": [],
}


def verdict(kind, result=RESULT, **kwargs):
    return concordance(result, kind=kind, **kwargs).concordance


def test_a_regimen_is_the_first_choice_another_offered_option_or_off_the_list():
    assert verdict("regimen", regimen_code="DPd") == "first_choice"
    assert verdict("regimen", regimen_code="Kd56") == "other_option"
    assert verdict("regimen", regimen_code="Iber-d") == "other_option"  # a listed clinical-trial option
    assert verdict("regimen", regimen_code="Vd") == "off_list"


def test_the_basis_names_the_place_of_the_option():
    assert concordance(RESULT, kind="regimen", regimen_code="cilta-cel").basis == "cilta-cel was option 2 of 3."


def test_with_no_eligible_regimen_every_regimen_is_off_the_list():
    empty = {**RESULT, "first_choice": None, "options": [], "trial_options": []}
    assert verdict("regimen", empty, regimen_code="DPd") == "off_list"


def test_a_clinical_trial_is_offered_at_every_relapse_through_the_pitfall():
    assert verdict("clinical_trial") == "other_option"
    assert verdict("clinical_trial", {**RESULT, "pitfalls": [], "trial_options": []}) == "off_list"


def test_a_car_t_referral_follows_only_an_offered_car_t_regimen():
    assert verdict("car_t_referral", car_t_options={"cilta-cel"}) == "other_option"
    assert verdict("car_t_referral", car_t_options={"ide-cel"}) == "off_list"


def test_a_transplant_work_up_follows_a_salvage_transplant_candidate():
    assert verdict("transplant_workup") == "off_list"
    candidate = {**RESULT, "classification": {**RESULT["classification"], "salvage_asct_candidate": True}}
    assert verdict("transplant_workup", candidate) == "other_option"


@pytest.mark.parametrize(
    ("relapse_type", "nature", "expected"),
    [
        ("biochemical", "indolent", "other_option"),  # R3.1: may be observed
        ("not_met", "unknown", "other_option"),  # no relapse criterion met
        ("biochemical", "aggressive", "off_list"),
        ("clinical", "indolent", "off_list"),
    ],
)
def test_observation_follows_an_indolent_biochemical_relapse(relapse_type, nature, expected):
    result = {**RESULT, "classification": {"relapse_type": relapse_type, "relapse_nature": nature}}
    assert verdict("observation", result) == expected


def test_more_tests_follow_when_the_recommendation_asked_for_data():
    assert verdict("more_tests") == "off_list"
    asked = {**RESULT, "warnings": [{"code": "relapse_single_measurement"}]}
    assert verdict("more_tests", asked) == "other_option"


def test_palliative_care_and_a_regimen_outside_the_catalog_are_off_the_list():
    assert verdict("palliative_care") == "off_list"
    assert verdict("other_regimen") == "off_list"


def test_offered_regimens_lists_options_then_trial_options():
    assert offered_regimens(RESULT) == ["DPd", "cilta-cel", "Kd56", "Iber-d"]


def test_choosing_an_excluded_regimen_is_off_the_list_and_says_why_it_was_excluded():
    result = {
        **RESULT,
        "excluded": [{"regimen": "BPd", "reasons": [{"code": "corneal", "rule": "x", "text": "Corneal disease"}]}],
    }
    verdict_ = concordance(result, kind="regimen", regimen_code="BPd")
    assert verdict_.concordance == "off_list"
    assert verdict_.basis == "BPd was excluded by the recommendation: Corneal disease"
