"""Care teams: who may see which patient.

A clinical team holds patients and members (clinicians); it may refer its cases to a tumour-board team, whose
members see the patients of the cases submitted to the board. Access to any other patient is an emergency access
("break the glass"): granted for a limited time, with a reason, and logged. The rule itself is in
`careteams.access`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class TeamKind(models.TextChoices):
    CLINICAL = "clinical", "Clinical team"
    TUMOUR_BOARD = "tumour_board", "Tumour board"


class CareTeam(models.Model):
    name = models.CharField("Name", max_length=200, unique=True)
    kind = models.CharField("Kind", max_length=16, choices=TeamKind.choices, default=TeamKind.CLINICAL)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="care_teams", verbose_name="Members"
    )
    # Only clinical teams hold patients (a tumour board sees the cases its clinical teams submit to it).
    patients = models.ManyToManyField(
        "patients.Patient", blank=True, related_name="care_teams", verbose_name="Patients"
    )
    refers_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referring_teams",
        limit_choices_to={"kind": TeamKind.TUMOUR_BOARD},
        verbose_name="Submits its cases to (tumour board)",
    )
    history = HistoricalRecords(m2m_fields=[members, patients])

    class Meta:
        ordering = ["name"]
        verbose_name = "care team"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="care_team_name_set"),
            models.CheckConstraint(condition=Q(kind__in=TeamKind.values), name="care_team_kind_valid"),
            # A tumour board refers its cases to no one.
            models.CheckConstraint(
                condition=Q(kind=TeamKind.CLINICAL) | Q(refers_to__isnull=True), name="care_team_board_refers_nowhere"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == TeamKind.TUMOUR_BOARD and self.refers_to_id is not None:
            raise ValidationError({"refers_to": "A tumour board submits its cases to no other board."})
        if self.refers_to_id is not None and self.refers_to_id == self.pk:
            raise ValidationError({"refers_to": "A team cannot submit its cases to itself."})
        if self.refers_to is not None and self.refers_to.kind != TeamKind.TUMOUR_BOARD:
            raise ValidationError({"refers_to": "Cases are submitted to a tumour board."})


class EmergencyAccess(models.Model):
    """A user's access to a patient outside their care teams ("break the glass"), with the reason they gave,
    until `expires_at`. Never changed: each access is a new row (and an access-log row)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses", verbose_name="User"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="emergency_accesses", verbose_name="Patient"
    )
    reason = models.TextField("Reason")
    granted_at = models.DateTimeField("Granted at", default=timezone.now)
    expires_at = models.DateTimeField("Until")

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "emergency access"
        verbose_name_plural = "emergency accesses"
        indexes = [models.Index(fields=["user", "patient", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_access_reason_set"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("granted_at")), name="emergency_access_expires_later"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.patient} until {timezone.localtime(self.expires_at):%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
