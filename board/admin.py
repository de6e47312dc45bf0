"""Admin views of the tumour board for superusers: meetings, agenda items and decisions, read-only.

Meetings, agendas and decisions are kept on the tumour board's pages, whose services run the checks (open
statuses, locked decisions, amendments with a reason) and write the access log. Opening a meeting, an agenda
item or a decision here writes an access-log row too.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from board import services
from board.models import AgendaItem, BoardDecision, BoardMeeting
from myeloma_cds.admin_history import HistoryAdmin
from patients.admin import AccessLoggedAdminMixin, signed_in

BOARD_NOTE = "Read-only: meetings, agendas and decisions are kept on the tumour board's pages, where the checks run"


class BoardAdmin(AccessLoggedAdminMixin, HistoryAdmin):
    read_only_note = BOARD_NOTE


@admin.register(BoardMeeting)
class BoardMeetingAdmin(BoardAdmin):
    list_display = ["title", "starts_at", "location", "chair", "created_by"]
    list_select_related = ["chair", "created_by"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"

    def log_view(self, request: HttpRequest, obj: BoardMeeting) -> None:
        # The admin's meeting page names no patient: one row for the meeting.
        services.log_meeting_view(user=signed_in(request), meeting=obj, cases=[])


@admin.register(AgendaItem)
class AgendaItemAdmin(BoardAdmin):
    list_display = ["meeting", "position", "saved_case", "added_by", "added_at"]
    list_select_related = ["meeting", "added_by"]
    search_fields = ["meeting__title", "case_review__patient__name", "case_review__patient__mrn"]

    @admin.display(description="Saved case", ordering="case_review")
    def saved_case(self, obj: AgendaItem) -> int:
        return obj.case_review_id

    def log_view(self, request: HttpRequest, obj: AgendaItem) -> None:
        services.log_case_view(user=signed_in(request), case=obj.case_review, meeting=obj.meeting)


@admin.register(BoardDecision)
class BoardDecisionAdmin(AccessLoggedAdminMixin, admin.ModelAdmin):
    """Decisions are never changed (a correction is a new decision that amends), so they keep no history."""

    read_only_note = BOARD_NOTE
    list_display = ["saved_case", "kind", "regimen_name", "concordance", "meeting", "decided_by", "decided_at"]
    list_filter = ["kind", "concordance"]
    list_select_related = ["meeting", "decided_by"]
    search_fields = ["case_review__patient__name", "case_review__patient__mrn", "regimen_code", "regimen_name"]
    date_hierarchy = "decided_at"

    @admin.display(description="Saved case", ordering="case_review")
    def saved_case(self, obj: BoardDecision) -> int:
        return obj.case_review_id

    def log_view(self, request: HttpRequest, obj: BoardDecision) -> None:
        services.log_case_view(user=signed_in(request), case=obj.case_review, meeting=obj.meeting)
