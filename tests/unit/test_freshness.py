"""The board's data-freshness checklist: a pure function of the frozen case, its result and the meeting date."""

import copy
from datetime import date, timedelta

import pytest

from board.freshness import STALE_AFTER_DAYS, age_at_restaging, checklist

RESTAGED = date(2024, 6, 3)
TODAY = date(2024, 12, 1)

CASE = {
    "format": "myeloma-cds-case/1",
    "patient": {"age_years": None, "birth_date": "1958-05-17", "sex": "female"},
    "diagnosis": {"date": "2018-03-01"},
    "prior_lines": [],
    "restaging": {
        "date": RESTAGED.isoformat(),
        "charlson_comorbidity_index": 1,
        "adl": 6,
        "iadl": 8,
        "cytogenetics": {
            "del_17p": False,
            "del_17p_clonal_fraction_pct": None,
            "tp53_mutation": False,
            "t_4_14": False,
            "t_14_16": False,
            "t_14_20": False,
            "t_11_14": False,
            "gain_1q": True,
            "amp_1q": False,
            "del_1p32": "none",
        },
    },
}
RESULT = {"warnings": []}


def items(case=CASE, result=RESULT, meeting_date=RESTAGED, today=TODAY):
    return {item.code: item for item in checklist(case, result, meeting_date=meeting_date, today=today)}


def changed(**restaging):
    case = copy.deepcopy(CASE)
    case["restaging"].update(restaging)
    return case


def test_a_complete_fresh_case_passes_every_item_in_the_boards_order():
    result = checklist(CASE, RESULT, meeting_date=RESTAGED, today=TODAY)
    assert [item.code for item in result] == ["relapse_fish", "restaging_age", "frailty_inputs", "single_measurement"]
    assert all(item.ok for item in result)


def test_the_threshold_is_thirty_days():
    assert STALE_AFTER_DAYS == 30


@pytest.mark.parametrize(
    ("days", "flagged"),
    [(0, False), (1, False), (29, False), (30, False), (31, True), (32, True), (400, True)],
)
def test_a_restaging_older_than_thirty_days_at_the_meeting_is_flagged_with_its_age(days, flagged):
    item = items(meeting_date=RESTAGED + timedelta(days=days))["restaging_age"]
    assert item.flag is flagged
    assert f"{days} day{'s' if days != 1 else ''} old at the meeting" in item.words


def test_the_age_counts_to_the_meeting_date_not_today():
    assert items(meeting_date=RESTAGED + timedelta(days=30), today=RESTAGED + timedelta(days=300))["restaging_age"].ok


def test_without_a_meeting_the_age_counts_to_today():
    fresh = items(meeting_date=None, today=RESTAGED + timedelta(days=30))["restaging_age"]
    stale = items(meeting_date=None, today=RESTAGED + timedelta(days=31))["restaging_age"]
    assert fresh.ok and "30 days old at today" in fresh.words
    assert stale.flag and "31 days old at today" in stale.words


def test_a_restaging_after_the_meeting_is_not_stale():
    item = items(meeting_date=RESTAGED - timedelta(days=2))["restaging_age"]
    assert item.ok and "2 days after the meeting" in item.words


def test_no_relapse_fish_is_flagged():
    case = changed(cytogenetics=dict.fromkeys(CASE["restaging"]["cytogenetics"]))
    item = items(case=case)["relapse_fish"]
    assert item.flag and "No FISH" in item.words


def test_relapse_fish_without_the_cytogenetics_object_is_flagged():
    case = copy.deepcopy(CASE)
    del case["restaging"]["cytogenetics"]
    assert items(case=case)["relapse_fish"].flag


def test_partial_relapse_fish_passes_and_names_what_was_not_tested():
    case = changed(cytogenetics={**CASE["restaging"]["cytogenetics"], "t_11_14": None, "tp53_mutation": None})
    item = items(case=case)["relapse_fish"]
    assert item.ok
    assert "TP53 mutation" in item.words and "t(11;14)" in item.words


@pytest.mark.parametrize(
    ("field", "words"), [("charlson_comorbidity_index", "Charlson"), ("adl", "ADL"), ("iadl", "IADL")]
)
def test_each_missing_frailty_input_is_flagged_by_name(field, words):
    item = items(case=changed(**{field: None}))["frailty_inputs"]
    assert item.flag and words in item.words


def test_a_missing_age_is_a_missing_frailty_input():
    case = copy.deepcopy(CASE)
    case["patient"]["birth_date"] = None
    item = items(case=case)["frailty_inputs"]
    assert item.flag and "age" in item.words


def test_age_comes_from_age_years_or_the_birth_date_at_the_restaging():
    assert age_at_restaging(CASE) == 66  # born 1958-05-17, restaged 2024-06-03
    assert age_at_restaging(changed(date="2024-05-16")) == 65  # the day before the birthday
    assert age_at_restaging(changed(date="2024-05-17")) == 66
    case = copy.deepcopy(CASE)
    case["patient"]["age_years"] = 70
    assert age_at_restaging(case) == 70


def test_a_single_measurement_progression_is_flagged_with_the_engines_words():
    result = {"warnings": [{"code": "relapse_single_measurement", "text": "Progression rests on one measurement."}]}
    item = items(result=result)["single_measurement"]
    assert item.flag and item.words == "Progression rests on one measurement."


def test_other_warnings_do_not_flag_the_progression_item():
    assert items(result={"warnings": [{"code": "fish_missing", "text": "x"}]})["single_measurement"].ok


def test_a_restaging_without_a_date_is_flagged_not_a_crash():
    case = copy.deepcopy(CASE)
    del case["restaging"]["date"]
    assert items(case=case)["restaging_age"].flag
