"""Admin of the care teams: staff with the care-team permissions keep teams and their members and patients;
emergency accesses are read-only (the application grants them, with the access-log row)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from careteams.models import CareTeam, EmergencyAccess
from myeloma_cds.admin_history import HistoryAdmin
from patients.admin import ReadOnlyAdminMixin


@admin.register(CareTeam)
class CareTeamAdmin(HistoryAdmin):
    list_display = ["name", "kind", "refers_to", "member_count", "patient_count"]
    list_filter = ["kind"]
    list_select_related = ["refers_to"]
    search_fields = ["name"]
    filter_horizontal = ["members", "patients"]
    fields = ["name", "kind", "refers_to", "members", "patients"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("members", distinct=True), patient_total=Count("patients", distinct=True))
        )

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, obj: CareTeam) -> int:
        return obj.member_total  # type: ignore[attr-defined]

    @admin.display(description="Patients", ordering="patient_total")
    def patient_count(self, obj: CareTeam) -> int:
        return obj.patient_total  # type: ignore[attr-defined]


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    read_only_note = "Read-only: emergency accesses are granted in the application, with the access-log row"
    list_display = ["granted_at", "user", "patient", "expires_at", "reason"]
    list_select_related = ["user", "patient"]
    search_fields = ["user__username", "patient__name", "patient__mrn", "reason"]
    date_hierarchy = "granted_at"
