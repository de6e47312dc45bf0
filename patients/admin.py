"""Admin views of the patient records for superusers: search, read and history, nothing more.

Patient records are read-only here: they are changed in the application, whose forms and services run the checks
(ranges, units, date order, corrections as new versions, the access log). Opening a patient, a line of therapy, a
restaging or a saved case here writes an access-log row, as the application's pages do.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from myeloma_cds.admin_history import HistoryAdmin
from patients import services
from patients.models import AccessAction, AccessLog, CaseReview, LineDrug, Patient, Restaging, TherapyLine

# Shown under the title of the list pages (the admin's subtitle, also in the browser's title: kept short).
READ_ONLY_NOTE = "Read-only: patient records are changed in the application, where the checks run"
ACCESS_LOG_NOTE = "Read-only: the application writes the access log; superusers filter it under Audit"


def signed_in(request: HttpRequest) -> User:
    """The admin's user: the admin answers signed-in staff only."""
    return cast(User, request.user)


class ReadOnlyAdminMixin:
    """View only, for every user (superusers included): no add, change or delete, no revert of a history
    version; the list page says where the records are changed."""

    read_only_note = READ_ONLY_NOTE

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(  # type: ignore[misc]
            request, {"subtitle": self.read_only_note, **(extra_context or {})}
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccessLoggedAdminMixin(ReadOnlyAdminMixin):
    """A record opened in the admin (its page or one of its history versions) writes a VIEW row, like the
    application's pages. History versions are shown, never saved: a POST there is refused."""

    def log_view(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        self._log_shown(request, response)
        return response

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        response = super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]
        if response.status_code == 200:  # rendered without a context to read: the version names the record
            model = self.model  # type: ignore[attr-defined]
            history = getattr(model, model._meta.simple_history_manager_attribute)
            self.log_view(request, history.get(history_id=version_id).instance)
        return response

    def _log_shown(self, request: HttpRequest, response: HttpResponse) -> None:
        original = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and original is not None:
            self.log_view(request, original)


class LineDrugInline(ReadOnlyInline):
    model = LineDrug


@admin.register(Patient)
class PatientAdmin(AccessLoggedAdminMixin, HistoryAdmin):
    list_display = ["name", "mrn", "birth_date", "diagnosis_date", "heavy_chain", "light_chain"]
    search_fields = ["name", "mrn"]
    date_hierarchy = "diagnosis_date"

    def log_view(self, request: HttpRequest, obj: Patient) -> None:
        services.access_log(user=signed_in(request), patient=obj, action=AccessAction.VIEW)


@admin.register(TherapyLine)
class TherapyLineAdmin(AccessLoggedAdminMixin, HistoryAdmin):
    list_display = ["__str__", "patient", "start_date", "end_date", "best_response", "progression_date"]
    list_select_related = ["patient"]
    search_fields = ["patient__name", "patient__mrn", "regimen_label", "regimen__code"]
    inlines = [LineDrugInline]

    def log_view(self, request: HttpRequest, obj: TherapyLine) -> None:
        services.access_log(user=signed_in(request), patient=obj.patient, action=AccessAction.VIEW)


@admin.register(Restaging)
class RestagingAdmin(AccessLoggedAdminMixin, HistoryAdmin):
    list_display = ["patient", "date", "status", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["patient"]
    search_fields = ["patient__name", "patient__mrn"]

    def log_view(self, request: HttpRequest, obj: Restaging) -> None:
        services.access_log(user=signed_in(request), patient=obj.patient, action=AccessAction.VIEW)


@admin.register(CaseReview)
class CaseReviewAdmin(AccessLoggedAdminMixin, HistoryAdmin):
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

    def log_view(self, request: HttpRequest, obj: CaseReview) -> None:
        services.access_log(user=signed_in(request), patient=obj.patient, action=AccessAction.VIEW, case_review=obj)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    read_only_note = ACCESS_LOG_NOTE
    list_display = ["at", "user", "action", "patient", "saved_case", "meeting"]
    list_filter = ["action"]
    list_select_related = ["user", "patient", "meeting"]
    search_fields = ["patient__name", "patient__mrn", "user__username"]
    date_hierarchy = "at"

    @admin.display(description="Saved case", ordering="case_review")
    def saved_case(self, obj: AccessLog) -> int | None:
        return obj.case_review_id
