"""Adherence to the recommendation (/board/adherence/ and /board/adherence.csv): of the decisions in force, the
share that followed the first choice, another offered option or went off the list; overall, per setting, per
pathway and per month, with the off-recommendation reasons; filtered by the day of decision."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board import adherence, services
from board.forms_adherence import DATES_IN_ORDER, NOT_A_DATE
from board.models import BoardDecision
from board.services import DecisionInput
from patients.models import CaseReview
from regimens.models import Pathway
from tests.integration.board.conftest import saved_cases

pytestmark = pytest.mark.django_db

PAGE, CSV = reverse("board:adherence"), reverse("board:adherence_csv")


def local(year, month, day, hour=12, minute=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def decide(case, by, how, at=None, reason="toxicity_comorbidity"):
    """Record a decision that is the first choice, another offered option, or off the list."""
    options = [option["regimen"] for option in case.result_json["options"]]
    if how == "first":
        data = DecisionInput(kind="regimen", regimen_code=case.result_json["first_choice"])
    elif how == "other":
        data = DecisionInput(kind="regimen", regimen_code=options[1])
    else:
        data = DecisionInput(kind="palliative_care", off_reason=reason, off_reason_text="Said in words.")
    decision = services.decision_record(case=case, data=data, by=by)
    if at is not None:
        BoardDecision.objects.filter(pk=decision.pk).update(decided_at=at)
    return decision


@pytest.fixture
def mix(default_catalog, clinician, board_member):
    """Seven decided cases: four first choice (one of them an amended off-list decision), two other options,
    one off the list for toxicity; two of them in another setting and on another pathway, in April, the rest
    in March."""
    cases = saved_cases(7, clinician)
    march, april = local(2026, 3, 10), local(2026, 4, 20)
    for case in cases[:3]:
        decide(case, board_member, "first", at=march)
    decide(cases[3], board_member, "other", at=march)
    decide(cases[4], board_member, "other", at=april)
    decide(cases[5], board_member, "off", at=april, reason="toxicity_comorbidity")
    original = decide(cases[6], board_member, "off", at=march, reason="patient_preference")
    amended = services.decision_amend(
        decision=original,
        data=DecisionInput(kind="regimen", regimen_code=cases[6].result_json["first_choice"]),
        reason="Changed her mind.",
        by=board_member,
    )
    BoardDecision.objects.filter(pk=amended.pk).update(decided_at=march)
    for case in cases[4:6]:
        result = case.result_json
        result["classification"]["setting"] = "second_plus_relapse"
        CaseReview.objects.filter(pk=case.pk).update(result_json=result, pathway="seed-2025")
    return cases


def counts(group):
    return [(share.count, share.percent) for share in group.shares]


# --- the figures --------------------------------------------------------------------------------------------


def test_the_shares_of_a_known_mix_overall_per_setting_per_pathway_and_per_month(mix):
    report = adherence.report()

    assert report.total == 7  # the amended decision counts once, as amended
    assert counts(report.overall) == [(4, 57.1), (2, 28.6), (1, 14.3)]
    assert [(group.label, group.total) for group in report.by_setting] == [
        ("First relapse, lenalidomide-naive or -sensitive", 5),
        ("Second or later relapse", 2),
    ]
    assert counts(report.by_setting[0]) == [(4, 80.0), (1, 20.0), (0, 0.0)]
    assert counts(report.by_setting[1]) == [(0, 0.0), (1, 50.0), (1, 50.0)]
    titles = dict(Pathway.objects.values_list("code", "title"))
    assert {group.label: group.total for group in report.by_pathway} == {
        titles[mix[0].pathway]: 5,
        titles["seed-2025"]: 2,
    }
    assert [(group.label, counts(group)) for group in report.by_month] == [
        ("2026-03", [(4, 80.0), (1, 20.0), (0, 0.0)]),
        ("2026-04", [(0, 0.0), (1, 50.0), (1, 50.0)]),
    ]
    # Off the list: only the decision in force counts (the amended one's "patient preference" does not).
    assert [(reason.label, reason.count, reason.percent) for reason in report.off_reasons] == [
        ("Toxicity or comorbidity", 1, 100.0)
    ]


def test_the_page_shows_the_shares_in_tables_and_the_reasons(client, board_member, mix):
    client.force_login(board_member)

    response = client.get(PAGE)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Adherence to the recommendation" in page
    assert "57.1%" in page and "4 of 7 decisions" in page
    assert "Per setting" in page and "Second or later relapse" in page
    assert "Per pathway" in page and "Per month" in page and "2026-04" in page
    assert "Toxicity or comorbidity" in page
    assert '<th scope="col">Month</th>' in page


def test_the_chart_is_an_svg_of_stacked_bars_per_month_with_its_words(client, board_member, mix):
    client.force_login(board_member)

    page = client.get(PAGE).content.decode()

    assert page.count('role="img"') == 2  # the wide chart and the phone's
    assert "2026-03: 5 decisions (4 first choice, 1 another offered option, 0 off the recommendation)" in page
    assert 'fill="#d9822b"' in page  # an off-list segment
    for label in ("First choice", "Another offered option", "Off the recommendation"):
        assert f"</svg>{label}</span>" in page  # the legend
    assert 'href="#by-month"' in page and 'id="by-month"' in page  # the text alternative
    assert "<script" not in page.split("Decisions per month")[1].split("</figure>")[0]


def test_a_month_without_decisions_is_a_gap_in_the_chart():
    january, march = adherence.Group("2026-01", "2026-01"), adherence.Group("2026-03", "2026-03")
    january.counts["first_choice"], march.counts["off_list"] = 2, 3

    chart = adherence.month_chart([january, march])

    assert [(bar.month, bar.total) for bar in chart.bars] == [("2026-01", 2), ("2026-02", 0), ("2026-03", 3)]
    assert chart.bars[1].title == "2026-02: no decision"
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3"]
    assert chart.bars[2].segments[2].height == chart.bottom - chart.top  # the tallest bar fills the plot


def test_months_between_crosses_the_year():
    assert adherence.months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize(("most", "top", "step"), [(1, 1, 1), (5, 5, 1), (6, 6, 2), (30, 30, 10), (31, 40, 10)])
def test_the_count_axis_has_at_most_five_round_steps(most, top, step):
    assert adherence._scale(most) == (top, step)


def test_shares_of_no_decision_are_not_a_number():
    assert adherence.percent(1, 3) == 33.3
    assert adherence.percent(0, 0) is None
    assert adherence.month_chart([]) is None


def test_no_decision_yet_says_so(client, board_member):
    client.force_login(board_member)

    page = client.get(PAGE).content.decode()

    assert "No case was decided yet: there is nothing to count." in page
    assert 'role="img"' not in page


# --- filters ------------------------------------------------------------------------------------------------


@pytest.fixture
def around_midnight(default_catalog, clinician, board_member):
    """Decisions on 2026-03-31 at 23:59 and on 2026-04-01 at 00:00 and 23:59, site time."""
    cases = saved_cases(3, clinician)
    decide(cases[0], board_member, "first", at=local(2026, 3, 31, 23, 59))
    decide(cases[1], board_member, "other", at=local(2026, 4, 1, 0, 0))
    decide(cases[2], board_member, "off", at=local(2026, 4, 1, 23, 59))
    return cases


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"date_from": "2026-04-01"}, 2),  # from the day: its first minute counts
        ({"date_from": "2026-04-02"}, 0),  # the day after: nothing
        ({"date_to": "2026-03-31"}, 1),  # up to the day: its last minute counts
        ({"date_to": "2026-04-01"}, 3),
        ({"date_from": "2026-04-01", "date_to": "2026-04-01"}, 2),  # one day, both ends included
        ({"date_from": "2026-03-31", "date_to": "2026-03-31"}, 1),
        ({}, 3),
    ],
)
def test_the_period_includes_both_days_in_the_sites_time_zone(client, board_member, around_midnight, params, total):
    client.force_login(board_member)

    response = client.get(PAGE, params)

    assert response.status_code == 200
    assert response.context["report"].total == total


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-13-01"}, "date_from", NOT_A_DATE),
        ({"date_to": "yesterday"}, "date_to", NOT_A_DATE),
        ({"date_from": "01/04/2026"}, "date_from", NOT_A_DATE),  # ISO dates only
        ({"date_from": "9999999-01-01"}, "date_from", NOT_A_DATE),
        ({"date_from": "2026-04-02", "date_to": "2026-04-01"}, "date_to", DATES_IN_ORDER),
    ],
)
def test_bad_dates_are_form_errors_on_the_page_and_a_400_for_the_csv(client, board_member, params, field, message):
    client.force_login(board_member)

    response = client.get(PAGE, params)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert response.context["report"] is None
    assert "The dates are not valid" in response.content.decode()
    assert client.get(CSV, params).status_code == 400


def test_unknown_parameters_are_ignored(client, board_member, around_midnight):
    client.force_login(board_member)

    response = client.get(PAGE, {"junk": "<script>", "date_from": "2026-04-01", "page": "-1"})

    assert response.status_code == 200
    assert response.context["report"].total == 2


def test_the_csv_link_carries_the_filters(client, board_member, around_midnight):
    client.force_login(board_member)

    page = client.get(PAGE, {"date_from": "2026-04-01"}).content.decode()

    assert f'href="{CSV}?date_from=2026-04-01"' in page


# --- the CSV ------------------------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_the_csv_has_a_row_per_group_with_counts_and_shares(client, board_member, mix):
    client.force_login(board_member)

    response = client.get(CSV)
    rows = csv_rows(response)

    assert response["Content-Disposition"] == 'attachment; filename="board-adherence-start-to-today.csv"'
    assert rows[0] == adherence.CSV_COLUMNS
    by_group = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert by_group[("All decisions", "All decisions")] == ["7", "4", "57.1", "2", "28.6", "1", "14.3"]
    assert by_group[("Setting", "Second or later relapse")] == ["2", "0", "0.0", "1", "50.0", "1", "50.0"]
    assert by_group[("Month", "2026-03")] == ["5", "4", "80.0", "1", "20.0", "0", "0.0"]
    reason = ("Off-recommendation reason", "Toxicity or comorbidity")
    assert by_group[reason] == ["1", "0", "0.0", "0", "0.0", "1", "100.0"]
    assert {key[0] for key in by_group} == {"All decisions", "Setting", "Pathway", "Month", "Off-recommendation reason"}


def test_the_csv_follows_the_filters_and_names_the_period(client, board_member, around_midnight):
    client.force_login(board_member)

    response = client.get(CSV, {"date_from": "2026-04-01", "date_to": "2026-04-30"})
    rows = csv_rows(response)

    assert response["Content-Disposition"] == 'attachment; filename="board-adherence-2026-04-01-to-2026-04-30.csv"'
    assert rows[1] == ["All decisions", "All decisions", "2", "0", "0.0", "1", "50.0", "1", "50.0"]


def test_the_csv_is_utf8_and_defuses_formulas_in_names(client, board_member, mix):
    Pathway.objects.create(code="eu-2026", title="Lignes directrices européennes 2026")
    Pathway.objects.create(code="formula", title='=HYPERLINK("http://example.org")')
    CaseReview.objects.filter(pk=mix[0].pk).update(pathway="eu-2026")
    CaseReview.objects.filter(pk=mix[1].pk).update(pathway="formula")
    client.force_login(board_member)

    groups = [row[1] for row in csv_rows(client.get(CSV)) if row[0] == "Pathway"]

    assert "Lignes directrices européennes 2026" in groups
    assert '\'=HYPERLINK("http://example.org")' in groups


# --- who may read it, and what it costs ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "board_member", "superuser"])
def test_clinicians_board_members_and_superusers_read_it(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(PAGE).status_code == 200
    assert client.get(CSV).status_code == 200


def test_a_catalog_editor_reads_neither(client, catalog_editor):
    client.force_login(catalog_editor)

    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (PAGE, CSV):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_posts_are_not_allowed(client, board_member):
    client.force_login(board_member)

    assert client.post(PAGE).status_code == 405
    assert client.post(CSV).status_code == 405


def _queries(client, url):
    client.get(url)  # the session's first request saves the session: not counted
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_and_the_csv_take_as_many_queries_for_thirty_decisions_as_for_one(
    client, board_member, default_catalog, clinician
):
    cases = saved_cases(30, clinician)
    client.force_login(board_member)
    decide(cases[0], board_member, "first", at=local(2026, 1, 5))
    one = (_queries(client, PAGE), _queries(client, CSV))
    for index, case in enumerate(cases[1:], start=1):
        decide(case, board_member, ("first", "other", "off")[index % 3], at=local(2026, 1 + index % 12, 5))

    thirty = (_queries(client, PAGE), _queries(client, CSV))

    assert max(one) <= 15
    assert thirty == one
