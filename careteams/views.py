"""Care-team pages: break-the-glass access to a patient outside one's care teams, and the list of every
emergency access for superusers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from careteams import access, services
from careteams.forms import EmergencyAccessForm
from careteams.models import EmergencyAccess
from patients.models import Patient

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@permission_required("patients.view_patient", raise_exception=True)
def emergency_access(request: HttpRequest) -> HttpResponse:
    """A patient's exact MRN and a reason open the patient's record for a limited time; it is logged."""
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        patient = Patient.objects.filter(mrn=form.cleaned_data["mrn"]).only("pk", "name", "mrn").first()
        if patient is None:
            form.add_error("mrn", "No patient has this MRN. Check it letter by letter.")
        elif access.can_see(request.user, patient) and access.emergency_access_of(request.user, patient) is None:
            messages.info(request, "This patient is in your care teams: no emergency access is needed.")
            return redirect(patient)
        else:
            grant = services.emergency_access_grant(
                user=request.user,
                patient=patient,
                reason=form.cleaned_data["reason"],
                client_address=request.META.get("REMOTE_ADDR"),
            )
            until = timezone.localtime(grant.expires_at)
            messages.warning(request, f"Emergency access to {patient.name} until {until:%Y-%m-%d %H:%M}. It is logged.")
            return redirect(patient)
    context = {"form": form, "hours": int(services.emergency_access_duration().total_seconds() // 3600)}
    return render(request, "careteams/emergency_access.html", context)


@require_safe
def emergency_access_list(request: HttpRequest) -> HttpResponse:
    """Every emergency access, newest first: who, which patient, when, why and until when. Superusers only."""
    if not request.user.is_superuser:
        raise PermissionDenied
    rows = EmergencyAccess.objects.select_related("user", "patient").only(
        "reason", "granted_at", "expires_at", "user__username", "user__first_name", "user__last_name",
        "patient__name", "patient__mrn",
    ).order_by("-granted_at", "-id")  # fmt: skip
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "careteams/emergency_access_list.html", {"page": page, "now": timezone.now()})
