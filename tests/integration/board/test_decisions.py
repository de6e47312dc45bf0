"""Recording the board's decision on a saved case, and amending it: the form, what the service decides about
concordance and reasons, who may do it, refusals that keep what was typed, and the query budget."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board import services
from board.models import BoardDecision, Concordance, DecisionKind, OffReason
from patients.models import ReviewStatus
from regimens.models import Regimen
from tests.factories import UserFactory
from tests.integration.board.conftest import saved_cases

QUERY_BUDGET = 15
OFF_LIST_REASON = "The decision is off the recommendation: choose the reason."
OFF_LIST_WORDS = "The decision is off the recommendation: say why in words."


def decision_url(case, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("board:decision", args=[case.pk]) + (f"?{query}" if query else "")


def amend_url(case):
    return reverse("board:decision_amend", args=[case.pk])


def text(response) -> str:
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return html.unescape(re.sub(r" ([;,.:)])", r"\1", words))


def options(case) -> list[str]:
    return [option["regimen"] for option in case.result_json["options"]]


def not_offered(case) -> str:
    offered = set(options(case)) | {trial["code"] for trial in case.result_json.get("trial_options") or []}
    return Regimen.objects.filter(active=True, kind="regimen").exclude(code__in=offered).order_by("code")[0].code


def record(case, by, **data):
    return services.decision_record(case=case, data=services.DecisionInput(**data), by=by)


# --- the form --------------------------------------------------------------------------------------------------


def test_the_form_offers_the_kinds_and_the_regimens_in_the_recommendations_order(board_client, scheduled_case):
    response = board_client.get(decision_url(scheduled_case))
    assert response.status_code == 200
    page = response.content.decode()
    for kind in DecisionKind:
        assert f'value="{kind.value}"' in page
    first, second = options(scheduled_case)[:2]
    select = page[page.index('name="regimen_code"') :]
    positions = [select.index(f'value="{code}"') for code in (first, second, not_offered(scheduled_case))]
    assert positions == sorted(positions)
    assert f"{first} — " in select and "(first choice)" in select and "(option 2)" in select
    assert 'label="Other regimens in the catalog (off the recommendation)"' in select
    assert "board-decision.js" in page


def test_the_form_ticks_the_meetings_attendees_and_lists_its_guests(board_client, scheduled_case, meeting):
    form = board_client.get(decision_url(scheduled_case)).context["form"]
    assert set(form.initial["attendees_present"]) == {person.pk for person in meeting.attendees.all()}
    assert form.initial["guests_present"] == "Dr Grace Hopper (radiology)"
    assert set(form.fields["attendees_present"].queryset) >= set(meeting.attendees.all())


# --- recording -------------------------------------------------------------------------------------------------


def test_recording_the_first_choice(board_client, scheduled_case, meeting, board_member, clinician):
    first = options(scheduled_case)[0]
    response = board_client.post(
        decision_url(scheduled_case, meeting=meeting.pk),
        {"kind": "regimen", "regimen_code": first, "rationale": "As recommended.",
         "attendees_present": [board_member.pk, clinician.pk], "guests_present": "Dr Grace Hopper (radiology)"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse("board:case", args=[scheduled_case.pk]) + f"?meeting={meeting.pk}#decision"
    decision = BoardDecision.objects.get(case_review=scheduled_case)
    assert (decision.kind, decision.regimen_code, decision.concordance) == ("regimen", first, Concordance.FIRST_CHOICE)
    assert decision.meeting == meeting and decision.decided_by == board_member
    assert set(decision.attendees_present.all()) == {board_member, clinician}
    assert decision.rationale == "As recommended." and decision.off_reason == ""
    scheduled_case.refresh_from_db()
    assert scheduled_case.status == ReviewStatus.DECIDED


def test_recording_another_offered_option(board_client, scheduled_case):
    second = options(scheduled_case)[1]
    board_client.post(decision_url(scheduled_case), {"kind": "regimen", "regimen_code": second})
    decision = BoardDecision.objects.get(case_review=scheduled_case)
    assert decision.concordance == Concordance.OTHER_OPTION
    assert decision.concordance_basis.startswith(f"{second} was option 2 of")


def test_off_the_list_without_a_reason_comes_back_with_the_errors_and_what_was_typed(board_client, scheduled_case):
    code = not_offered(scheduled_case)
    response = board_client.post(
        decision_url(scheduled_case),
        {"kind": "regimen", "regimen_code": code, "rationale": "The board prefers an all-oral regimen."},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["off_reason"] == [OFF_LIST_REASON]
    assert form.errors["off_reason_text"] == [OFF_LIST_WORDS]
    page = response.content.decode()
    assert "The board prefers an all-oral regimen." in page
    assert f'<option value="{code}" selected>' in page
    kind = next(tag for tag in re.findall(r"<input[^>]*>", page) if 'name="kind"' in tag and 'value="regimen"' in tag)
    assert "checked" in kind
    assert not BoardDecision.objects.exists()


def test_off_the_list_needs_the_words_as_well_as_the_reason(board_client, scheduled_case):
    code = not_offered(scheduled_case)
    response = board_client.post(
        decision_url(scheduled_case), {"kind": "regimen", "regimen_code": code, "off_reason": "patient_preference"}
    )
    assert response.context["form"].errors == {"off_reason_text": [OFF_LIST_WORDS]}
    assert not BoardDecision.objects.exists()


def test_off_the_list_with_a_reason_and_words_is_recorded(board_client, scheduled_case):
    code = not_offered(scheduled_case)
    response = board_client.post(
        decision_url(scheduled_case),
        {"kind": "regimen", "regimen_code": code, "off_reason": "patient_preference",
         "off_reason_text": "She wants tablets at home."},
    )  # fmt: skip
    assert response.status_code == 302
    decision = BoardDecision.objects.get(case_review=scheduled_case)
    assert decision.concordance == Concordance.OFF_LIST
    assert (decision.off_reason, decision.off_reason_text) == (
        OffReason.PATIENT_PREFERENCE,
        "She wants tablets at home.",
    )


def test_a_reason_given_for_a_choice_on_the_list_is_not_recorded(board_client, scheduled_case):
    board_client.post(
        decision_url(scheduled_case),
        {"kind": "regimen", "regimen_code": options(scheduled_case)[0], "off_reason": "other", "off_reason_text": "x"},
    )
    decision = BoardDecision.objects.get(case_review=scheduled_case)
    assert (decision.off_reason, decision.off_reason_text) == ("", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "regimen"}, "regimen_code", "Choose the regimen."),
        ({"kind": "other_regimen"}, "detail", "Name the regimen."),
        ({"kind": "clinical_trial", "detail": "   "}, "detail", "Name the clinical trial."),
        ({}, "kind", "Choose what the board decides."),
    ],
)
def test_what_the_chosen_kind_needs_is_asked_for(board_client, scheduled_case, data, field, message):
    response = board_client.post(decision_url(scheduled_case), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not BoardDecision.objects.exists()


def test_another_regimen_is_off_the_list_and_named(board_client, scheduled_case):
    board_client.post(
        decision_url(scheduled_case),
        {"kind": "other_regimen", "detail": "Cyclophosphamide-prednisone", "off_reason": "access_reimbursement",
         "off_reason_text": "Nothing else is reimbursed for her."},
    )  # fmt: skip
    decision = BoardDecision.objects.get(case_review=scheduled_case)
    assert decision.choice_in_words() == "Cyclophosphamide-prednisone (not in the catalog)"
    assert decision.concordance == Concordance.OFF_LIST


def test_a_decision_from_the_presentation_of_a_discussed_case(board_client, scheduled_case):
    board_client.post(reverse("board:case_discussed", args=[scheduled_case.pk]))
    response = board_client.post(
        decision_url(scheduled_case), {"kind": "regimen", "regimen_code": options(scheduled_case)[0]}, follow=True
    )
    assert "The board's decision was recorded" in text(response)
    assert "Decision in force" in text(response)


# --- a decided case ------------------------------------------------------------------------------------------------


def test_a_decided_case_shows_its_decision_read_only_and_offers_the_amendment(
    board_client, scheduled_case, board_member
):
    record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    response = board_client.get(decision_url(scheduled_case))
    assert response.status_code == 200
    assert "form" not in response.context
    assert "Original decision" in text(response)
    assert amend_url(scheduled_case) in response.content.decode()


def test_a_second_decision_is_refused(board_client, scheduled_case, board_member):
    record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    response = board_client.post(decision_url(scheduled_case), {"kind": "observation", "rationale": "Wait."})
    # Refused, with who decided what meanwhile; what was typed is offered as an amendment (tests/integration/
    # test_no_lost_update.py has the two-session case).
    assert response.status_code == 409
    assert "recorded the board's decision on this case meanwhile" in text(response)
    assert response.context["form"]["rationale"].value() == "Wait."
    assert BoardDecision.objects.filter(case_review=scheduled_case).count() == 1


def test_a_withdrawn_case_takes_no_decision(board_client, scheduled_case, clinician, superuser):
    services.case_withdraw(case=scheduled_case, reason="The patient moved to another hospital.", by=clinician)
    # A withdrawn case no longer opens its patient to the board (care teams): a superuser still reads it.
    assert board_client.get(decision_url(scheduled_case)).status_code == 404
    board_client.force_login(superuser)
    response = board_client.get(decision_url(scheduled_case))
    assert "form" not in response.context
    assert "The patient moved to another hospital." in text(response)
    response = board_client.post(decision_url(scheduled_case), {"kind": "observation"}, follow=True)
    assert "A case that is withdrawn takes no decision." in text(response)
    assert not BoardDecision.objects.exists()


# --- amending --------------------------------------------------------------------------------------------------


def test_the_amendment_form_starts_from_the_decision_in_force(board_client, scheduled_case, board_member):
    record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[1],
           rationale="Fewer visits.", attendees_present=(board_member,))  # fmt: skip
    response = board_client.get(amend_url(scheduled_case))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["kind"], initial["regimen_code"], initial["rationale"]) == (
        "regimen", options(scheduled_case)[1], "Fewer visits."
    )  # fmt: skip
    assert initial["attendees_present"] == [board_member.pk]
    assert "Amend the board's decision" in text(response)


def test_an_amendment_keeps_the_original(board_client, scheduled_case, board_member):
    original = record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    response = board_client.post(
        amend_url(scheduled_case),
        {"kind": "clinical_trial", "detail": "MagnetisMM-5", "amendment_reason": "A trial place came free.",
         "based_on": str(original.pk)},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"].endswith("#decision")
    original.refresh_from_db()
    amendment = original.amendment
    assert amendment.detail == "MagnetisMM-5" and amendment.amendment_reason == "A trial place came free."
    assert original.regimen_code == options(scheduled_case)[0]  # unchanged
    words = text(board_client.get(reverse("board:case", args=[scheduled_case.pk])))
    assert "Original decision" in words and "Amendment 1: Clinical trial: MagnetisMM-5" in words
    assert "Why amended A trial place came free." in words


def test_an_amendment_needs_a_reason(board_client, scheduled_case, board_member):
    original = record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    response = board_client.post(
        amend_url(scheduled_case), {"kind": "observation", "rationale": "Wait and see.", "based_on": str(original.pk)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amendment_reason"] == ["Say why the decision is amended."]
    assert "Wait and see." in response.content.decode()
    assert BoardDecision.objects.count() == 1


def test_an_amendment_off_the_list_needs_its_reason_too(board_client, scheduled_case, board_member):
    original = record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    response = board_client.post(
        amend_url(scheduled_case),
        {"kind": "palliative_care", "amendment_reason": "The family asked for comfort care.",
         "based_on": str(original.pk)},
    )  # fmt: skip
    assert response.context["form"].errors["off_reason"] == [OFF_LIST_REASON]
    assert BoardDecision.objects.count() == 1


def test_an_amendment_amends_the_latest_decision(board_client, scheduled_case, board_member):
    original = record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    for reason, code in (
        ("First correction.", options(scheduled_case)[1]),
        ("Second correction.", options(scheduled_case)[2]),
    ):
        in_force = services.latest_decision(scheduled_case)
        response = board_client.post(
            amend_url(scheduled_case),
            {"kind": "regimen", "regimen_code": code, "amendment_reason": reason, "based_on": str(in_force.pk)},
        )
        assert response.status_code == 302
    chain = list(BoardDecision.objects.filter(case_review=scheduled_case).order_by("decided_at", "id"))
    assert [d.amends_id for d in chain] == [None, original.pk, chain[1].pk]


def test_amending_an_undecided_case_is_not_found(board_client, scheduled_case):
    assert board_client.get(amend_url(scheduled_case)).status_code == 404
    assert board_client.post(amend_url(scheduled_case), {"kind": "observation"}).status_code == 404


# --- who may decide ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "catalog editor"])
def test_only_board_members_record_or_amend(client, scheduled_case, board_member, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(decision_url(scheduled_case)).status_code == 403
    assert client.post(decision_url(scheduled_case), {"kind": "observation"}).status_code == 403
    record(scheduled_case, board_member, kind="regimen", regimen_code=options(scheduled_case)[0])
    assert client.get(amend_url(scheduled_case)).status_code == 403
    assert client.post(amend_url(scheduled_case), {"kind": "observation", "amendment_reason": "x"}).status_code == 403
    assert BoardDecision.objects.count() == 1


def test_anonymous_users_are_sent_to_the_login_page(client, scheduled_case):
    response = client.get(decision_url(scheduled_case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_superuser_records_a_decision(client, superuser, scheduled_case):
    client.force_login(superuser)
    client.post(decision_url(scheduled_case), {"kind": "regimen", "regimen_code": options(scheduled_case)[0]})
    assert BoardDecision.objects.get(case_review=scheduled_case).decided_by == superuser


# --- bad input -------------------------------------------------------------------------------------------------


def test_unknown_cases_are_not_found(board_client, db):
    for path in (reverse("board:decision", args=[999999]), reverse("board:decision_amend", args=[999999])):
        assert board_client.get(path).status_code == 404
        assert board_client.post(path, {"kind": "observation"}).status_code == 404


@pytest.mark.parametrize("junk", ["abc", "0", "999999", "-3"])
def test_a_tampered_meeting_is_not_found(board_client, scheduled_case, junk):
    assert board_client.get(decision_url(scheduled_case, meeting=junk)).status_code == 404
    assert board_client.post(decision_url(scheduled_case, meeting=junk), {"kind": "observation"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "surgery"}, "kind"),
        ({"kind": "regimen", "regimen_code": "NOT-A-REGIMEN"}, "regimen_code"),
        ({"kind": "regimen", "regimen_code": "VRd"}, "regimen_code"),  # a first-line regimen is not offered
        ({"kind": "observation", "off_reason": "bribery"}, "off_reason"),
        ({"kind": "observation", "attendees_present": ["999999"]}, "attendees_present"),
        ({"kind": "observation", "attendees_present": ["abc"]}, "attendees_present"),
        ({"kind": "other_regimen", "detail": "x" * 301}, "detail"),
    ],
)
def test_tampered_posts_are_form_errors(board_client, scheduled_case, data, field):
    response = board_client.post(decision_url(scheduled_case), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not BoardDecision.objects.exists()


def test_only_get_and_post_are_answered(board_client, scheduled_case):
    assert board_client.put(decision_url(scheduled_case)).status_code == 405
    assert board_client.delete(amend_url(scheduled_case)).status_code == 405


# --- query budget ------------------------------------------------------------------------------------------------


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_decision_pages_query_count_does_not_grow(
    board_client, clinician, board_member, default_catalog, django_assert_max_num_queries
):
    first, second = saved_cases(2, clinician)
    meeting = services.meeting_create(
        data={"title": "Board", "starts_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "attendees": [board_member]},
        by=clinician,
    )
    services.agenda_add(meeting=meeting, case=first, by=clinician)
    decided = record(second, board_member, kind="regimen", regimen_code=options(second)[0])
    board_client.get(decision_url(first))  # the session is renewed on the first request: measure steady-state views
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(decision_url(first))
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(amend_url(second))
    form_alone, amend_alone = (
        count_queries(board_client, decision_url(first)),
        count_queries(board_client, amend_url(second)),
    )

    people = [UserFactory(roles=["board member"]) for _ in range(12)]
    meeting.attendees.add(*people)
    for index in range(12):
        later = services.meeting_create(
            data={"title": f"Board {index}", "starts_at": dt.datetime(2031, 1, 1 + index, tzinfo=dt.UTC)}, by=clinician
        )
        services.agenda_add(meeting=later, case=first, by=clinician)
    for index in range(12):
        decided = services.decision_amend(
            decision=decided, by=board_member, reason=f"Correction {index}",
            data=services.DecisionInput(
                kind="regimen", regimen_code=options(second)[0], attendees_present=tuple(people)
            ),
        )  # fmt: skip
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(decision_url(first))
    with django_assert_max_num_queries(QUERY_BUDGET):
        board_client.get(amend_url(second))
    assert count_queries(board_client, decision_url(first)) == form_alone
    assert count_queries(board_client, amend_url(second)) == amend_alone
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert board_client.get(decision_url(second)).status_code == 200  # the read-only decision
