"""The engine's catalog: frozen plain data built from a `myeloma-cds-catalog/1` document.

`Catalog.from_dict` validates the parsed document (docs/catalog-format.md, see catalog_loader.py) and
precomputes the indexes the engine needs, so that a recommendation costs time linear in the number of
regimens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import rules as R

CATALOG_FORMAT = "myeloma-cds-catalog/1"
SETTINGS = (
    "first_relapse_len_sensitive",
    "first_relapse_len_refractory",
    "second_plus_relapse",
    "triple_class_exposed",
    "pcl_or_emd",
)
FITNESS = ("any", "fit", "frail")
TIERS = ("preferred", "alternative", "other")
ROLES = ("active", "corticosteroid", "supportive")
LABEL_STATUS = ("approved", "not_approved", "withdrawn")
JURISDICTIONS = ("US", "EU")
TEXT_KINDS = ("toxicity_note", "pitfall", "warning", "duration_guidance", "caution")
VERIFICATION = ("verified", "from_memory")
SALVAGE_ASCT_CODE = "sASCT"  # the procedure whose evidence goes with the consider_salvage_asct pitfall
# Outcome rows preferred for the one-line evidence summary, best first.
SUMMARY_METRICS = ("PFS_median", "TTP_median", "OS_median", "PFS_HR", "OS_HR", "ORR", "VGPR_or_better")


class CatalogError(ValueError):
    """The catalog document is invalid; `problems` lists each one with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid catalog: " + "; ".join(self.problems))


@dataclass(frozen=True)
class ClassSpec:
    code: str
    name: str
    cross_resistant: bool = False


@dataclass(frozen=True)
class DrugSpec:
    name: str
    class_code: str
    route: str | None = None
    oral: bool = False
    supportive_only: bool = False
    lymphodepletion: bool = False


@dataclass(frozen=True)
class ComponentSpec:
    drug: str
    role: str
    class_code: str


@dataclass(frozen=True)
class LabelSpec:
    jurisdiction: str
    status: str
    date: str | None = None
    min_prior_lines: int | None = None
    max_prior_lines: int | None = None
    classes_exposed: tuple[str, ...] = ()
    drugs_exposed: tuple[str, ...] = ()
    drugs_refractory: tuple[str, ...] = ()
    classes_refractory: tuple[str, ...] = ()
    progression_on_last_line: bool = False
    text: str | None = None


@dataclass(frozen=True)
class SettingEntry:
    setting: str
    fitness: str
    rank: int
    tier: str
    note: str | None = None


@dataclass(frozen=True)
class OutcomeSpec:
    metric: str
    analysis: str | None = None
    experimental: str | None = None
    control: str | None = None
    unit: str | None = None
    hr: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: str | None = None
    p: str | None = None
    source: str | None = None
    verification: str | None = None
    field_verification: tuple[tuple[str, str], ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class TrialSpec:
    name: str
    registry_id: str | None = None
    phase: str | None = None
    comparator: str | None = None
    n_randomized: int | None = None
    population: str | None = None
    citation: str | None = None
    pubmed_id: str | None = None
    doi: str | None = None
    verification: str | None = None
    outcomes: tuple[OutcomeSpec, ...] = ()


@dataclass(frozen=True)
class CautionSpec:
    code: str
    text: str


@dataclass(frozen=True)
class Evidence:
    trial: str
    summary: str
    verification: str


@dataclass(frozen=True)
class RegimenSpec:
    code: str
    name: str
    components: tuple[ComponentSpec, ...]
    kind: str = "regimen"
    description: str | None = None
    active: bool = True
    all_oral: bool = False
    intensive: bool = False
    exempt_from_two_drug_rule: bool = False
    requires_cytogenetic: str | None = None
    off_label_by_design: bool = False
    labels: tuple[LabelSpec, ...] = ()
    settings: tuple[SettingEntry, ...] = ()
    cautions: tuple[CautionSpec, ...] = ()
    trials: tuple[TrialSpec, ...] = ()
    # Derived once in Catalog.from_dict (not part of the document):
    drugs: frozenset[str] = frozenset()
    active_drugs: tuple[str, ...] = ()
    active_classes: frozenset[str] = frozenset()
    non_supportive_count: int = 0
    evidence: Evidence | None = None

    def contains(self, drug: str) -> bool:
        return drug in self.drugs

    def has_class(self, class_code: str) -> bool:
        return class_code in self.active_classes

    def label(self, jurisdiction: str) -> LabelSpec | None:
        for label in self.labels:
            if label.jurisdiction == jurisdiction:
                return label
        return None

    @cached_property  # computed when the catalog is built (catalog_loader warms it), then read-only
    def is_car_t(self) -> bool:
        return any(code.endswith(R.CAR_T_CLASS_SUFFIX) for code in self.active_classes)

    @cached_property  # computed when the catalog is built (catalog_loader warms it), then read-only
    def is_bispecific(self) -> bool:
        return any(code.endswith(R.BISPECIFIC_CLASS_SUFFIX) for code in self.active_classes)

    @cached_property  # computed when the catalog is built (catalog_loader warms it), then read-only
    def t_cell_redirecting(self) -> bool:
        return self.is_car_t or self.is_bispecific

    @cached_property  # computed when the catalog is built (catalog_loader warms it), then read-only
    def bcma_directed(self) -> bool:
        return any(code in R.BCMA_CLASSES for code in self.active_classes)

    @cached_property  # computed when the catalog is built (catalog_loader warms it), then read-only
    def required_cytogenetic(self) -> str | None:
        """The catalog's requirement; a BCL-2 inhibitor always requires t(11;14) (R8.4 safety net)."""
        if self.requires_cytogenetic:
            return self.requires_cytogenetic
        return R.T11_14_FIELD if R.BCL2_CLASS in self.active_classes else None


@dataclass(frozen=True)
class TextSpec:
    code: str
    kind: str
    text: str


@dataclass(frozen=True)
class Catalog:
    version: str
    label: str | None
    classes: dict[str, ClassSpec] = field(repr=False)
    drugs: dict[str, DrugSpec] = field(repr=False)
    regimens: tuple[RegimenSpec, ...] = field(repr=False)
    texts: dict[str, TextSpec] = field(repr=False)
    # Indexes (precomputed):
    evaluated: tuple[RegimenSpec, ...] = field(repr=False, default=())  # active drug regimens, by code
    setting_lists: dict[tuple[str, str], tuple[tuple[SettingEntry, RegimenSpec], ...]] = field(
        repr=False, default_factory=dict
    )
    by_code: dict[str, RegimenSpec] = field(repr=False, default_factory=dict)

    def text(self, code: str, fallback: str) -> str:
        spec = self.texts.get(code)
        return spec.text if spec else fallback

    def drug_class(self, drug: str) -> str | None:
        spec = self.drugs.get(drug)
        return spec.class_code if spec else None

    def is_cross_resistant(self, class_code: str) -> bool:
        spec = self.classes.get(class_code)
        return bool(spec and spec.cross_resistant)

    def setting_list(self, setting: str, fitness: str) -> tuple[tuple[SettingEntry, RegimenSpec], ...]:
        return self.setting_lists.get((setting, fitness), ())

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str) -> Catalog:
        from .catalog_loader import build_catalog  # the loader needs the classes above

        return build_catalog(data, version)


# --- evidence summary -----------------------------------------------------------------------------

_METRIC_LABELS = {
    "PFS_median": "median PFS",
    "TTP_median": "median TTP",
    "OS_median": "median OS",
    "PFS_HR": "PFS",
    "OS_HR": "OS",
    "ORR": "ORR",
    "VGPR_or_better": "VGPR or better",
}


def _value(value: str | None, unit: str | None) -> str:
    if value is None:
        return "n/a"
    if unit == "percent":
        return value if value.endswith("%") else f"{value}%"
    return value


def _number(value: float) -> str:
    return f"{value:g}"


def _pick_row(outcomes: tuple[OutcomeSpec, ...]) -> OutcomeSpec | None:
    """One row only (never a median from one analysis with an HR from another); verified rows first."""
    for metric in SUMMARY_METRICS:
        rows = [row for row in outcomes if row.metric == metric]
        if rows:
            verified = [row for row in rows if row.verification == "verified"]
            return (verified or rows)[0]
    return outcomes[0] if outcomes else None


def summarise_row(row: OutcomeSpec) -> str:
    label = _METRIC_LABELS.get(row.metric, row.metric.replace("_", " "))
    unit = row.unit if row.unit not in (None, "percent", "ratio", "count") else None
    parts: list[str] = []
    if row.experimental is not None:
        experimental = _value(row.experimental, row.unit)
        if row.control is not None:
            parts.append(f"{label} {experimental} vs {_value(row.control, row.unit)}" + (f" {unit}" if unit else ""))
        else:
            parts.append(f"{label} {experimental}" + (f" {unit}" if unit else ""))
    else:
        parts.append(label)
    stats: list[str] = []
    if row.hr is not None:
        hr = f"HR {_number(row.hr)}"
        if row.ci_low is not None and row.ci_high is not None:
            hr += f", {row.ci_level or '95%'} CI {_number(row.ci_low)}-{_number(row.ci_high)}"
        stats.append(hr)
    if row.p:
        p = row.p.strip()
        stats.append(p if p[:1] in ("p", "P") else (f"p{p}" if p[:1] in ("<", ">", "=") else f"p={p}"))
    if row.analysis:
        stats.append(row.analysis)
    text = parts[0]
    if stats:
        text += f" ({'; '.join(stats)})"
    return text


def evidence_for(trials: tuple[TrialSpec, ...]) -> Evidence | None:
    if not trials:
        return None
    trial = trials[0]
    row = _pick_row(trial.outcomes)
    if row is None:
        summary = f"{trial.name}: no outcome figures in the catalog"
        verification = trial.verification or "from_memory"
    else:
        summary = f"{trial.name}: {summarise_row(row)}"
        verification = "verified" if row.verification == "verified" else "from_memory"
        overridden = [name for name, value in row.field_verification if value != "verified"]
        if verification == "verified" and overridden:
            verification = f"verified except {', '.join(overridden)} (from_memory)"
    return Evidence(trial=trial.name, summary=summary, verification=verification)
