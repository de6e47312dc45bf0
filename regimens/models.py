"""The regimen catalog: what the engine reasons over and what clinicians read as evidence.

Field meanings follow docs/catalog-format.md, which is also the shape of `load_catalog` / `export_catalog`.
Every change goes through `regimens.services.release_create`, which stamps a new CatalogRelease.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Setting(models.TextChoices):
    FIRST_RELAPSE_LEN_SENSITIVE = "first_relapse_len_sensitive", "First relapse, lenalidomide-sensitive"
    FIRST_RELAPSE_LEN_REFRACTORY = "first_relapse_len_refractory", "First relapse, lenalidomide-refractory"
    SECOND_PLUS_RELAPSE = "second_plus_relapse", "Second or later relapse"
    TRIPLE_CLASS_EXPOSED = "triple_class_exposed", "Triple-class exposed"
    PCL_OR_EMD = "pcl_or_emd", "Plasma cell leukemia or extramedullary disease"


class Fitness(models.TextChoices):
    ANY = "any", "Any fitness"
    FIT = "fit", "Fit"
    FRAIL = "frail", "Frail"


class Tier(models.TextChoices):
    PREFERRED = "preferred", "Preferred"
    ALTERNATIVE = "alternative", "Alternative"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    ACTIVE = "active", "Active drug"
    CORTICOSTEROID = "corticosteroid", "Corticosteroid"
    SUPPORTIVE = "supportive", "Supportive (e.g. lymphodepletion)"


class Verification(models.TextChoices):
    VERIFIED = "verified", "Verified against the source"
    FROM_MEMORY = "from_memory", "Not verified (from memory)"


class Jurisdiction(models.TextChoices):
    US = "US", "United States (FDA)"
    EU = "EU", "European Union (EMA)"


class LabelStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    NOT_APPROVED = "not_approved", "Never approved"
    WITHDRAWN = "withdrawn", "Withdrawn"
    INVESTIGATIONAL = "investigational", "Investigational (approved in neither jurisdiction; trial option only)"


class RegimenKind(models.TextChoices):
    REGIMEN = "regimen", "Drug regimen"
    PROCEDURE = "procedure", "Procedure (never offered as an option)"
    FIRST_LINE = "first_line", "First-line regimen (recorded as a prior line, never offered at relapse)"


class CytogeneticRequirement(models.TextChoices):
    T_11_14 = "t_11_14", "t(11;14)"


class TextKind(models.TextChoices):
    TOXICITY_NOTE = "toxicity_note", "Toxicity note"
    PITFALL = "pitfall", "Pitfall"
    WARNING = "warning", "Warning"
    DURATION_GUIDANCE = "duration_guidance", "Treatment-duration guidance"
    CAUTION = "caution", "Option caution"


def _choice_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class ReleaseOrigin(models.TextChoices):
    LOAD = "load", "Catalog file loaded"
    ADMIN = "admin", "Edited in the admin"


class CatalogRelease(models.Model):
    """One state of the catalog. The label is stamped on every recommendation; the snapshot is the whole
    catalog document at that moment, so a release can always be shown, compared or re-run exactly."""

    label = models.CharField(max_length=32, unique=True)
    origin = models.CharField(
        max_length=8,
        choices=ReleaseOrigin.choices,
        default=ReleaseOrigin.ADMIN,
        help_text="A file load, or an edit in the admin (which a later file load must not silently overwrite).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("reason and summary", max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)
    snapshot = models.JSONField()
    pathway = models.CharField("active pathway", max_length=40, blank=True, help_text="The pathway in force.")

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return self.label


class DrugClass(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="Stable code, e.g. anti_CD38.")
    name = models.CharField(max_length=120)
    cross_resistant = models.BooleanField(
        default=False, help_text="Refractoriness to one member counts as refractoriness to every member."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "drug classes"

    def __str__(self) -> str:
        return self.code


class Drug(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text="Lower-case generic name: the stable key.")
    drug_class = models.ForeignKey(DrugClass, on_delete=models.PROTECT, related_name="drugs")
    route = models.CharField(max_length=120, blank=True)
    oral = models.BooleanField(default=False)
    supportive_only = models.BooleanField(default=False, help_text="Never an active drug (e.g. fludarabine).")
    lymphodepletion = models.BooleanField(
        default=False, help_text="Supportive when the same line contains a CAR-T product."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(name=models.functions.Lower("name")), name="drug_name_lower_case"),
        ]

    def __str__(self) -> str:
        return self.name


class Regimen(models.Model):
    code = models.CharField(max_length=30, unique=True, help_text="Stable code, e.g. DRd. Never reuse one.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=RegimenKind.choices, default=RegimenKind.REGIMEN)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive regimens are kept but never evaluated.")
    all_oral = models.BooleanField(default=False)
    intensive = models.BooleanField(default=False, help_text="Not offered to frail patients.")
    exempt_from_two_drug_rule = models.BooleanField(
        default=False, help_text="Given as such: exempt from 'at least two active drugs'."
    )
    requires_cytogenetic = models.CharField(
        max_length=20, choices=CytogeneticRequirement.choices, blank=True, default=""
    )
    off_label_by_design = models.BooleanField(default=False, help_text="Used without a label: no label gate.")
    carfilzomib_twice_weekly = models.BooleanField(
        default=False, help_text="Carfilzomib given twice weekly: frail patients get a caution (once weekly preferred)."
    )
    multi_agent_chemotherapy = models.BooleanField(
        default=False, help_text="Multi-agent chemotherapy: with an IMiD, LMWH or a DOAC rather than aspirin."
    )
    high_dose_dexamethasone = models.BooleanField(
        default=False, help_text="High-dose dexamethasone: with an IMiD, LMWH or a DOAC rather than aspirin."
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [_choice_check("kind", RegimenKind, "regimen_kind_valid")]
        permissions = [("run_recommendation", "Can run the recommendation engine (browser and API)")]

    def __str__(self) -> str:
        return self.code


class RegimenComponent(models.Model):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="components")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="components")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ACTIVE)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["regimen", "drug"], name="component_drug_once_per_regimen"),
            _choice_check("role", Role, "component_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.drug} ({self.role})"


class RegimenLabel(models.Model):
    """Label prerequisites of one jurisdiction; no row for a jurisdiction means no label gate there."""

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="labels")
    jurisdiction = models.CharField(max_length=2, choices=Jurisdiction.choices)
    status = models.CharField(max_length=16, choices=LabelStatus.choices, default=LabelStatus.APPROVED)
    date = models.CharField(max_length=10, blank=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    min_prior_lines = models.PositiveSmallIntegerField(null=True, blank=True)
    max_prior_lines = models.PositiveSmallIntegerField(null=True, blank=True)
    classes_exposed = models.ManyToManyField(DrugClass, blank=True, related_name="+")
    drugs_exposed = models.ManyToManyField(Drug, blank=True, related_name="+")
    drugs_refractory = models.ManyToManyField(Drug, blank=True, related_name="+")
    classes_refractory = models.ManyToManyField(DrugClass, blank=True, related_name="+")
    progression_on_last_line = models.BooleanField(default=False)
    text = models.CharField(max_length=300, blank=True, help_text="The label in plain words.")
    history = HistoricalRecords(m2m_fields=[classes_exposed, drugs_exposed, drugs_refractory, classes_refractory])

    class Meta:
        ordering = ["regimen", "jurisdiction"]
        verbose_name = "label prerequisite"
        constraints = [
            models.UniqueConstraint(fields=["regimen", "jurisdiction"], name="one_label_per_jurisdiction"),
            _choice_check("jurisdiction", Jurisdiction, "label_jurisdiction_valid"),
            _choice_check("status", LabelStatus, "label_status_valid"),
            models.CheckConstraint(
                condition=Q(min_prior_lines__isnull=True)
                | Q(max_prior_lines__isnull=True)
                | Q(min_prior_lines__lte=F("max_prior_lines")),
                name="label_prior_lines_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regimen} {self.jurisdiction} label"


def validate_conditions(value) -> None:
    """A list of patient-condition codes from the engine's fixed vocabulary (e.g. anti_cd38_refractory)."""
    from regimens.engine import conditions

    if not isinstance(value, list):
        raise ValidationError("Give a list of condition codes.")
    for code in value:
        try:
            conditions.parse(str(code))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def validate_condition(value: str) -> None:
    if value:
        validate_conditions([value])


class Pathway(models.Model):
    """A named, dated, sourced order of options per setting (algorithm 9.1). Exactly one is active: the
    institution's choice; the others are reference orders shown beside each option."""

    code = models.SlugField(max_length=40, unique=True, help_text="Stable code, e.g. guidelines-2026.")
    title = models.CharField(max_length=120)
    source = models.TextField(blank=True, help_text="The guidelines or article the order follows.")
    date = models.CharField(max_length=10, blank=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=False, help_text="The order recommendations follow. Only one is active.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-active", "code"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_pathway"),
        ]

    def __str__(self) -> str:
        return self.code


class SettingPreference(models.Model):
    """One entry of a pathway: a regimen's place in a setting's list (for a fitness group)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="entries")
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="preferences")
    setting = models.CharField(max_length=40, choices=Setting.choices)
    fitness = models.CharField(max_length=8, choices=Fitness.choices, default=Fitness.ANY)
    rank = models.PositiveSmallIntegerField(help_text="Order within the setting and fitness; 1 comes first.")
    tier = models.CharField(max_length=12, choices=Tier.choices)
    note = models.CharField(max_length=500, blank=True, help_text="Why the entry sits here; shown beside the option.")
    note_applies_if = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text='Show the note only to patients meeting every condition, e.g. ["anti_cd38_refractory"].',
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "setting", "fitness", "rank"]
        verbose_name = "pathway entry"
        verbose_name_plural = "pathway entries"
        constraints = [
            models.UniqueConstraint(fields=["pathway", "setting", "fitness", "rank"], name="unique_rank_per_setting"),
            models.UniqueConstraint(
                fields=["pathway", "regimen", "setting", "fitness"], name="regimen_once_per_setting"
            ),
            _choice_check("setting", Setting, "preference_setting_valid"),
            _choice_check("fitness", Fitness, "preference_fitness_valid"),
            _choice_check("tier", Tier, "preference_tier_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.regimen} in {self.setting} ({self.fitness}) #{self.rank}"


class RegimenCaution(models.Model):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="cautions")
    code = models.SlugField(max_length=60)
    text = models.TextField()
    applies_if = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text='Show only to patients meeting every condition, e.g. ["age_at_least:65"]; empty: everyone.',
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "code"]
        constraints = [models.UniqueConstraint(fields=["regimen", "code"], name="caution_code_once")]

    def __str__(self) -> str:
        return self.code


class Toxicity(models.Model):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="toxicities")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    verification = models.CharField(max_length=12, choices=Verification.choices)
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "position", "id"]
        verbose_name_plural = "toxicities"

    def __str__(self) -> str:
        return self.text[:60]


class RegulatoryEvent(models.Model):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="regulatory_events")
    position = models.PositiveSmallIntegerField(default=0)
    agency = models.CharField(max_length=20)
    date = models.CharField(max_length=10, blank=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    event = models.TextField()
    verification = models.CharField(max_length=12, choices=Verification.choices)
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "position", "id"]

    def __str__(self) -> str:
        return f"{self.agency} {self.date}"


class Trial(models.Model):
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="trials")
    position = models.PositiveSmallIntegerField(default=0, help_text="0 is the pivotal trial shown as evidence.")
    name = models.CharField(max_length=120)
    registry_id = models.CharField(max_length=40, blank=True)
    phase = models.CharField(max_length=80, blank=True)
    comparator = models.CharField(max_length=200, blank=True)
    n_randomized = models.PositiveIntegerField(null=True, blank=True)
    population = models.TextField(blank=True)
    citation = models.CharField(max_length=400, blank=True)
    pubmed_id = models.CharField(max_length=20, blank=True)
    doi = models.CharField(max_length=120, blank=True)
    verification = models.CharField(max_length=12, choices=Verification.choices)
    key_exclusions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text='Conditions the trial did not enrol, e.g. ["anti_cd38_refractory", "bcma_exposed"].',
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """One published figure, always with its own analysis: a median is never paired with another cut's HR."""

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="outcomes")
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=0)
    metric = models.CharField(max_length=40)
    analysis = models.CharField(max_length=300)
    experimental = models.CharField(max_length=60, blank=True)
    control = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    hr = models.DecimalField("HR", max_digits=6, decimal_places=3, null=True, blank=True)
    ci_low = models.DecimalField("CI low", max_digits=6, decimal_places=3, null=True, blank=True)
    ci_high = models.DecimalField("CI high", max_digits=6, decimal_places=3, null=True, blank=True)
    ci_level = models.CharField("CI level", max_length=10, blank=True)
    p = models.CharField("p", max_length=30, blank=True)
    source = models.TextField(blank=True)
    verification = models.CharField(max_length=12, choices=Verification.choices)
    field_verification = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    subgroup = models.CharField(
        max_length=60,
        blank=True,
        validators=[validate_condition],
        help_text="For a subgroup figure, its condition (e.g. lenalidomide_refractory); empty: whole population.",
    )
    published = models.CharField(
        max_length=10, blank=True, help_text="When this analysis was published (YYYY or YYYY-MM); latest = most mature."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["regimen", "trial__position", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True) | Q(ci_high__isnull=True) | Q(ci_low__lte=F("ci_high")),
                name="outcome_ci_ordered",
            ),
            models.CheckConstraint(
                condition=Q(hr__isnull=True)
                | Q(ci_low__isnull=True)
                | Q(ci_high__isnull=True)
                | (Q(ci_low__lte=F("hr")) & Q(hr__lte=F("ci_high"))),
                name="outcome_hr_within_ci",
            ),
            _choice_check("verification", Verification, "outcome_verification_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} ({self.analysis})"

    def clean(self) -> None:
        if self.trial_id and self.regimen_id and self.trial.regimen_id != self.regimen_id:
            raise ValidationError({"trial": "Choose a trial of this regimen."})
        if None not in (self.hr, self.ci_low, self.ci_high) and not (self.ci_low <= self.hr <= self.ci_high):
            raise ValidationError({"hr": f"HR {self.hr} lies outside its CI {self.ci_low}-{self.ci_high}."})


class EngineText(models.Model):
    """Editable wording of the engine's notes, pitfalls and warnings; the triggers stay in the engine."""

    code = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=TextKind.choices)
    text = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = "engine text"
        constraints = [_choice_check("kind", TextKind, "engine_text_kind_valid")]

    def __str__(self) -> str:
        return self.code


class ApiToken(models.Model):
    """A personal key for the JSON API. Only its SHA-256 digest is stored; the key is shown once, at creation."""

    class Scope(models.TextChoices):
        # One door per scope; FHIR and CDS Hooks doors will add theirs.
        RECOMMEND = "recommend", "Run recommendations (POST /api/v1/recommend)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'EHR integration test'.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="First characters of the key, to tell keys apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(help_text="From this moment on the key is refused.")
    scope = models.CharField(
        max_length=20, choices=Scope.choices, default=Scope.RECOMMEND, help_text="Which doors the key opens."
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False, help_text="Set by hand, or when the user's password changes.")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
