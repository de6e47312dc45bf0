"""Patient records: the patient, every prior line of therapy, each restaging at relapse, and the saved cases.

Field names follow the case exchange format (`myeloma-cds-case/1`, see case-format.md) so that
`patients.services.case_from_records` maps records to a case one to one. Units are part of every name and
label. `None` always means "not known" (or "not tested"), never "normal" or "absent".

The database refuses impossible records: CheckConstraints cover value ranges, date order and choice values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients import units
from regimens.engine.ranges import EARLIEST_DATE, POSITIVE, RANGES, RECORDED_HEART_FAILURE, WHOLE, Range

# --- choices -----------------------------------------------------------------------------------------------


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class HeavyChain(models.TextChoices):
    IGG = "IgG", "IgG"
    IGA = "IgA", "IgA"
    IGD = "IgD", "IgD"
    IGE = "IgE", "IgE"
    IGM = "IgM", "IgM"
    LIGHT_CHAIN_ONLY = "light_chain_only", "Light chain only"
    NON_SECRETORY = "non_secretory", "Non-secretory"


class LightChain(models.TextChoices):
    KAPPA = "kappa", "Kappa"
    LAMBDA = "lambda", "Lambda"


class Del1p32(models.TextChoices):
    NONE = "none", "Not deleted"
    MONOALLELIC = "monoallelic", "Monoallelic deletion"
    BIALLELIC = "biallelic", "Biallelic deletion"


class TransplantType(models.TextChoices):
    AUTOLOGOUS = "autologous", "Autologous"
    ALLOGENEIC = "allogeneic", "Allogeneic"


class Response(models.TextChoices):
    SCR = "sCR", "sCR (stringent complete response)"
    CR = "CR", "CR (complete response)"
    VGPR = "VGPR", "VGPR (very good partial response)"
    PR = "PR", "PR (partial response)"
    MR = "MR", "MR (minimal response)"
    SD = "SD", "SD (stable disease)"
    PD = "PD", "PD (progressive disease)"
    UNKNOWN = "unknown", "Unknown"


class StopReason(models.TextChoices):
    PROGRESSION = "progression", "Progression"
    TOXICITY = "toxicity", "Toxicity"
    COMPLETED = "completed", "Completed as planned"
    PATIENT_CHOICE = "patient_choice", "Patient choice"
    OTHER = "other", "Other"
    ONGOING = "ongoing", "Ongoing"


class Override(models.TextChoices):
    REFRACTORY = "refractory", "Refractory (override)"
    NOT_REFRACTORY = "not_refractory", "Not refractory (override)"


class Plasmacytoma(models.TextChoices):
    NONE = "none", "None"
    PARASKELETAL = "paraskeletal", "Paraskeletal"
    EXTRAMEDULLARY = "extramedullary", "Extramedullary"


class RestagingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETE = "complete", "Complete"


class ReviewStatus(models.TextChoices):
    """Where a saved case stands at the tumour board; only the board services move it (board/services.py)."""

    READY_FOR_BOARD = "ready_for_board", "Ready for board"
    SCHEDULED = "scheduled", "Scheduled"
    DISCUSSED = "discussed", "Discussed"
    DECIDED = "decided", "Decided"
    WITHDRAWN = "withdrawn", "Withdrawn"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed (PDF)"
    # A list or search of patient records (the query in the row's detail), or a recommendation asked through the
    # API for a case that is not stored (what was asked in the detail).
    LIST = "list", "Listed or searched"
    API = "api", "Sent through the API"
    # Access to a patient outside the user's care teams, with the reason given (in the detail).
    BREAK_GLASS = "glass", "Emergency access (break the glass)"


# --- field and constraint helpers ----------------------------------------------------------------------------


def _tri(label: str) -> models.BooleanField:
    """A yes / no / not known finding: null is "not known" (or "not tested"), never "no"."""
    return models.BooleanField(label, null=True, blank=True, default=None)


def _number(label: str, low: float = 0, high: float | None = None, help_text: str = "") -> models.FloatField:
    validators = [MinValueValidator(low)] + ([MaxValueValidator(high)] if high is not None else [])
    return models.FloatField(label, null=True, blank=True, validators=validators, help_text=help_text)


def _positive_number(label: str, high: float) -> models.FloatField:
    """A value that must be greater than 0 (it divides, e.g. creatinine in Cockcroft-Gault)."""
    return models.FloatField(label, null=True, blank=True, validators=[_greater_than_zero, MaxValueValidator(high)])


def _greater_than_zero(value: float) -> None:
    if value is not None and value <= 0:
        raise ValidationError("Must be greater than 0.", code="min_value")


def _whole(label: str, low: int, high: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(low), MaxValueValidator(high)]
    )


def _measured(label: str, path: str | Range, help_text: str = "") -> models.Field:
    """A number of the case format (`path` is its field path there) with the range ranges.RANGES gives it: the
    validators the forms read their bounds from. The constraints use the same table (_bounds)."""
    limits = RANGES[path] if isinstance(path, str) else path
    if limits.kind == WHOLE:
        return _whole(label, limits.low, limits.high)
    if limits.kind == POSITIVE:
        return _positive_number(label, limits.high)
    return _number(label, limits.low, limits.high, help_text)


def _bounds(path: str) -> tuple[int, int]:
    """(low, high) of a case-format field in ranges.RANGES; for a value that must be greater than 0, low is 0."""
    return RANGES[path].low, RANGES[path].high


def _range(prefix: str, field: str, low: float | None = None, high: float | None = None) -> models.CheckConstraint:
    """`field` is null or within [low, high]."""
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{field}__gte": low})
    if high is not None:
        condition &= Q(**{f"{field}__lte": high})
    return models.CheckConstraint(condition=Q(**{f"{field}__isnull": True}) | condition, name=f"{prefix}_{field}_range")


def _choice(prefix: str, field: str, choices: type[models.TextChoices], blank: bool = True) -> models.CheckConstraint:
    allowed = Q(**{f"{field}__in": choices.values})
    if blank:
        allowed |= Q(**{field: ""})
    return models.CheckConstraint(condition=allowed, name=f"{prefix}_{field}_valid")


def _dates_from_earliest(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    """Each date is null or on or after the case format's earliest date (regimens/engine/ranges.py). The latest
    date (tomorrow) moves with the calendar: the forms, the import and the engine check it, a constraint cannot."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": EARLIEST_DATE}),
            name=f"{prefix}_{field}_from_1900",
        )
        for field in fields
    ]


def _not_before(prefix: str, later: str, earlier: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=f"{prefix}_{later}_not_before_{earlier}",
    )


CYTOGENETIC_FIELDS = (
    "del_17p",
    "del_17p_clonal_fraction_pct",
    "tp53_mutation",
    "t_4_14",
    "t_14_16",
    "t_14_20",
    "t_11_14",
    "gain_1q",
    "amp_1q",
    "del_1p32",
)
CYTOGENETIC_FINDINGS = tuple(
    name for name in CYTOGENETIC_FIELDS if name not in ("del_17p_clonal_fraction_pct", "del_1p32")
)


class CheckedByDatabase(models.Model):
    """Records whose CheckConstraints the database enforces. Model validation skips them: checking each one
    from Python costs one query (forms and services check ranges, choices and date order in Python, and the
    database refuses anything that slips through)."""

    class Meta:
        abstract = True

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=False):
        super().full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=validate_constraints)


def _version() -> models.PositiveIntegerField:
    """The record's version: 1 when created, one more on each save through the services, which refuse a save
    based on an older version (patients/versions.py)."""
    return models.PositiveIntegerField("Version", default=1, editable=False)


def _submission_key() -> models.UUIDField:
    """The one-time key of the form that created the record: posting that form again opens this record."""
    return models.UUIDField("Submission key", null=True, blank=True, unique=True, editable=False)


def _version_from_1(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(version__gte=1), name=f"{prefix}_version_from_1")


# --- patient -------------------------------------------------------------------------------------------------


class Patient(CheckedByDatabase):
    mrn = models.CharField("MRN (medical record number)", max_length=40, unique=True)
    name = models.CharField("Full name", max_length=200)
    birth_date = models.DateField(
        "Birth date",
        null=True,
        blank=True,
        help_text="Leave blank only when unknown; the restaging then asks for the age.",
    )
    sex = models.CharField("Sex", max_length=6, choices=Sex.choices, blank=True)
    weight_kg = _measured("Weight (kg)", "patient.weight_kg")
    height_cm = _measured("Height (cm)", "patient.height_cm")
    diagnosis_date = models.DateField("Diagnosis date")
    heavy_chain = models.CharField("Heavy chain isotype", max_length=20, choices=HeavyChain.choices, blank=True)
    light_chain = models.CharField("Light chain", max_length=6, choices=LightChain.choices, blank=True)
    iss_stage = _measured("ISS stage at diagnosis (1-3)", "diagnosis.iss_stage")
    ldh_above_uln = _tri("LDH above the upper limit of normal at diagnosis")
    # FISH at diagnosis (each finding true / false / null = not tested)
    dx_del_17p = _tri("del(17p) at diagnosis")
    dx_del_17p_clonal_fraction_pct = _measured(
        "del(17p) clonal fraction at diagnosis (%)", "diagnosis.cytogenetics.del_17p_clonal_fraction_pct"
    )
    dx_tp53_mutation = _tri("TP53 mutation at diagnosis")
    dx_t_4_14 = _tri("t(4;14) at diagnosis")
    dx_t_14_16 = _tri("t(14;16) at diagnosis")
    dx_t_14_20 = _tri("t(14;20) at diagnosis")
    dx_t_11_14 = _tri("t(11;14) at diagnosis")
    dx_gain_1q = _tri("1q gain (3 copies) at diagnosis")
    dx_amp_1q = _tri("1q amplification (4 or more copies) at diagnosis")
    dx_del_1p32 = models.CharField("del(1p32) at diagnosis", max_length=12, choices=Del1p32.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = _version()
    submission_key = _submission_key()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "mrn"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(condition=~Q(mrn=""), name="patient_mrn_not_blank"),
            _version_from_1("patient"),
            *_dates_from_earliest("patient", "birth_date", "diagnosis_date"),
            _not_before("patient", "diagnosis_date", "birth_date"),
            _range("patient", "weight_kg", *_bounds("patient.weight_kg")),
            _range("patient", "height_cm", *_bounds("patient.height_cm")),
            _range("patient", "iss_stage", *_bounds("diagnosis.iss_stage")),
            _range(
                "patient",
                "dx_del_17p_clonal_fraction_pct",
                *_bounds("diagnosis.cytogenetics.del_17p_clonal_fraction_pct"),
            ),
            _choice("patient", "sex", Sex),
            _choice("patient", "heavy_chain", HeavyChain),
            _choice("patient", "light_chain", LightChain),
            _choice("patient", "dx_del_1p32", Del1p32),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.mrn})"

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.pk])

    def age_on(self, day) -> int | None:
        """Completed years on a day (None without a birth date)."""
        if not self.birth_date:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age_today(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def bmi(self) -> float | None:
        """Body-mass index in kg/m², to one decimal (None without weight and height)."""
        if not self.weight_kg or not self.height_cm:
            return None
        return round(self.weight_kg / (self.height_cm / 100) ** 2, 1)

    def diagnosis_cytogenetics(self) -> dict:
        return {name: getattr(self, f"dx_{name}") for name in CYTOGENETIC_FIELDS}


# --- lines of therapy ------------------------------------------------------------------------------------


class TherapyLine(CheckedByDatabase):
    """One prior line of therapy. Its drugs (main and maintenance) are LineDrug rows."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="lines")
    number = models.PositiveSmallIntegerField("Line number", validators=[MinValueValidator(1)])
    regimen = models.ForeignKey(
        "regimens.Regimen",
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Catalog regimen",
    )
    regimen_label = models.CharField(
        "Regimen label (when not in the catalog)", max_length=80, blank=True, help_text="e.g. VRd, trial drug"
    )
    start_date = models.DateField("Start date")
    end_date = models.DateField(
        "End date (last dose of the main drugs)", null=True, blank=True, help_text="Blank: still ongoing."
    )
    transplant_type = models.CharField("Transplant", max_length=12, choices=TransplantType.choices, blank=True)
    transplant_date = models.DateField("Transplant date", null=True, blank=True)
    maintenance_start_date = models.DateField("Maintenance start date", null=True, blank=True)
    maintenance_end_date = models.DateField(
        "Maintenance end date", null=True, blank=True, help_text="Blank: maintenance still ongoing (or none)."
    )
    best_response = models.CharField("Best response", max_length=8, choices=Response.choices, blank=True)
    progression_date = models.DateField(
        "Progression date", null=True, blank=True, help_text="Confirmed progression that ended this line."
    )
    stop_reason = models.CharField("Stop reason", max_length=16, choices=StopReason.choices, blank=True)
    override_reason = models.CharField(
        "Reason for the refractoriness override",
        max_length=300,
        blank=True,
        help_text="Required when a drug's refractoriness is overridden.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = _version()
    submission_key = _submission_key()
    history = HistoricalRecords()

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="line_number_once_per_patient"),
            models.CheckConstraint(condition=Q(number__gte=1), name="line_number_from_1"),
            _version_from_1("line"),
            *_dates_from_earliest(
                "line",
                "start_date",
                "end_date",
                "transplant_date",
                "maintenance_start_date",
                "maintenance_end_date",
                "progression_date",
            ),
            _not_before("line", "end_date", "start_date"),
            _not_before("line", "progression_date", "start_date"),
            _not_before("line", "transplant_date", "start_date"),
            _not_before("line", "maintenance_start_date", "start_date"),
            _not_before("line", "maintenance_end_date", "maintenance_start_date"),
            models.CheckConstraint(
                condition=(Q(transplant_type="") & Q(transplant_date__isnull=True))
                | (~Q(transplant_type="") & Q(transplant_date__isnull=False)),
                name="line_transplant_type_and_date_together",
            ),
            models.CheckConstraint(
                condition=Q(regimen__isnull=True) | Q(regimen_label=""), name="line_regimen_code_or_label"
            ),
            models.CheckConstraint(
                condition=Q(maintenance_end_date__isnull=True) | Q(maintenance_start_date__isnull=False),
                name="line_maintenance_end_needs_start",
            ),
            _choice("line", "transplant_type", TransplantType),
            _choice("line", "best_response", Response),
            _choice("line", "stop_reason", StopReason),
        ]

    def __str__(self) -> str:
        return f"Line {self.number}" + (f" ({self.regimen_name})" if self.regimen_name else "")

    @property
    def regimen_name(self) -> str:
        """The catalog code (no query: the foreign key holds the code) or the free label."""
        return self.regimen_id or self.regimen_label


class LineDrug(CheckedByDatabase):
    """A drug given on a line, in its main part or its maintenance. Own dates only when they differ from the
    line's (blank start = the line's start; blank end = the line's end, unless marked still ongoing)."""

    line = models.ForeignKey(TherapyLine, on_delete=models.CASCADE, related_name="drugs")
    drug = models.ForeignKey("regimens.Drug", on_delete=models.PROTECT, related_name="+")
    is_maintenance = models.BooleanField("Maintenance", default=False)
    position = models.PositiveSmallIntegerField(default=0)
    start_date = models.DateField("Own start date", null=True, blank=True)
    end_date = models.DateField("Own end date", null=True, blank=True)
    still_ongoing = models.BooleanField("Still ongoing", default=False)
    override = models.CharField(
        "Refractoriness override", max_length=16, choices=Override.choices, blank=True, help_text="Needs a reason."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "is_maintenance", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "drug", "is_maintenance"], name="line_drug_once_per_part"),
            *_dates_from_earliest("line_drug", "start_date", "end_date"),
            _not_before("line_drug", "end_date", "start_date"),
            models.CheckConstraint(
                condition=Q(still_ongoing=False) | Q(end_date__isnull=True), name="line_drug_ongoing_has_no_end"
            ),
            _choice("line_drug", "override", Override),
        ]

    def __str__(self) -> str:
        return f"{self.drug_id} on {self.line}"

    @property
    def has_own_dates(self) -> bool:
        return bool(self.start_date or self.end_date or self.still_ongoing)


# --- restaging ----------------------------------------------------------------------------------------------


# The ranges of the restaging numbers: the case format's (regimens/engine/ranges.py), by record field. The fields
# carry them as validators and the table's CheckConstraints below hold the same numbers (a test checks both).
# Divisors must be greater than 0 (their range's lower bound 0 is then exclusive).
RESTAGING_RANGE_OF = {
    "serum_m_protein_g_dl": RANGES["restaging.serum_m_protein_g_dl"],
    "serum_m_protein_nadir_g_dl": RANGES["restaging.serum_m_protein_nadir_g_dl"],
    "serum_m_protein_previous_g_dl": RANGES["restaging.serum_m_protein_previous_g_dl"],
    "urine_m_protein_mg_24h": RANGES["restaging.urine_m_protein_mg_24h"],
    "urine_m_protein_nadir_mg_24h": RANGES["restaging.urine_m_protein_nadir_mg_24h"],
    "urine_m_protein_previous_mg_24h": RANGES["restaging.urine_m_protein_previous_mg_24h"],
    "involved_flc_mg_l": RANGES["restaging.involved_flc_mg_l"],
    "uninvolved_flc_mg_l": RANGES["restaging.uninvolved_flc_mg_l"],
    "involved_flc_nadir_mg_l": RANGES["restaging.involved_flc_nadir_mg_l"],
    "involved_flc_previous_mg_l": RANGES["restaging.involved_flc_previous_mg_l"],
    "creatinine_mg_dl": RANGES["restaging.creatinine_mg_dl"],
    "creatinine_baseline_mg_dl": RANGES["restaging.creatinine_baseline_mg_dl"],
    "calcium_mg_dl": RANGES["restaging.calcium_mg_dl"],
    "albumin_g_dl": RANGES["restaging.albumin_g_dl"],
    "hemoglobin_g_dl": RANGES["restaging.hemoglobin_g_dl"],
    "hemoglobin_baseline_g_dl": RANGES["restaging.hemoglobin_baseline_g_dl"],
    "ldh_u_l": RANGES["restaging.ldh_u_l"],
    "ldh_uln_u_l": RANGES["restaging.ldh_uln_u_l"],
    "beta2_microglobulin_mg_l": RANGES["restaging.beta2_microglobulin_mg_l"],
    "igg_mg_dl": RANGES["restaging.igg_mg_dl"],
    "bone_marrow_plasma_cells_pct": RANGES["restaging.bone_marrow_plasma_cells_pct"],
    "del_17p_clonal_fraction_pct": RANGES["restaging.cytogenetics.del_17p_clonal_fraction_pct"],
    "circulating_plasma_cells_pct": RANGES["restaging.circulating_plasma_cells_pct"],
    "age_years": RANGES["patient.age_years"],
    "ecog": RANGES["restaging.ecog"],
    "charlson_comorbidity_index": RANGES["restaging.charlson_comorbidity_index"],
    "adl": RANGES["restaging.adl"],
    "iadl": RANGES["restaging.iadl"],
    "peripheral_neuropathy_grade": RANGES["restaging.peripheral_neuropathy_grade"],
    "heart_failure_nyha": RECORDED_HEART_FAILURE,  # 0: no heart failure (the case format has null for it)
}
RESTAGING_POSITIVE = tuple(field for field, limits in RESTAGING_RANGE_OF.items() if limits.kind == POSITIVE)
RESTAGING_RANGES = {field: (limits.low, limits.high) for field, limits in RESTAGING_RANGE_OF.items()}


# The engine's conclusions a clinician may read differently on the classification review, with the values the
# engine gives each of them (case-format.md, output `classification`). A different reading is recorded for the
# tumour board with its reason; it is never fed into the engine (the case format has no field for it).
CLASSIFICATION_READINGS = {
    "relapse_type": ("Relapse type", ("biochemical", "clinical", "not_met", "unknown")),
    "relapse_nature": ("Relapse nature", ("aggressive", "indolent", "unknown", "not_applicable")),
    "risk": ("Risk", ("high", "standard", "unknown")),
    "frailty": ("Frailty", ("fit", "intermediate", "frail", "non_frail", "unknown")),
}
OVERRIDE_REASON_MAX_LENGTH = 500


def validate_classification_overrides(value: Any) -> None:
    """{"relapse_nature": {"value": "aggressive", "reason": "..."}, ...}: known fields, the engine's values, a
    reason of at most 500 characters, nothing else."""
    if not isinstance(value, dict):
        raise ValidationError("The classification overrides must be an object.")
    for field, override in value.items():
        if field not in CLASSIFICATION_READINGS:
            raise ValidationError(f"{field!r} is not a classification a clinician can read differently.")
        if not isinstance(override, dict) or set(override) != {"value", "reason"}:
            raise ValidationError(f"The override of {field} needs exactly a value and a reason.")
        if override["value"] not in CLASSIFICATION_READINGS[field][1]:
            raise ValidationError(f"{override['value']!r} is not a value of {field}.")
        reason = override["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError(f"The override of {field} needs a reason.")
        if len(reason) > OVERRIDE_REASON_MAX_LENGTH:
            raise ValidationError(
                f"The reason for the override of {field} is longer than {OVERRIDE_REASON_MAX_LENGTH} characters."
            )


def validate_values_as_entered(value: Any) -> None:
    """{"hemoglobin_g_dl": {"value": 119, "unit": "g/L"}, ...}: lab fields, each with a number and a unit of
    its quantity (patients/units.py)."""
    if not isinstance(value, dict):
        raise ValidationError("The values as entered must be an object.")
    for field, entry in value.items():
        if not units.entry_is_valid(field, entry):
            raise ValidationError(f"{field}: {entry!r} is not a value with a unit of {field}.")


class Restaging(CheckedByDatabase):
    """The assessment at a relapse: every restaging field of the case format, plus the patient's preferences."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="restagings")
    status = models.CharField(max_length=10, choices=RestagingStatus.choices, default=RestagingStatus.DRAFT)
    date = models.DateField("Restaging date")
    age_years = _measured("Age at restaging (years)", RESTAGING_RANGE_OF["age_years"])
    # Markers
    serum_m_protein_g_dl = _measured("Serum M-protein (g/dL)", RESTAGING_RANGE_OF["serum_m_protein_g_dl"])
    serum_m_protein_nadir_g_dl = _measured(
        "Serum M-protein, nadir (g/dL)",
        RESTAGING_RANGE_OF["serum_m_protein_nadir_g_dl"],
        "Lowest confirmed value on the last line.",
    )
    serum_m_protein_previous_g_dl = _measured(
        "Serum M-protein, previous (g/dL)",
        RESTAGING_RANGE_OF["serum_m_protein_previous_g_dl"],
        "At the previous assessment.",
    )
    previous_assessment_date = models.DateField("Previous assessment date", null=True, blank=True)
    urine_m_protein_mg_24h = _measured("Urine M-protein (mg/24 h)", RESTAGING_RANGE_OF["urine_m_protein_mg_24h"])
    urine_m_protein_nadir_mg_24h = _measured(
        "Urine M-protein, nadir (mg/24 h)",
        RESTAGING_RANGE_OF["urine_m_protein_nadir_mg_24h"],
        "Lowest confirmed value on the last line.",
    )
    urine_m_protein_previous_mg_24h = _measured(
        "Urine M-protein, previous (mg/24 h)",
        RESTAGING_RANGE_OF["urine_m_protein_previous_mg_24h"],
        "At the previous assessment.",
    )
    involved_flc_mg_l = _measured(
        "Involved FLC (mg/L)", RESTAGING_RANGE_OF["involved_flc_mg_l"], "Involved serum free light chain."
    )
    uninvolved_flc_mg_l = _measured("Uninvolved FLC (mg/L)", RESTAGING_RANGE_OF["uninvolved_flc_mg_l"])
    involved_flc_nadir_mg_l = _measured(
        "Involved FLC, nadir (mg/L)",
        RESTAGING_RANGE_OF["involved_flc_nadir_mg_l"],
        "Lowest confirmed value on the last line.",
    )
    involved_flc_previous_mg_l = _measured(
        "Involved FLC, previous (mg/L)", RESTAGING_RANGE_OF["involved_flc_previous_mg_l"], "At the previous assessment."
    )
    # Laboratory values
    creatinine_mg_dl = _measured("Creatinine (mg/dL)", RESTAGING_RANGE_OF["creatinine_mg_dl"])
    creatinine_baseline_mg_dl = _measured(
        "Baseline creatinine (mg/dL)", RESTAGING_RANGE_OF["creatinine_baseline_mg_dl"]
    )
    calcium_mg_dl = _measured("Calcium (mg/dL)", RESTAGING_RANGE_OF["calcium_mg_dl"])
    albumin_g_dl = _measured("Albumin (g/dL)", RESTAGING_RANGE_OF["albumin_g_dl"])
    hemoglobin_g_dl = _measured("Hemoglobin (g/dL)", RESTAGING_RANGE_OF["hemoglobin_g_dl"])
    hemoglobin_baseline_g_dl = _measured("Baseline hemoglobin (g/dL)", RESTAGING_RANGE_OF["hemoglobin_baseline_g_dl"])
    ldh_u_l = _measured("LDH (U/L)", RESTAGING_RANGE_OF["ldh_u_l"])
    ldh_uln_u_l = _measured("LDH upper limit of normal (U/L)", RESTAGING_RANGE_OF["ldh_uln_u_l"])
    beta2_microglobulin_mg_l = _measured("Beta-2 microglobulin (mg/L)", RESTAGING_RANGE_OF["beta2_microglobulin_mg_l"])
    igg_mg_dl = _measured("IgG (mg/dL)", RESTAGING_RANGE_OF["igg_mg_dl"])
    # Marrow and FISH
    bone_marrow_plasma_cells_pct = _measured(
        "Bone marrow plasma cells (%)", RESTAGING_RANGE_OF["bone_marrow_plasma_cells_pct"]
    )
    del_17p = _tri("del(17p)")
    del_17p_clonal_fraction_pct = _measured(
        "del(17p) clonal fraction (%)", RESTAGING_RANGE_OF["del_17p_clonal_fraction_pct"]
    )
    tp53_mutation = _tri("TP53 mutation")
    t_4_14 = _tri("t(4;14)")
    t_14_16 = _tri("t(14;16)")
    t_14_20 = _tri("t(14;20)")
    t_11_14 = _tri("t(11;14)")
    gain_1q = _tri("1q gain (3 copies)")
    amp_1q = _tri("1q amplification (4 or more copies)")
    del_1p32 = models.CharField("del(1p32)", max_length=12, choices=Del1p32.choices, blank=True)
    # Imaging, plasmacytoma, circulating plasma cells
    circulating_plasma_cells_pct = _measured(
        "Circulating plasma cells (% of white cells)", RESTAGING_RANGE_OF["circulating_plasma_cells_pct"]
    )
    new_bone_lesions = _tri("New bone lesions")
    existing_lesion_growth = _tri("Growth of a known lesion (≥ 50% and ≥ 1 cm)")
    crab_attributable_to_myeloma = _tri("Calcium, hemoglobin or creatinine changes due to myeloma")
    plasmacytoma = models.CharField("Plasmacytoma", max_length=16, choices=Plasmacytoma.choices, blank=True)
    hyperviscosity = _tri("Hyperviscosity")
    # Fitness
    ecog = _measured("ECOG performance status (0-4)", RESTAGING_RANGE_OF["ecog"])
    charlson_comorbidity_index = _measured(
        "Charlson comorbidity index, without age points (0-37)", RESTAGING_RANGE_OF["charlson_comorbidity_index"]
    )
    adl = _measured("Katz ADL score (0-6)", RESTAGING_RANGE_OF["adl"])
    iadl = _measured("Lawton IADL score (0-8)", RESTAGING_RANGE_OF["iadl"])
    # Neuropathy, renal, cardiac, VTE
    peripheral_neuropathy_grade = _measured(
        "Peripheral neuropathy, CTCAE grade (0-4)", RESTAGING_RANGE_OF["peripheral_neuropathy_grade"]
    )
    neuropathic_pain = _tri("Neuropathic pain")
    on_dialysis = _tri("On dialysis")
    heart_failure_nyha = _measured(
        "Heart failure", RESTAGING_RANGE_OF["heart_failure_nyha"]
    )  # 0: none; 1-4: NYHA class; null: not known
    uncontrolled_hypertension = _tri("Uncontrolled hypertension")
    prior_vte = _tri("Prior venous thromboembolism")
    bmi_30_or_more = _tri("BMI 30 kg/m² or more")
    central_line = _tri("Central venous line")
    on_anticoagulant = _tri("On an anticoagulant")
    corneal_disease = _tri("Corneal disease")
    # Preferences
    all_oral = _tri("Prefers an all-oral regimen")
    declines_transplant = _tri("Declines a transplant")
    car_t_available = _tri("CAR-T therapy available and acceptable")
    # The clinician's different readings of the engine's conclusions (recorded only; see CLASSIFICATION_READINGS).
    classification_overrides = models.JSONField(
        "Clinician's readings of the classification",
        default=dict,
        blank=True,
        validators=[validate_classification_overrides],
    )
    # Lab values in the unit the clinician entered them, beside the engine-unit fields above (patients/units.py).
    values_as_entered = models.JSONField(
        "Lab values as entered (value and unit)", default=dict, blank=True, validators=[validate_values_as_entered]
    )
    # A correction is a new version of a completed restaging; the corrected one is kept, never changed.
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name="Corrects the restaging",
    )
    correction_reason = models.CharField("Reason for the correction", max_length=500, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = _version()
    history = HistoricalRecords()

    class Meta:
        ordering = ["patient", "date", "id"]
        get_latest_by = ["date", "id"]
        constraints = [
            _choice("restaging", "status", RestagingStatus, blank=False),
            _version_from_1("restaging"),
            *_dates_from_earliest("restaging", "date", "previous_assessment_date"),
            # At most one new restaging under way per patient ("start restaging" opens it); a correction is a
            # draft too, one per corrected restaging (`supersedes` is one-to-one).
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="draft", supersedes__isnull=True),
                name="restaging_one_draft_per_patient",
            ),
            _choice("restaging", "plasmacytoma", Plasmacytoma),
            _choice("restaging", "del_1p32", Del1p32),
            _not_before("restaging", "date", "previous_assessment_date"),
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(completed_at__isnull=True))
                | (Q(status="complete") & Q(completed_at__isnull=False)),
                name="restaging_completed_when_complete",
            ),
            models.CheckConstraint(
                condition=(Q(supersedes__isnull=True) & Q(correction_reason=""))
                | (Q(supersedes__isnull=False) & ~Q(correction_reason="")),
                name="restaging_correction_has_reason",
            ),
            *(_range("restaging", field, low, high) for field, (low, high) in RESTAGING_RANGES.items()),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0}),
                    name=f"restaging_{field}_positive",
                )
                for field in RESTAGING_POSITIVE
            ),
        ]

    def __str__(self) -> str:
        return f"Restaging {self.date} ({self.get_status_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.status == RestagingStatus.DRAFT

    @property
    def age(self) -> int | None:
        """Age at this restaging: from the birth date when recorded, else as entered."""
        return self.patient.age_on(self.date) if self.patient.birth_date else self.age_years

    @property
    def is_correction(self) -> bool:
        return self.supersedes_id is not None

    @property
    def correction(self) -> Restaging | None:
        """The newer version correcting this restaging (a draft while under way), or None."""
        try:
            return self.superseded_by
        except Restaging.DoesNotExist:
            return None

    @property
    def is_superseded(self) -> bool:
        """Replaced by a completed correction (kept, never changed: saved cases still point at it)."""
        correction = self.correction
        return correction is not None and correction.status == RestagingStatus.COMPLETE

    def cytogenetics(self) -> dict:
        return {name: getattr(self, name) for name in CYTOGENETIC_FIELDS}


# --- saved cases ------------------------------------------------------------------------------------------


class CaseReview(models.Model):
    """A case saved for the tumour board: the case and the recommendation exactly as the clinician saw them.

    Immutable once saved: services only create these, the admin is read-only, pages render `result_json`
    and never recompute it. Only the board workflow moves `status` on.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="case_reviews")
    restaging = models.ForeignKey(Restaging, on_delete=models.PROTECT, related_name="case_reviews")
    case_json = models.JSONField()
    result_json = models.JSONField()
    # The restaging's classification overrides as they were when the case was saved (never fed to the engine).
    classification_overrides = models.JSONField(
        "Clinician's readings of the classification",
        default=dict,
        blank=True,
        validators=[validate_classification_overrides],
    )
    # The lab values as the clinician entered them (value and unit), frozen beside case_json, which stays in
    # the engine's units (myeloma-cds-case/1).
    values_as_entered = models.JSONField(
        "Lab values as entered (value and unit)", default=dict, blank=True, validators=[validate_values_as_entered]
    )
    engine_version = models.CharField(max_length=20)
    catalog_release = models.CharField("Catalog release", max_length=32)
    label_jurisdiction = models.CharField(max_length=2)
    # The catalog pathway (order of options) the recommendation ran on; blank for cases saved before pathways.
    pathway = models.CharField("Pathway", max_length=40, blank=True, default="")
    # Not frozen: the board workflow moves the status on (and back, when a case leaves a meeting's agenda).
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.READY_FOR_BOARD)
    withdrawal_reason = models.CharField("Reason for withdrawing", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "case review"
        constraints = [
            _choice("case_review", "status", ReviewStatus, blank=False),
            models.CheckConstraint(condition=~Q(engine_version=""), name="case_review_engine_version_set"),
            models.CheckConstraint(condition=~Q(catalog_release=""), name="case_review_catalog_release_set"),
            # A second "save for tumour board" of the same restaging, release and pathway opens the first one.
            models.UniqueConstraint(
                fields=["restaging", "catalog_release", "pathway"], name="case_review_one_per_restaging_release"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.WITHDRAWN) | ~Q(withdrawal_reason=""),
                name="case_review_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Case review {self.pk} of {self.patient}"

    def get_absolute_url(self) -> str:
        return reverse("patients:review", args=[self.pk])


APPEND_ONLY = "The access log is append-only: its rows are never changed or deleted."
APPEND_THROUGH_CHAIN = "Access log rows are written through patients.accesslog, which chains them."


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete an access log row, or to save one around the hash chain."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    """Creating rows through the ORM chains them (`patients.accesslog.append`), whichever path writes them."""

    def create(self, **kwargs: Any) -> AccessLog:
        from patients import accesslog  # it imports this module

        return accesslog.append([self.model(**kwargs)])[0]

    def bulk_create(self, objs: Iterable[AccessLog], *args: Any, **kwargs: Any) -> list[AccessLog]:
        from patients import accesslog

        if args or any(kwargs.values()):  # conflict handling would skip or rewrite rows of the chain
            raise TypeError("The access log takes plain appends only.")
        return accesslog.append(list(objs))


class AccessLog(models.Model):
    """Who viewed, created, changed, exported or printed which patient record, saved case or board meeting, from
    where and when. A row names a patient, a board meeting, or both (a meeting's agenda logs one row per case on
    it). Append-only and hash-chained (`patients.accesslog`): a row is never changed or deleted.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="access_logs")
    case_review = models.ForeignKey(
        CaseReview, null=True, blank=True, on_delete=models.PROTECT, related_name="access_logs"
    )
    meeting = models.ForeignKey(
        "board.BoardMeeting", null=True, blank=True, on_delete=models.PROTECT, related_name="access_logs"
    )
    action = models.CharField(max_length=8, choices=AccessAction.choices)
    # Set before the row is hashed (auto_now_add would set it after).
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # Where the request came from; empty for rows written by commands and for rows older than the column.
    client_address = models.GenericIPAddressField("Client address", null=True, blank=True)
    # What was read when the row names no single record or needs more words: the search query, the form or
    # wizard step, the API call, the reason given for emergency access.
    detail = models.CharField("Detail", max_length=300, blank=True, default="", db_default="")
    previous_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"])]
        constraints = [
            _choice("access_log", "action", AccessAction, blank=False),
            models.CheckConstraint(
                condition=Q(patient__isnull=False) | Q(meeting__isnull=False) | ~Q(detail=""),
                name="access_log_names_what",
            ),
        ]

    def __str__(self) -> str:
        what = self.patient if self.patient_id else self.meeting if self.meeting_id else self.detail
        return f"{self.user} {self.action} {what} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnlyError(APPEND_THROUGH_CHAIN if self._state.adding else APPEND_ONLY)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY)
