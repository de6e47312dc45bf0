"""Where the printed case summary is offered: in the decision part of the case presentation (before and after a
decision, to whoever may read the case) and on the read-only decision page; never printed itself."""

import re

import pytest
from django.urls import reverse

from board import services
from board.models import DecisionKind

pytestmark = pytest.mark.django_db


def summary_links(response, case) -> list[str]:
    """The class attribute of each "Case summary (PDF)" link to this case's summary on the page."""
    href = re.escape(reverse("board:case_summary_pdf", args=[case.pk]))
    return re.findall(rf'<a class="([^"]*)" href="{href}">Case summary \(PDF\)</a>', response.content.decode())


def decide(case, by):
    first = case.result_json["first_choice"]
    return services.decision_record(
        case=case, data=services.DecisionInput(kind=DecisionKind.REGIMEN, regimen_code=first), by=by
    )


def test_the_presentation_offers_the_summary_beside_recording_the_decision(board_client, scheduled_case):
    response = board_client.get(reverse("board:case", args=[scheduled_case.pk]))
    decision_part = response.content.decode().split('id="decision"', 1)[1]
    assert "Record the decision" in decision_part
    assert reverse("board:case_summary_pdf", args=[scheduled_case.pk]) in decision_part
    [classes] = summary_links(response, scheduled_case)
    assert {"btn", "btn-outline-secondary", "no-print"} <= set(classes.split())


def test_the_presentation_offers_the_summary_beside_amending_a_decision(board_client, scheduled_case, board_member):
    decide(scheduled_case, board_member)
    response = board_client.get(reverse("board:case", args=[scheduled_case.pk]))
    decision_part = response.content.decode().split('id="decision"', 1)[1]
    assert "Amend the decision" in decision_part
    assert len(summary_links(response, scheduled_case)) == 1


def test_a_clinician_who_cannot_decide_still_gets_the_summary(clinician_client, scheduled_case):
    response = clinician_client.get(reverse("board:case", args=[scheduled_case.pk]))
    assert "Record the decision" not in response.content.decode()
    assert len(summary_links(response, scheduled_case)) == 1


def test_the_decision_page_offers_the_summary_after_a_decision(board_client, scheduled_case, board_member):
    decide(scheduled_case, board_member)
    response = board_client.get(reverse("board:decision", args=[scheduled_case.pk]))
    assert response.templates[0].name == "board/decision_view.html"
    [classes] = summary_links(response, scheduled_case)
    assert {"btn", "btn-outline-secondary", "no-print"} <= set(classes.split())


def test_the_decision_page_of_a_withdrawn_case_offers_the_summary(board_client, scheduled_case, clinician, superuser):
    services.case_withdraw(case=scheduled_case, reason="Patient moved to another centre.", by=clinician)
    # A withdrawn case no longer opens its patient to the board (care teams): a superuser still reads it.
    assert board_client.get(reverse("board:decision", args=[scheduled_case.pk])).status_code == 404
    board_client.force_login(superuser)
    response = board_client.get(reverse("board:decision", args=[scheduled_case.pk]))
    assert response.templates[0].name == "board/decision_view.html"
    assert len(summary_links(response, scheduled_case)) == 1


def test_the_link_leads_to_the_cases_pdf(board_client, scheduled_case):
    page = board_client.get(reverse("board:case", args=[scheduled_case.pk]))
    href = re.search(r'href="([^"]+\.pdf)">Case summary', page.content.decode())[1]
    response = board_client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF")
