"""The engine's catalog: frozen plain data built from a `myeloma-cds-catalog/2` document.

`Catalog.from_dict` validates the parsed document (docs/catalog-format.md, see catalog_loader.py) and
precomputes the indexes the engine needs, so that a recommendation costs time linear in the number of
regimens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import rules as R

CATALOG_FORMAT = "myeloma-cds-catalog/2"
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
# investigational: approved in neither jurisdiction (algorithm 9.3); such regimens are never options.
LABEL_STATUS = ("approved", "not_approved", "withdrawn", "investigational")
# regimen: evaluated at relapse; procedure (sASCT) and first_line (recordable as a prior line) never are.
KINDS = ("regimen", "procedure", "first_line")
JURISDICTIONS = ("US", "EU")
TEXT_KINDS = ("toxicity_note", "pitfall", "warning", "duration_guidance", "caution")
VERIFICATION = ("verified", "from_memory")
SALVAGE_ASCT_CODE = "sASCT"  # the procedure whose evidence goes with the consider_salvage_asct pitfall
# Outcome rows preferred for the one-line evidence summary, best first.
SUMMARY_METRICS = ("PFS_median", "TTP_median", "OS_median", "PFS_HR", "OS_HR", "ORR", "VGPR_or_better")
OS_METRICS = ("OS_median", "OS_HR")


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
    regimen: str = ""
    note_applies_if: tuple[str, ...] = ()  # conditions (conditions.py) the patient must meet to see the note


@dataclass(frozen=True)
class PathwaySpec:
    """A named, dated, sourced order of options per setting (algorithm 9.1)."""

    code: str
    title: str
    source: str | None = None
    date: str | None = None
    active: bool = False
    description: str | None = None
    entries: tuple[SettingEntry, ...] = ()
    # Precomputed: (setting, fitness) -> entries of evaluated regimens in rank order
    lists: dict[tuple[str, str], tuple[tuple[SettingEntry, RegimenSpec], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def setting_list(self, setting: str, fitness: str) -> tuple[tuple[SettingEntry, RegimenSpec], ...]:
        return self.lists.get((setting, fitness), ())


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
    subgroup: str | None = None  # a condition (conditions.py) for a subgroup figure; None: whole population
    published: str | None = None  # YYYY or YYYY-MM: when this analysis was published (latest = most mature)


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
    key_exclusions: tuple[str, ...] = ()  # conditions (conditions.py) the trial did not enrol


@dataclass(frozen=True)
class CautionSpec:
    code: str
    text: str
    applies_if: tuple[str, ...] = ()  # shown only when the patient meets every condition (conditions.py)


@dataclass(frozen=True)
class Figure:
    """One published figure as shown on an option: its text, analysis, source and verification."""

    role: str  # primary | overall_survival | subgroup
    text: str
    analysis: str | None
    source: str | None
    verification: str
    subgroup: str | None = None


@dataclass(frozen=True)
class Evidence:
    trial: str
    summary: str
    verification: str
    figures: tuple[Figure, ...] = ()


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
    carfilzomib_twice_weekly: bool = False  # algorithm 9.4: frail_weekly_carfilzomib
    multi_agent_chemotherapy: bool = False  # R10.1: LMWH or a DOAC with an IMiD
    high_dose_dexamethasone: bool = False  # R10.1: LMWH or a DOAC with an IMiD
    labels: tuple[LabelSpec, ...] = ()
    cautions: tuple[CautionSpec, ...] = ()
    trials: tuple[TrialSpec, ...] = ()
    # Derived once in Catalog.from_dict (not part of the document):
    drugs: frozenset[str] = frozenset()
    active_drugs: tuple[str, ...] = ()
    active_classes: frozenset[str] = frozenset()
    non_supportive_count: int = 0
    evidence: Evidence | None = None
    subgroup_figures: tuple[tuple[str, Figure], ...] = ()  # (condition, figure) of the pivotal trial

    def contains(self, drug: str) -> bool:
        return drug in self.drugs

    def has_class(self, class_code: str) -> bool:
        return class_code in self.active_classes

    @property
    def investigational(self) -> bool:
        """Approved in neither jurisdiction (algorithm 9.3): never an option, at most a trial option."""
        return any(label.status == "investigational" for label in self.labels)

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
    pathways: tuple[PathwaySpec, ...] = field(repr=False, default=())  # the active one first
    # Indexes (precomputed):
    evaluated: tuple[RegimenSpec, ...] = field(repr=False, default=())  # active drug regimens, by code
    by_code: dict[str, RegimenSpec] = field(repr=False, default_factory=dict)

    @property
    def active_pathway(self) -> PathwaySpec:
        return self.pathways[0]

    def pathway(self, code: str | None) -> PathwaySpec:
        """The pathway of that code (KeyError when unknown); None: the active one."""
        if code is None:
            return self.active_pathway
        for pathway in self.pathways:
            if pathway.code == code:
                return pathway
        raise KeyError(code)

    @property
    def pathway_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.pathways)

    def text(self, code: str, fallback: str) -> str:
        spec = self.texts.get(code)
        return spec.text if spec else fallback

    def drug_class(self, drug: str) -> str | None:
        spec = self.drugs.get(drug)
        return spec.class_code if spec else None

    def is_cross_resistant(self, class_code: str) -> bool:
        spec = self.classes.get(class_code)
        return bool(spec and spec.cross_resistant)

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


def _numeric(value: str | None) -> bool:
    return value is not None and any(ch.isdigit() for ch in value)


def _number(value: float) -> str:
    return f"{value:g}"


def _published_key(row: OutcomeSpec) -> str:
    return row.published or ""


def endpoint(metric: str) -> str:
    """The endpoint a metric reports: PFS_median, PFS_HR and PFS_rate_12mo are all PFS."""
    return metric.split("_", 1)[0]


def _form_rank(row: OutcomeSpec) -> int:
    """Within one analysis of an endpoint, the median (with its HR) reads best, then the HR, then the rest."""
    return 0 if row.metric.endswith("_median") else 1 if row.metric.endswith("_HR") else 2


def _latest(rows: list[OutcomeSpec]) -> OutcomeSpec | None:
    """The most mature analysis: the latest published row, verified rows first; at the same date a median
    before an HR before a rate; ties keep file order."""
    if not rows:
        return None
    verified = [row for row in rows if row.verification == "verified"]
    pool = verified or rows
    best = pool[0]
    for row in pool[1:]:
        if (_published_key(row), -_form_rank(row)) > (_published_key(best), -_form_rank(best)):
            best = row
    return best


def primary_row(outcomes: tuple[OutcomeSpec, ...]) -> OutcomeSpec | None:
    """The most mature analysis of the primary endpoint: the endpoint of the trial's first whole-population row
    (the catalog lists the primary endpoint first), its latest published row."""
    overall = [row for row in outcomes if row.subgroup is None]
    if not overall:
        return None
    primary = endpoint(overall[0].metric)
    return _latest([r for r in overall if endpoint(r.metric) == primary])


def survival_row(outcomes: tuple[OutcomeSpec, ...], primary: OutcomeSpec | None) -> OutcomeSpec | None:
    """The latest overall-survival result, when the primary endpoint is not itself overall survival."""
    if primary is not None and endpoint(primary.metric) == "OS":
        return None
    return _latest([r for r in outcomes if r.subgroup is None and r.metric in OS_METRICS])


def subgroup_rows(outcomes: tuple[OutcomeSpec, ...]) -> dict[str, OutcomeSpec]:
    """Per subgroup condition, its figure: the primary endpoint's metric when reported, most mature first."""
    by_condition: dict[str, list[OutcomeSpec]] = {}
    for row in outcomes:
        if row.subgroup is not None:
            by_condition.setdefault(row.subgroup, []).append(row)
    chosen: dict[str, OutcomeSpec] = {}
    for condition, rows in by_condition.items():
        for metric in SUMMARY_METRICS:
            latest = _latest([r for r in rows if r.metric == metric])
            if latest is not None:
                chosen[condition] = latest
                break
        else:
            chosen[condition] = rows[0]
    return chosen


def _row_verification(row: OutcomeSpec) -> str:
    verification = "verified" if row.verification == "verified" else "from_memory"
    overridden = [name for name, value in row.field_verification if value != "verified"]
    if verification == "verified" and overridden:
        verification = f"verified except {', '.join(overridden)} (from_memory)"
    return verification


def figure(row: OutcomeSpec, role: str, subgroup_words: str | None = None) -> Figure:
    text = summarise_row(row)
    if subgroup_words:
        text = f"{subgroup_words}: {text}"
    source = row.source.split(" | ")[0].strip() if row.source else None
    return Figure(role, text, row.analysis, source, _row_verification(row), row.subgroup)


def summarise_row(row: OutcomeSpec) -> str:
    label = _METRIC_LABELS.get(row.metric, row.metric.replace("_", " "))
    unit = row.unit if row.unit not in (None, "percent", "ratio", "count") else None
    if not any(_numeric(v) for v in (row.experimental, row.control)):
        unit = None  # "NR vs NR", not "NR vs NR months"
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
    """The pivotal trial's most mature primary-endpoint figure and its overall survival (algorithm 9.4).
    Subgroup figures depend on the patient and are added by the engine (recommend.option_evidence)."""
    if not trials:
        return None
    trial = trials[0]
    primary = primary_row(trial.outcomes)
    if primary is None:
        return Evidence(
            trial=trial.name,
            summary=f"{trial.name}: no outcome figures in the catalog",
            verification=trial.verification or "from_memory",
        )
    figures = [figure(primary, "primary")]
    survival = survival_row(trial.outcomes, primary)
    if survival is not None:
        figures.append(figure(survival, "overall_survival"))
    return evidence_from_figures(trial.name, tuple(figures))


def subgroup_figures(trials: tuple[TrialSpec, ...]) -> tuple[tuple[str, Figure], ...]:
    from . import conditions

    if not trials:
        return ()
    rows = subgroup_rows(trials[0].outcomes)
    return tuple(
        (condition, figure(row, "subgroup", f"Subgroup with {conditions.words(condition)}"))
        for condition, row in sorted(rows.items())
    )


def evidence_from_figures(trial: str, figures: tuple[Figure, ...]) -> Evidence:
    summary = f"{trial}: " + "; ".join(f.text for f in figures)
    kinds = {f.verification for f in figures}
    if kinds == {"verified"}:
        verification = "verified"
    elif len(kinds) == 1:
        verification = next(iter(kinds))
    elif all(k.startswith("verified") for k in kinds):
        verification = "verified except some fields (from_memory)"
    else:
        verification = "partly from_memory"
    return Evidence(trial=trial, summary=summary, verification=verification, figures=figures)
