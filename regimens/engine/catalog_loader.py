"""Building the engine Catalog from a `myeloma-cds-catalog/2` document: validation with places, and the
precomputed indexes (active regimens by code, each pathway's setting lists by rank, evidence summaries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import rules as R
from .catalog import (
    CATALOG_FORMAT,
    JURISDICTIONS,
    KINDS,
    LABEL_STATUS,
    ROLES,
    TEXT_KINDS,
    VERIFICATION,
    Catalog,
    CatalogError,
    CautionSpec,
    ClassSpec,
    ComponentSpec,
    DrugSpec,
    LabelSpec,
    OutcomeSpec,
    RegimenSpec,
    TextSpec,
    TrialSpec,
    evidence_for,
    subgroup_figures,
)
from .pathway_loader import PathwayBuilder


def build_catalog(data: Any, version: str) -> Catalog:
    return _Builder(data, version).build()


# --- building and validation ----------------------------------------------------------------------

_TOP_KEYS = {"format", "label", "classes", "drugs", "regimens", "pathways", "texts"}
_CLASS_KEYS = {"code", "name", "cross_resistant"}
_DRUG_KEYS = {"name", "class", "route", "oral", "supportive_only", "lymphodepletion"}
_REGIMEN_KEYS = {
    "code",
    "name",
    "kind",
    "description",
    "active",
    "all_oral",
    "intensive",
    "exempt_from_two_drug_rule",
    "requires_cytogenetic",
    "off_label_by_design",
    "carfilzomib_twice_weekly",
    "multi_agent_chemotherapy",
    "high_dose_dexamethasone",
    "components",
    "labels",
    "cautions",
    "toxicities",
    "regulatory",
    "trials",
}
_COMPONENT_KEYS = {"drug", "role"}
_LABEL_KEYS = {
    "status",
    "date",
    "min_prior_lines",
    "max_prior_lines",
    "classes_exposed",
    "drugs_exposed",
    "drugs_refractory",
    "classes_refractory",
    "progression_on_last_line",
    "text",
}
_CAUTION_KEYS = {"code", "text", "applies_if"}
_TOXICITY_KEYS = {"text", "verification", "source"}
_REGULATORY_KEYS = {"agency", "date", "event", "verification", "source"}
_TRIAL_KEYS = {
    "name",
    "registry_id",
    "phase",
    "comparator",
    "n_randomized",
    "population",
    "citation",
    "pubmed_id",
    "doi",
    "verification",
    "key_exclusions",
    "outcomes",
}
_OUTCOME_KEYS = {
    "metric",
    "analysis",
    "experimental",
    "control",
    "unit",
    "hr",
    "ci_low",
    "ci_high",
    "ci_level",
    "p",
    "source",
    "verification",
    "field_verification",
    "note",
    "subgroup",
    "published",
}
_TEXT_KEYS = {"code", "kind", "text"}
_CYTOGENETIC_FIELDS = (
    "t_11_14",
    "t_4_14",
    "t_14_16",
    "t_14_20",
    "del_17p",
    "tp53_mutation",
    "gain_1q",
    "amp_1q",
)


def _opt_str(value: Any) -> str | None:
    """YAML may turn `2016-11-02` into a date or `44.5` into a float: keep every such value as text."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Builder(PathwayBuilder):
    def __init__(self, data: Any, version: str) -> None:
        self.data = data
        self.version = version
        self.problems: list[str] = []

    def fail(self, place: str, message: str) -> None:
        self.problems.append(f"{place}: {message}")

    def keys(self, obj: Any, allowed: set[str], place: str) -> bool:
        if not isinstance(obj, dict):
            self.fail(place, "must be a mapping")
            return False
        for key in sorted(set(obj) - allowed, key=str):
            self.fail(f"{place}.{key}", "unknown key")
        return True

    def list_of(self, obj: dict[str, Any], key: str, place: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"{place}.{key}", "must be a list")
            return []
        return value

    def text(self, obj: dict[str, Any], key: str, place: str, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{place}.{key}", "is required")
            return None
        return _opt_str(value)

    def flag(self, obj: dict[str, Any], key: str, place: str) -> bool:
        value = obj.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(f"{place}.{key}", "must be true or false")
            return False
        return value

    def integer(self, obj: dict[str, Any], key: str, place: str) -> int | None:
        value: object = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{place}.{key}", "must be an integer")
            return None
        return value

    def number(self, obj: dict[str, Any], key: str, place: str) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{place}.{key}", "must be a number")
            return None
        return float(value)

    def build(self) -> Catalog:
        data = self.data
        if not isinstance(data, dict):
            raise CatalogError(["catalog: must be a mapping"])
        self.keys(data, _TOP_KEYS, "catalog")
        if data.get("format") != CATALOG_FORMAT:
            hint = ""
            if data.get("format") == "myeloma-cds-catalog/1":
                hint = (
                    " (format 1 kept one order in each regimen's `settings`; format 2 keeps named orders in `pathways`)"
                )
            self.fail("format", f"must be {CATALOG_FORMAT!r}{hint}")
        classes = self.build_classes(data)
        drugs = self.build_drugs(data, classes)
        regimens = self.build_regimens(data, classes, drugs)
        texts = self.build_texts(data)
        by_code = {regimen.code: regimen for regimen in regimens}
        pathways = self.build_pathways(data, by_code)
        if self.problems:
            raise CatalogError(self.problems)
        for regimen in regimens:  # warm the derived flags once, so recommendations only read them
            _ = (
                regimen.is_car_t,
                regimen.is_bispecific,
                regimen.t_cell_redirecting,
                regimen.bcma_directed,
                regimen.required_cytogenetic,
            )
        evaluated = tuple(sorted((r for r in regimens if r.active and r.kind == "regimen"), key=lambda r: r.code))
        return Catalog(
            version=str(self.version),
            label=_opt_str(data.get("label")),
            classes=classes,
            drugs=drugs,
            regimens=regimens,
            texts=texts,
            pathways=pathways,
            evaluated=evaluated,
            by_code=by_code,
        )

    def build_classes(self, data: dict[str, Any]) -> dict[str, ClassSpec]:
        classes: dict[str, ClassSpec] = {}
        for i, item in enumerate(self.list_of(data, "classes", "catalog")):
            place = f"classes[{i}]"
            if not self.keys(item, _CLASS_KEYS, place):
                continue
            code = self.text(item, "code", place, required=True)
            if code is None:
                continue
            if code in classes:
                self.fail(place, f"duplicate class code {code!r}")
            classes[code] = ClassSpec(
                code, self.text(item, "name", place) or code, self.flag(item, "cross_resistant", place)
            )
        return classes

    def build_drugs(self, data: dict[str, Any], classes: dict[str, ClassSpec]) -> dict[str, DrugSpec]:
        drugs: dict[str, DrugSpec] = {}
        for i, item in enumerate(self.list_of(data, "drugs", "catalog")):
            place = f"drugs[{i}]"
            if not self.keys(item, _DRUG_KEYS, place):
                continue
            name = self.text(item, "name", place, required=True)
            class_code = self.text(item, "class", place, required=True)
            if name is None or class_code is None:
                continue
            place = f"drugs[{name}]"
            if name in drugs:
                self.fail(place, "duplicate drug name")
            if class_code not in classes:
                self.fail(f"{place}.class", f"unknown class {class_code!r}")
            drugs[name] = DrugSpec(
                name=name,
                class_code=class_code,
                route=self.text(item, "route", place),
                oral=self.flag(item, "oral", place),
                supportive_only=self.flag(item, "supportive_only", place),
                lymphodepletion=self.flag(item, "lymphodepletion", place),
            )
        return drugs

    def build_regimens(
        self, data: dict[str, Any], classes: dict[str, ClassSpec], drugs: dict[str, DrugSpec]
    ) -> tuple[RegimenSpec, ...]:
        regimens: list[RegimenSpec] = []
        codes: set[str] = set()
        for i, item in enumerate(self.list_of(data, "regimens", "catalog")):
            named = item.get("code") if isinstance(item, dict) and isinstance(item.get("code"), str) else i
            if not self.keys(item, _REGIMEN_KEYS, f"regimens[{named}]"):
                continue
            code = self.text(item, "code", f"regimens[{i}]", required=True)
            if code is None:
                continue
            place = f"regimens[{code}]"
            if code in codes:
                self.fail(place, "duplicate regimen code")
            codes.add(code)
            kind = self.text(item, "kind", place) or "regimen"
            if kind not in KINDS:
                self.fail(f"{place}.kind", f"unknown kind {kind!r}")
            components = self.build_components(item, place, drugs)
            if kind == "regimen" and components and not any(c.role == "active" for c in components):
                self.fail(f"{place}.components", "a regimen needs at least one active component")
            requires = self.text(item, "requires_cytogenetic", place)
            if requires is not None and requires not in _CYTOGENETIC_FIELDS:
                self.fail(f"{place}.requires_cytogenetic", f"unknown cytogenetic field {requires!r}")
            labels = self.build_labels(item, place, classes, drugs)
            statuses = {label.status for label in labels}
            if "investigational" in statuses and statuses != {"investigational"}:
                self.fail(
                    f"{place}.labels", "investigational means approved in neither jurisdiction: mark every label so"
                )
            cautions = []
            for j, caution in enumerate(self.list_of(item, "cautions", place)):
                cplace = f"{place}.cautions[{j}]"
                if self.keys(caution, _CAUTION_KEYS, cplace):
                    ccode = self.text(caution, "code", cplace, required=True)
                    ctext = self.text(caution, "text", cplace, required=True)
                    applies_if = self.conditions(caution, "applies_if", cplace)
                    if ccode and ctext:
                        cautions.append(CautionSpec(ccode, " ".join(ctext.split()), applies_if))
            for j, tox in enumerate(self.list_of(item, "toxicities", place)):
                if self.keys(tox, _TOXICITY_KEYS, f"{place}.toxicities[{j}]"):
                    self.verification(tox, f"{place}.toxicities[{j}]")
            for j, event in enumerate(self.list_of(item, "regulatory", place)):
                if self.keys(event, _REGULATORY_KEYS, f"{place}.regulatory[{j}]"):
                    self.verification(event, f"{place}.regulatory[{j}]")
            trials = self.build_trials(item, place)
            active = tuple(c for c in components if c.role == "active")
            regimens.append(
                RegimenSpec(
                    code=code,
                    name=self.text(item, "name", place, required=True) or code,
                    components=components,
                    kind=kind,
                    description=self.text(item, "description", place),
                    active=self.flag(item, "active", place) if item.get("active") is not None else True,
                    all_oral=self.flag(item, "all_oral", place),
                    intensive=self.flag(item, "intensive", place),
                    exempt_from_two_drug_rule=self.flag(item, "exempt_from_two_drug_rule", place),
                    requires_cytogenetic=requires,
                    off_label_by_design=self.flag(item, "off_label_by_design", place),
                    carfilzomib_twice_weekly=self.flag(item, "carfilzomib_twice_weekly", place),
                    multi_agent_chemotherapy=self.flag(item, "multi_agent_chemotherapy", place),
                    high_dose_dexamethasone=self.flag(item, "high_dose_dexamethasone", place),
                    labels=labels,
                    cautions=tuple(cautions),
                    trials=trials,
                    drugs=frozenset(c.drug for c in components),
                    active_drugs=tuple(c.drug for c in active),
                    active_classes=frozenset(c.class_code for c in active),
                    non_supportive_count=sum(1 for c in components if c.role != "supportive"),
                    evidence=evidence_for(trials),
                    subgroup_figures=subgroup_figures(trials),
                )
            )
        return tuple(regimens)

    def build_components(
        self, item: dict[str, Any], place: str, drugs: dict[str, DrugSpec]
    ) -> tuple[ComponentSpec, ...]:
        components: list[ComponentSpec] = []
        seen: set[str] = set()
        for j, comp in enumerate(self.list_of(item, "components", place)):
            cplace = f"{place}.components[{j}]"
            if not self.keys(comp, _COMPONENT_KEYS, cplace):
                continue
            drug = self.text(comp, "drug", cplace, required=True)
            role = self.text(comp, "role", cplace) or "active"
            if drug is None:
                continue
            if drug not in drugs:
                self.fail(f"{cplace}.drug", f"unknown drug {drug!r}")
                continue
            if drug in seen:
                self.fail(f"{cplace}.drug", f"{drug} appears twice in one regimen")
            seen.add(drug)
            if role not in ROLES:
                self.fail(f"{cplace}.role", f"unknown role {role!r}")
            spec = drugs[drug]
            if role == "active" and (spec.supportive_only or spec.class_code == R.STEROID_CLASS):
                role = "supportive" if spec.supportive_only else "corticosteroid"
            components.append(ComponentSpec(drug, role, spec.class_code))
        return tuple(components)

    def build_labels(
        self, item: dict[str, Any], place: str, classes: dict[str, ClassSpec], drugs: dict[str, DrugSpec]
    ) -> tuple[LabelSpec, ...]:
        raw = item.get("labels") or {}
        if not isinstance(raw, dict):
            self.fail(f"{place}.labels", "must be a mapping of jurisdiction to label")
            return ()
        labels: list[LabelSpec] = []
        for jurisdiction in sorted(raw):
            lplace = f"{place}.labels.{jurisdiction}"
            if jurisdiction not in JURISDICTIONS:
                self.fail(lplace, "label jurisdiction must be US or EU")
                continue
            label = raw[jurisdiction]
            if not self.keys(label, _LABEL_KEYS, lplace):
                continue
            status = self.text(label, "status", lplace) or "approved"
            if status not in LABEL_STATUS:
                self.fail(f"{lplace}.status", f"unknown status {status!r}")
            lists: dict[str, tuple[str, ...]] = {}
            for key, known, what in (
                ("classes_exposed", classes, "class"),
                ("classes_refractory", classes, "class"),
                ("drugs_exposed", drugs, "drug"),
                ("drugs_refractory", drugs, "drug"),
            ):
                values = tuple(str(v) for v in self.list_of(label, key, lplace))
                for value in values:
                    if value not in known:
                        self.fail(f"{lplace}.{key}", f"unknown {what} {value!r}")
                lists[key] = values
            low_lines = self.integer(label, "min_prior_lines", lplace)
            high_lines = self.integer(label, "max_prior_lines", lplace)
            if low_lines is not None and high_lines is not None and low_lines > high_lines:
                self.fail(f"{lplace}.max_prior_lines", f"{high_lines} is below min_prior_lines {low_lines}")
            labels.append(
                LabelSpec(
                    jurisdiction=jurisdiction,
                    status=status,
                    date=self.text(label, "date", lplace),
                    min_prior_lines=low_lines,
                    max_prior_lines=high_lines,
                    progression_on_last_line=self.flag(label, "progression_on_last_line", lplace),
                    text=self.text(label, "text", lplace),
                    **lists,
                )
            )
        return tuple(labels)

    def verification(self, row: dict[str, Any], place: str) -> None:
        value = row.get("verification")
        if value is not None and value not in VERIFICATION:
            self.fail(f"{place}.verification", f"unknown verification {value!r} (verified or from_memory)")

    def build_trials(self, item: dict[str, Any], place: str) -> tuple[TrialSpec, ...]:
        trials: list[TrialSpec] = []
        for j, trial in enumerate(self.list_of(item, "trials", place)):
            tplace = f"{place}.trials[{j}]"
            if not self.keys(trial, _TRIAL_KEYS, tplace):
                continue
            outcomes: list[OutcomeSpec] = []
            for k, row in enumerate(self.list_of(trial, "outcomes", tplace)):
                oplace = f"{tplace}.outcomes[{k}]"
                if not self.keys(row, _OUTCOME_KEYS, oplace):
                    continue
                hr = self.number(row, "hr", oplace)
                low = self.number(row, "ci_low", oplace)
                high = self.number(row, "ci_high", oplace)
                if low is not None and high is not None and low > high:
                    self.fail(f"{oplace}.ci_low", f"CI {low}-{high} is reversed")
                elif hr is not None and low is not None and high is not None and not low <= hr <= high:
                    self.fail(f"{oplace}.hr", f"HR {hr} lies outside its own CI {low}-{high}")
                self.verification(row, oplace)
                fv = row.get("field_verification") or {}
                outcomes.append(
                    OutcomeSpec(
                        metric=self.text(row, "metric", oplace, required=True) or "",
                        analysis=self.text(row, "analysis", oplace),
                        experimental=self.text(row, "experimental", oplace),
                        control=self.text(row, "control", oplace),
                        unit=self.text(row, "unit", oplace),
                        hr=hr,
                        ci_low=low,
                        ci_high=high,
                        ci_level=self.text(row, "ci_level", oplace),
                        p=self.text(row, "p", oplace),
                        source=self.text(row, "source", oplace),
                        verification=self.text(row, "verification", oplace),
                        field_verification=tuple(sorted((str(k2), str(v)) for k2, v in fv.items()))
                        if isinstance(fv, dict)
                        else (),
                        note=self.text(row, "note", oplace),
                        subgroup=self.condition(row, "subgroup", oplace),
                        published=self.text(row, "published", oplace),
                    )
                )
            self.verification(trial, tplace)
            n = trial.get("n_randomized")
            trials.append(
                TrialSpec(
                    name=self.text(trial, "name", tplace, required=True) or "",
                    registry_id=self.text(trial, "registry_id", tplace),
                    phase=self.text(trial, "phase", tplace),
                    comparator=self.text(trial, "comparator", tplace),
                    n_randomized=n if isinstance(n, int) and not isinstance(n, bool) else None,
                    population=self.text(trial, "population", tplace),
                    citation=self.text(trial, "citation", tplace),
                    pubmed_id=self.text(trial, "pubmed_id", tplace),
                    doi=self.text(trial, "doi", tplace),
                    verification=self.text(trial, "verification", tplace),
                    outcomes=tuple(outcomes),
                    key_exclusions=self.conditions(trial, "key_exclusions", tplace),
                )
            )
        return tuple(trials)

    def build_texts(self, data: dict[str, Any]) -> dict[str, TextSpec]:
        texts: dict[str, TextSpec] = {}
        for i, item in enumerate(self.list_of(data, "texts", "catalog")):
            place = f"texts[{i}]"
            if not self.keys(item, _TEXT_KEYS, place):
                continue
            code = self.text(item, "code", place, required=True)
            kind = self.text(item, "kind", place, required=True)
            text = self.text(item, "text", place, required=True)
            if kind is not None and kind not in TEXT_KINDS:
                self.fail(f"{place}.kind", f"unknown kind {kind!r}")
            if code is None or kind is None or text is None:
                continue
            if code in texts:
                self.fail(place, f"duplicate text code {code!r}")
            texts[code] = TextSpec(code, kind, " ".join(text.split()))
        return texts
