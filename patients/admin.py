"""Admin views of the patient records for superusers: search and history. Saved cases and the access log are
read-only here (a saved case never changes; the log is written by the app only)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import AccessLog, CaseReview, LineDrug, Patient, Restaging, TherapyLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineDrugInline(admin.TabularInline):
    model = LineDrug
    extra = 0
    autocomplete_fields = ["drug"]


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "mrn", "birth_date", "diagnosis_date", "heavy_chain", "light_chain"]
    search_fields = ["name", "mrn"]
    date_hierarchy = "diagnosis_date"
    readonly_fields = ["created_at", "created_by", "updated_at"]


@admin.register(TherapyLine)
class TherapyLineAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "patient", "start_date", "end_date", "best_response", "progression_date"]
    list_select_related = ["patient"]
    search_fields = ["patient__name", "patient__mrn", "regimen_label", "regimen__code"]
    raw_id_fields = ["patient"]
    inlines = [LineDrugInline]


@admin.register(Restaging)
class RestagingAdmin(SimpleHistoryAdmin):
    list_display = ["patient", "date", "status", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["patient"]
    search_fields = ["patient__name", "patient__mrn"]
    raw_id_fields = ["patient"]
    readonly_fields = ["created_at", "created_by", "updated_at", "completed_at", "completed_by"]


@admin.register(CaseReview)
class CaseReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "patient",
        "restaging",
        "status",
        "engine_version",
        "catalog_release",
        "created_by",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["patient", "restaging", "created_by"]
    search_fields = ["patient__name", "patient__mrn"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "patient", "case_review"]
    list_filter = ["action"]
    list_select_related = ["user", "patient"]
    search_fields = ["patient__name", "patient__mrn", "user__username"]
    date_hierarchy = "at"
