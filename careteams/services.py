"""Writes of the care teams: a new patient joins a clinical team; an emergency access is granted and logged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from careteams.models import CareTeam, EmergencyAccess, TeamKind
from patients import services as patient_services
from patients.models import AccessAction, Patient

# How long a break-the-glass access lasts: long enough for a shift (the clinician in an emergency must not be
# cut off mid-care), short enough that the access ends with it. Another access needs another reason.
EMERGENCY_ACCESS_HOURS = 12

# A reason is a sentence, not a keystroke: at least this many words and characters.
REASON_MIN_WORDS = 3
REASON_MIN_CHARS = 15


def emergency_access_duration() -> timedelta:
    """How long a break-the-glass access lasts."""
    return timedelta(hours=EMERGENCY_ACCESS_HOURS)


def check_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason.split()) < REASON_MIN_WORDS or len(reason) < REASON_MIN_CHARS:
        raise ValidationError(
            f"Give the reason in a few words (at least {REASON_MIN_WORDS} words): it is kept in the access log "
            "and shown to the administrators.",
            code="reason_too_short",
        )
    return reason


def patient_join(*, patient: Patient, team: CareTeam) -> None:
    """Put a patient in a clinical team (a tumour board holds no patients)."""
    if team.kind != TeamKind.CLINICAL:
        raise ValidationError("Patients belong to clinical teams, not to tumour boards.")
    team.patients.add(patient)


@transaction.atomic
def emergency_access_grant(
    *, user: Any, patient: Patient, reason: str, client_address: str | None = None
) -> EmergencyAccess:
    """Open a patient outside the user's care teams for `emergency_access_duration()`, with the reason given;
    one access-log row (action "glass") carries the reason."""
    reason = check_reason(reason)
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        user=user, patient=patient, reason=reason, granted_at=now, expires_at=now + emergency_access_duration()
    )
    patient_services.access_log(
        user=user, patient=patient, action=AccessAction.BREAK_GLASS, detail=reason, client_address=client_address
    )
    return grant
