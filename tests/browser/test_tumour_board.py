"""A board member runs this morning's demo meeting in the browser: open the meeting, present a case, record a
decision off the recommendation (refused without a reason, then recorded), download the case summary PDF.
Screenshots go to test-artifacts/screenshots/; axe-core finds no serious or critical violation on the pages."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.browser.conftest import screenshot, serious_axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_board(records, settings):
    settings.DEBUG = True  # the demo data refuses to load otherwise
    call_command("load_demo_data", "--quiet-logins")
    settings.DEBUG = False
    from board.models import BoardMeeting

    return BoardMeeting.objects.get()


@pytest.fixture
def board_page(browser, live_server, demo_board):
    """Logged in as the demo board member, in a context that lets axe-core be injected."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "board")
    page.fill("#id_password", "demo-board-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/board/")  # a board member's start page is the work list
    yield page
    context.close()


def test_a_board_member_runs_the_demo_meeting_end_to_end(board_page, live_server, demo_board):
    from pypdf import PdfReader

    page = board_page
    violations = {}

    def check(name):
        screenshot(page, f"board-{name}")
        found = serious_axe_violations(page)
        if found:
            violations[name] = found

    check("worklist")
    page.get_by_role("link", name="Meetings").first.click()
    page.get_by_role("link", name=demo_board.title).first.click()
    page.wait_for_url(f"**/board/meetings/{demo_board.pk}/")
    assert page.locator("#agenda tbody tr").count() == 3
    check("meeting")

    # The first case on the agenda (Rajesh Kulkarni) is not decided yet: present it.
    page.locator("#agenda tbody tr").first.get_by_role("link", name="Present").click()
    page.wait_for_url("**/board/cases/*/?meeting=*")
    assert page.get_by_text("Rajesh Kulkarni").first.is_visible()
    check("presentation")

    page.get_by_role("link", name="Record the decision").click()
    page.wait_for_url("**/decision/**")
    check("decision-form")
    page.check("input[name=kind][value=regimen]")
    offered = set(
        page.eval_on_selector_all(
            "select[name=regimen_code] optgroup:first-of-type option", "options => options.map(o => o.value)"
        )
    )
    off_list = page.eval_on_selector_all(
        "select[name=regimen_code] optgroup:last-of-type option", "options => options.map(o => o.value)"
    )
    chosen = next(code for code in off_list if code and code not in offered)
    page.select_option("select[name=regimen_code]", chosen)
    page.fill("textarea[name=rationale]", "Bridging while a CAR-T slot is sought.")
    page.locator("main form button[type=submit]").last.click()
    # Off the recommendation without a reason: refused, and what was typed is kept.
    assert page.get_by_text("choose the reason").first.is_visible()
    assert page.input_value("textarea[name=rationale]") == "Bridging while a CAR-T slot is sought."
    check("decision-refused")
    page.select_option("select[name=off_reason]", "access_reimbursement")
    page.fill("textarea[name=off_reason_text]", "No CAR-T manufacturing slot for three months.")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/board/cases/*/**")
    assert page.get_by_text("No CAR-T manufacturing slot for three months.").first.is_visible()
    check("decided")

    with page.expect_download() as download_info:
        page.locator("a[href$='summary.pdf']").first.click()
    pdf = download_info.value
    data = Path(pdf.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert chosen in text and "DEMO-0002" in text

    page.goto(f"{live_server.url}/board/adherence/")
    assert page.locator("svg").count() >= 1  # the chart, drawn on the server
    check("adherence")
    page.goto(f"{live_server.url}/board/meetings/")
    check("meetings")

    assert violations == {}, violations

    from board.models import BoardDecision

    decision = BoardDecision.objects.get(case_review__patient__mrn="DEMO-0002")
    assert decision.concordance == "off_list" and decision.off_reason == "access_reimbursement"
    assert decision.decided_by.username == "board" and decision.meeting == demo_board
