"""Who may see which patient: the one rule every page that reads patient data applies.

- Superusers see every patient.
- Members of a clinical team see the team's patients.
- Members of a tumour board see the patients with a saved case submitted to the board (ready for board,
  scheduled, discussed or decided; not withdrawn) whose patient belongs to a clinical team that refers its cases
  to that board.
- Anyone sees a patient for whom they hold an unexpired emergency access ("break the glass").
- Everyone else (catalog editors, users in no team) sees no patient.

Editing follows seeing, plus the Django permissions of the role. The rule is a condition (`visible`) that pages
add to the query they already make: IN-subqueries, so seeing costs no query of its own. A patient a user may not
see answers 404, exactly like a patient that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from careteams.models import CareTeam, EmergencyAccess, TeamKind
from patients.models import CaseReview, Patient, ReviewStatus

# Saved cases that were submitted to the board (a withdrawn case no longer opens the patient to the board).
SUBMITTED_STATUSES = (
    ReviewStatus.READY_FOR_BOARD,
    ReviewStatus.SCHEDULED,
    ReviewStatus.DISCUSSED,
    ReviewStatus.DECIDED,
)


def sees_everyone(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def visible(user: Any, field: str = "pk") -> Q:
    """The condition on a queryset whose patient is at `field` ("pk" on Patient, "patient" on CaseReview,
    "case_review__patient" on AgendaItem...) that keeps the rows of the patients `user` may see."""
    if sees_everyone(user):
        return Q()
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(**{f"{field}__in": []})
    in_team = CareTeam.patients.through.objects.filter(careteam__kind=TeamKind.CLINICAL, careteam__members=user).values(
        "patient_id"
    )
    at_board = CaseReview.objects.filter(
        status__in=SUBMITTED_STATUSES,
        patient__care_teams__kind=TeamKind.CLINICAL,
        patient__care_teams__refers_to__members=user,
    ).values("patient_id")
    glass = EmergencyAccess.objects.filter(user=user, expires_at__gt=timezone.now()).values("patient_id")
    return Q(**{f"{field}__in": in_team}) | Q(**{f"{field}__in": at_board}) | Q(**{f"{field}__in": glass})


def visible_patients(user: Any) -> QuerySet[Patient]:
    """The patients `user` may see (and, with the permissions of their role, change)."""
    return Patient.objects.filter(visible(user))


def visible_cases(user: Any) -> QuerySet[CaseReview]:
    """The saved cases of the patients `user` may see."""
    return CaseReview.objects.filter(visible(user, "patient"))


def can_see(user: Any, patient: Patient | int) -> bool:
    """One query (none for a superuser)."""
    if sees_everyone(user):
        return True
    pk = patient if isinstance(patient, int) else patient.pk
    return visible_patients(user).filter(pk=pk).exists()


def clinical_teams_of(user: Any) -> QuerySet[CareTeam]:
    """The clinical teams a new patient of `user` may join: their own; for a superuser, every clinical team."""
    teams = CareTeam.objects.filter(kind=TeamKind.CLINICAL).order_by("name")
    return teams if sees_everyone(user) else teams.filter(members=user)


def emergency_access_of(user: Any, patient: Patient | int) -> EmergencyAccess | None:
    """The user's unexpired emergency access to the patient that lasts longest, or None."""
    if user is None or not user.is_authenticated:
        return None
    pk = patient if isinstance(patient, int) else patient.pk
    return (
        EmergencyAccess.objects.filter(user=user, patient_id=pk, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
