"""The tumour board: meetings with their agenda of saved cases, and the board's decisions.

A decision is never edited: a correction is a new decision that `amends` the one before it, with a reason, so
the original stays readable. A decision freezes the regimen code and name as the board chose them, and how it
compares with the saved recommendation (`concordance`, computed by `board.concordance` from the frozen result).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from patients.models import CaseReview, _choice


class DecisionKind(models.TextChoices):
    REGIMEN = "regimen", "A regimen from the catalog"
    OTHER_REGIMEN = "other_regimen", "Another regimen (not in the catalog)"
    CLINICAL_TRIAL = "clinical_trial", "Clinical trial"
    TRANSPLANT_WORKUP = "transplant_workup", "Transplant work-up"
    CAR_T_REFERRAL = "car_t_referral", "CAR-T referral"
    OBSERVATION = "observation", "Observation"
    MORE_TESTS = "more_tests", "More tests first"
    PALLIATIVE_CARE = "palliative_care", "Palliative care"


class Concordance(models.TextChoices):
    FIRST_CHOICE = "first_choice", "First choice"
    OTHER_OPTION = "other_option", "Another offered option"
    OFF_LIST = "off_list", "Off the recommendation"


class OffReason(models.TextChoices):
    TOXICITY_COMORBIDITY = "toxicity_comorbidity", "Toxicity or comorbidity"
    PRIOR_TREATMENT = "prior_treatment", "Prior treatment"
    PATIENT_PREFERENCE = "patient_preference", "Patient preference"
    CLINICAL_TRIAL = "clinical_trial", "Clinical trial"
    ACCESS_REIMBURSEMENT = "access_reimbursement", "Access or reimbursement"
    MULTIDISCIPLINARY = "multidisciplinary", "Multidisciplinary rationale"
    OTHER = "other", "Other"


class BoardMeeting(models.Model):
    """One sitting of the tumour board: when and where, who chairs and attends, and its ordered agenda."""

    title = models.CharField("Title", max_length=200)
    starts_at = models.DateTimeField("Date and time")
    location = models.CharField("Place or video link", max_length=300, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Chair",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="board_meetings", verbose_name="Attendees"
    )
    guests = models.TextField("Guests (one per line)", blank=True)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones", verbose_name="Cloned from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "board meeting"
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="board_meeting_title_set")]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("board:meeting", args=[self.pk])

    def guest_list(self) -> list[str]:
        return [line.strip() for line in self.guests.splitlines() if line.strip()]


class AgendaItem(models.Model):
    """A saved case on a meeting's agenda, in order. Removing a case deletes the item (its history stays)."""

    meeting = models.ForeignKey(BoardMeeting, on_delete=models.CASCADE, related_name="items")
    case_review = models.ForeignKey(CaseReview, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveIntegerField("Position")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "agenda item"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case_review"], name="agenda_item_case_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: case {self.case_review_id} at {self.position}"


class BoardDecision(models.Model):
    """What the board decided for a saved case. Locked once recorded; `amends` chains corrections."""

    case_review = models.ForeignKey(CaseReview, on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(
        BoardMeeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions", verbose_name="Meeting"
    )
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendment", verbose_name="Amends"
    )
    amendment_reason = models.CharField("Reason for the amendment", max_length=500, blank=True)
    kind = models.CharField("Decision", max_length=20, choices=DecisionKind.choices)
    regimen_code = models.CharField("Regimen code", max_length=60, blank=True)
    regimen_name = models.CharField("Regimen", max_length=200, blank=True)
    # The regimen when it is not in the catalog, or the trial's name.
    detail = models.CharField("Regimen or trial named", max_length=300, blank=True)
    concordance = models.CharField("Follows the recommendation", max_length=14, choices=Concordance.choices)
    concordance_basis = models.CharField("Why", max_length=500)
    off_reason = models.CharField(
        "Reason for going off the recommendation", max_length=24, choices=OffReason.choices, blank=True
    )
    off_reason_text = models.TextField("Off-recommendation reason in words", blank=True)
    rationale = models.TextField("Rationale", blank=True)
    attendees_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="Attendees present"
    )
    guests_present = models.TextField("Guests present (one per line)", blank=True)
    decided_at = models.DateTimeField("Decided at")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="Decided by"
    )

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = "board decision"
        constraints = [
            _choice("board_decision", "kind", DecisionKind, blank=False),
            _choice("board_decision", "concordance", Concordance, blank=False),
            _choice("board_decision", "off_reason", OffReason, blank=True),
            # One original decision per saved case; every later one amends the decision before it.
            models.UniqueConstraint(
                fields=["case_review"], condition=Q(amends__isnull=True), name="board_decision_one_original_per_case"
            ),
            models.CheckConstraint(
                condition=Q(amends__isnull=True, amendment_reason="")
                | (Q(amends__isnull=False) & ~Q(amendment_reason="")),
                name="board_decision_amendment_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.REGIMEN) | ~Q(regimen_code=""), name="board_decision_regimen_named"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[DecisionKind.OTHER_REGIMEN, DecisionKind.CLINICAL_TRIAL]) | ~Q(detail=""),
                name="board_decision_other_named",
            ),
            # Off the recommendation needs a reason code and words; on it, no off-recommendation reason.
            models.CheckConstraint(
                condition=(Q(concordance=Concordance.OFF_LIST) & ~Q(off_reason="") & ~Q(off_reason_text=""))
                | (~Q(concordance=Concordance.OFF_LIST) & Q(off_reason="")),
                name="board_decision_off_list_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk} on case {self.case_review_id}: {self.choice_in_words()}"

    def choice_in_words(self) -> str:
        if self.kind == DecisionKind.REGIMEN:
            return self.regimen_name or self.regimen_code
        if self.kind == DecisionKind.OTHER_REGIMEN:
            return f"{self.detail} (not in the catalog)"
        if self.kind == DecisionKind.CLINICAL_TRIAL:
            return f"Clinical trial: {self.detail}"
        return self.get_kind_display()
