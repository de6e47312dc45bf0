"""The catalog document (docs/catalog-format.md): reading, validating, exporting, and the engine's catalog.

The same document is the file format of `load_catalog` / `export_catalog`, the snapshot kept on every
CatalogRelease, and the input of `regimens.engine.Catalog.from_dict`. The engine catalog is built once per
release and cached, never rebuilt per request.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Prefetch

from regimens import models as m

FORMAT = "myeloma-cds-catalog/1"
DEFAULT_CATALOG_FILE = Path(__file__).resolve().parent / "catalog" / "default.yaml"

SETTINGS = set(m.Setting.values)
FITNESSES = set(m.Fitness.values)
TIERS = set(m.Tier.values)
ROLES = set(m.Role.values)
VERIFICATIONS = set(m.Verification.values)
JURISDICTIONS = set(m.Jurisdiction.values)
LABEL_STATUSES = set(m.LabelStatus.values)
KINDS = set(m.RegimenKind.values)
TEXT_KINDS = set(m.TextKind.values)
CYTOGENETIC_REQUIREMENTS = set(m.CytogeneticRequirement.values)

TOP_KEYS = {"format", "label", "classes", "drugs", "regimens", "texts"}
CLASS_KEYS = {"code", "name", "cross_resistant"}
DRUG_KEYS = {"name", "class", "route", "oral", "supportive_only", "lymphodepletion"}
REGIMEN_KEYS = {
    "code", "name", "kind", "description", "active", "all_oral", "intensive", "exempt_from_two_drug_rule",
    "requires_cytogenetic", "off_label_by_design", "components", "labels", "settings", "cautions",
    "toxicities", "regulatory", "trials",
}  # fmt: skip
COMPONENT_KEYS = {"drug", "role"}
LABEL_KEYS = {
    "status", "date", "min_prior_lines", "max_prior_lines", "classes_exposed", "drugs_exposed",
    "drugs_refractory", "classes_refractory", "progression_on_last_line", "text",
}  # fmt: skip
SETTING_KEYS = {"setting", "fitness", "rank", "tier", "note"}
CAUTION_KEYS = {"code", "text"}
TOXICITY_KEYS = {"text", "verification", "source"}
REGULATORY_KEYS = {"agency", "date", "event", "verification", "source"}
TRIAL_KEYS = {
    "name", "registry_id", "phase", "comparator", "n_randomized", "population", "citation", "pubmed_id",
    "doi", "verification", "outcomes",
}  # fmt: skip
OUTCOME_KEYS = {
    "metric", "analysis", "experimental", "control", "unit", "hr", "ci_low", "ci_high", "ci_level", "p",
    "source", "verification", "field_verification", "note",
}  # fmt: skip
TEXT_KEYS = {"code", "kind", "text"}


class CatalogFileError(Exception):
    """A catalog file that cannot be loaded; `problems` lists each one with its place."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


# --- reading and writing files -----------------------------------------------------------------------


def read_document(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogFileError([Problem(str(path), f"cannot be read ({exc.strerror})")]) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CatalogFileError([Problem(str(path), f"is not valid YAML/JSON ({exc})")]) from exc
    if not isinstance(data, dict):
        raise CatalogFileError([Problem(str(path), "must contain a mapping at the top level")])
    return data


def dump_document(document: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def content_hash(document: dict[str, Any]) -> str:
    """Hash of the catalog content; the free-text `label` does not count as content."""
    content = {key: value for key, value in document.items() if key != "label"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


# --- validation --------------------------------------------------------------------------------------


def validate_document(doc: dict[str, Any]) -> list[Problem]:
    """Every problem of a catalog document, each with its place (e.g. `regimens[DRd].settings[0].rank`)."""
    problems: list[Problem] = []

    def bad(place: str, message: str) -> None:
        problems.append(Problem(place, message))

    def check_keys(place: str, value: Any, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(value, dict):
            bad(place, "must be a mapping")
            return False
        for key in sorted(set(value) - allowed):
            bad(f"{place}.{key}", "unknown field")
        for key in sorted(required - set(value)):
            bad(f"{place}.{key}", "is required")
        return True

    def check_list(place: str, value: Any) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            bad(place, "must be a list")
            return []
        return value

    def check_choice(place: str, value: Any, allowed: set[str]) -> None:
        if value not in allowed:
            bad(place, f"unknown value {value!r} (expected one of {', '.join(sorted(allowed))})")

    if not check_keys("catalog", doc, TOP_KEYS, {"format", "classes", "drugs", "regimens"}):
        return problems
    if doc.get("format") != FORMAT:
        bad("format", f"must be {FORMAT!r}")

    class_codes: set[str] = set()
    for i, item in enumerate(check_list("classes", doc.get("classes"))):
        place = f"classes[{i}]"
        if check_keys(place, item, CLASS_KEYS, {"code", "name"}):
            code = item.get("code")
            if code in class_codes:
                bad(f"classes[{code}]", "duplicate class code")
            class_codes.add(code)

    drug_names: set[str] = set()
    for i, item in enumerate(check_list("drugs", doc.get("drugs"))):
        if not check_keys(f"drugs[{i}]", item, DRUG_KEYS, {"name", "class"}):
            continue
        name = item.get("name")
        place = f"drugs[{name}]"
        if name in drug_names:
            bad(place, "duplicate drug name")
        if isinstance(name, str) and name != name.lower():
            bad(f"{place}.name", "must be a lower-case generic name")
        drug_names.add(name)
        if item.get("class") not in class_codes:
            bad(f"{place}.class", f"unknown class {item.get('class')!r}")

    regimen_codes: set[str] = set()
    ranks: dict[tuple[str, str, int], str] = {}
    for i, reg in enumerate(check_list("regimens", doc.get("regimens"))):
        code = reg.get("code") if isinstance(reg, dict) else None
        place = f"regimens[{code if code is not None else i}]"
        if not check_keys(place, reg, REGIMEN_KEYS, {"code", "name", "components"}):
            continue
        if code in regimen_codes:
            bad(place, "duplicate regimen code")
        regimen_codes.add(code)
        check_choice(f"{place}.kind", reg.get("kind", "regimen"), KINDS)
        if reg.get("requires_cytogenetic") is not None:
            check_choice(f"{place}.requires_cytogenetic", reg["requires_cytogenetic"], CYTOGENETIC_REQUIREMENTS)

        seen_drugs: set[str] = set()
        active = 0
        for j, comp in enumerate(check_list(f"{place}.components", reg.get("components"))):
            cplace = f"{place}.components[{j}]"
            if not check_keys(cplace, comp, COMPONENT_KEYS, {"drug"}):
                continue
            drug = comp.get("drug")
            if drug not in drug_names:
                bad(f"{cplace}.drug", f"unknown drug {drug!r}")
            if drug in seen_drugs:
                bad(f"{cplace}.drug", f"{drug} appears twice in this regimen")
            seen_drugs.add(drug)
            role = comp.get("role", "active")
            check_choice(f"{cplace}.role", role, ROLES)
            active += role == "active"
        if reg.get("kind", "regimen") == "regimen" and not active:
            bad(f"{place}.components", "needs at least one active component")

        labels = reg.get("labels") or {}
        if not isinstance(labels, dict):
            bad(f"{place}.labels", "must be a mapping of jurisdiction to label")
            labels = {}
        for jurisdiction, label in labels.items():
            lplace = f"{place}.labels.{jurisdiction}"
            if jurisdiction not in JURISDICTIONS:
                bad(lplace, "jurisdiction must be US or EU")
            if not check_keys(lplace, label, LABEL_KEYS, {"status"}):
                continue
            check_choice(f"{lplace}.status", label.get("status"), LABEL_STATUSES)
            low, high = label.get("min_prior_lines"), label.get("max_prior_lines")
            if low is not None and high is not None and low > high:
                bad(f"{lplace}.max_prior_lines", f"{high} is below min_prior_lines {low}")
            for key, known, what in (
                ("classes_exposed", class_codes, "class"),
                ("classes_refractory", class_codes, "class"),
                ("drugs_exposed", drug_names, "drug"),
                ("drugs_refractory", drug_names, "drug"),
            ):
                for value in check_list(f"{lplace}.{key}", label.get(key)):
                    if value not in known:
                        bad(f"{lplace}.{key}", f"unknown {what} {value!r}")

        for j, pref in enumerate(check_list(f"{place}.settings", reg.get("settings"))):
            pplace = f"{place}.settings[{j}]"
            if not check_keys(pplace, pref, SETTING_KEYS, {"setting", "rank", "tier"}):
                continue
            setting, fitness = pref.get("setting"), pref.get("fitness", "any")
            check_choice(f"{pplace}.setting", setting, SETTINGS)
            check_choice(f"{pplace}.fitness", fitness, FITNESSES)
            check_choice(f"{pplace}.tier", pref.get("tier"), TIERS)
            rank = pref.get("rank")
            if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
                bad(f"{pplace}.rank", "must be a whole number from 1")
                continue
            key = (setting, fitness, rank)
            if key in ranks:
                bad(f"{pplace}.rank", f"rank {rank} in {setting} ({fitness}) is already taken by {ranks[key]}")
            ranks[key] = code

        for j, item in enumerate(check_list(f"{place}.cautions", reg.get("cautions"))):
            check_keys(f"{place}.cautions[{j}]", item, CAUTION_KEYS, {"code", "text"})
        for j, item in enumerate(check_list(f"{place}.toxicities", reg.get("toxicities"))):
            if check_keys(f"{place}.toxicities[{j}]", item, TOXICITY_KEYS, {"text"}):
                check_choice(f"{place}.toxicities[{j}].verification", item.get("verification"), VERIFICATIONS)
        for j, item in enumerate(check_list(f"{place}.regulatory", reg.get("regulatory"))):
            if check_keys(f"{place}.regulatory[{j}]", item, REGULATORY_KEYS, {"agency", "event"}):
                check_choice(f"{place}.regulatory[{j}].verification", item.get("verification"), VERIFICATIONS)
        for j, trial in enumerate(check_list(f"{place}.trials", reg.get("trials"))):
            tplace = f"{place}.trials[{j}]"
            if not check_keys(tplace, trial, TRIAL_KEYS, {"name"}):
                continue
            check_choice(f"{tplace}.verification", trial.get("verification"), VERIFICATIONS)
            for k, out in enumerate(check_list(f"{tplace}.outcomes", trial.get("outcomes"))):
                oplace = f"{tplace}.outcomes[{k}]"
                if not check_keys(oplace, out, OUTCOME_KEYS, {"metric", "analysis"}):
                    continue
                check_choice(f"{oplace}.verification", out.get("verification"), VERIFICATIONS)
                hr, low, high = out.get("hr"), out.get("ci_low"), out.get("ci_high")
                numbers = [v for v in (hr, low, high) if v is not None]
                if any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in numbers):
                    bad(f"{oplace}.hr", "HR and CI must be numbers")
                    continue
                if low is not None and high is not None and low > high:
                    bad(f"{oplace}.ci_low", f"CI {low}-{high} is reversed")
                if None not in (hr, low, high) and not (low <= hr <= high):
                    bad(f"{oplace}.hr", f"HR {hr} lies outside its CI {low}-{high}")

    text_codes: set[str] = set()
    for i, item in enumerate(check_list("texts", doc.get("texts"))):
        if not check_keys(f"texts[{i}]", item, TEXT_KEYS, {"code", "kind", "text"}):
            continue
        if item["code"] in text_codes:
            bad(f"texts[{item['code']}]", "duplicate text code")
        text_codes.add(item["code"])
        check_choice(f"texts[{item['code']}].kind", item.get("kind"), TEXT_KINDS)
    return problems


# --- normal form ---------------------------------------------------------------------------------------
# Export writes the normal form; load compares normal forms, so export -> load changes nothing.


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (float, Decimal)) else value


def normal_regimen(reg: dict[str, Any]) -> dict[str, Any]:
    labels = reg.get("labels") or {}
    return {
        "code": reg["code"],
        "name": reg["name"],
        "kind": reg.get("kind", "regimen"),
        "description": _text(reg.get("description")),
        "active": bool(reg.get("active", True)),
        "all_oral": bool(reg.get("all_oral", False)),
        "intensive": bool(reg.get("intensive", False)),
        "exempt_from_two_drug_rule": bool(reg.get("exempt_from_two_drug_rule", False)),
        "requires_cytogenetic": _text(reg.get("requires_cytogenetic")),
        "off_label_by_design": bool(reg.get("off_label_by_design", False)),
        "components": [{"drug": c["drug"], "role": c.get("role", "active")} for c in reg.get("components") or []],
        "labels": {
            jurisdiction: {
                "status": label["status"],
                "date": _text(label.get("date")),
                "min_prior_lines": label.get("min_prior_lines"),
                "max_prior_lines": label.get("max_prior_lines"),
                "classes_exposed": sorted(label.get("classes_exposed") or []),
                "drugs_exposed": sorted(label.get("drugs_exposed") or []),
                "drugs_refractory": sorted(label.get("drugs_refractory") or []),
                "classes_refractory": sorted(label.get("classes_refractory") or []),
                "progression_on_last_line": bool(label.get("progression_on_last_line", False)),
                "text": _text(label.get("text")),
            }
            for jurisdiction, label in sorted(labels.items())
        },
        "settings": sorted(
            (
                {
                    "setting": p["setting"],
                    "fitness": p.get("fitness", "any"),
                    "rank": p["rank"],
                    "tier": p["tier"],
                    "note": _text(p.get("note")),
                }
                for p in reg.get("settings") or []
            ),
            key=lambda p: (p["setting"], p["fitness"], p["rank"]),
        ),
        "cautions": sorted(
            ({"code": c["code"], "text": c["text"]} for c in reg.get("cautions") or []), key=lambda c: c["code"]
        ),
        "toxicities": [
            {"text": t["text"], "verification": t.get("verification", "from_memory"), "source": _text(t.get("source"))}
            for t in reg.get("toxicities") or []
        ],
        "regulatory": [
            {
                "agency": r["agency"],
                "date": _text(r.get("date")),
                "event": r["event"],
                "verification": r.get("verification", "from_memory"),
                "source": _text(r.get("source")),
            }
            for r in reg.get("regulatory") or []
        ],
        "trials": [_normal_trial(t) for t in reg.get("trials") or []],
    }


def _normal_trial(trial: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": trial["name"],
        "registry_id": _text(trial.get("registry_id")),
        "phase": _text(trial.get("phase")),
        "comparator": _text(trial.get("comparator")),
        "n_randomized": trial.get("n_randomized"),
        "population": _text(trial.get("population")),
        "citation": _text(trial.get("citation")),
        "pubmed_id": _text(trial.get("pubmed_id")),
        "doi": _text(trial.get("doi")),
        "verification": trial.get("verification", "from_memory"),
        "outcomes": [
            {
                "metric": o["metric"],
                "analysis": o["analysis"],
                "experimental": _text(o.get("experimental")),
                "control": _text(o.get("control")),
                "unit": _text(o.get("unit")),
                "hr": _number(o.get("hr")),
                "ci_low": _number(o.get("ci_low")),
                "ci_high": _number(o.get("ci_high")),
                "ci_level": _text(o.get("ci_level")),
                "p": _text(o.get("p")),
                "source": _text(o.get("source")),
                "verification": o.get("verification", "from_memory"),
                "field_verification": dict(sorted((o.get("field_verification") or {}).items())),
                "note": _text(o.get("note")),
            }
            for o in trial.get("outcomes") or []
        ],
    }


def normal_class(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "name": item["name"], "cross_resistant": bool(item.get("cross_resistant", False))}


def normal_drug(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": item["name"],
        "class": item["class"],
        "route": _text(item.get("route")),
        "oral": bool(item.get("oral", False)),
        "supportive_only": bool(item.get("supportive_only", False)),
        "lymphodepletion": bool(item.get("lymphodepletion", False)),
    }


def normal_text(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "kind": item["kind"], "text": item["text"]}


# --- export from the database ------------------------------------------------------------------------


def regimen_queryset():
    """Every regimen with all its rows, in a constant number of queries."""
    return m.Regimen.objects.prefetch_related(
        Prefetch("components", queryset=m.RegimenComponent.objects.select_related("drug")),
        Prefetch(
            "labels",
            queryset=m.RegimenLabel.objects.prefetch_related(
                "classes_exposed", "drugs_exposed", "drugs_refractory", "classes_refractory"
            ),
        ),
        "preferences",
        "cautions",
        "toxicities",
        "regulatory_events",
        Prefetch("trials", queryset=m.Trial.objects.prefetch_related("outcomes")),
    )


def regimen_document(reg: m.Regimen) -> dict[str, Any]:
    """One regimen as a catalog-document entry (expects `regimen_queryset()` prefetches)."""
    return normal_regimen(
        {
            "code": reg.code,
            "name": reg.name,
            "kind": reg.kind,
            "description": reg.description,
            "active": reg.active,
            "all_oral": reg.all_oral,
            "intensive": reg.intensive,
            "exempt_from_two_drug_rule": reg.exempt_from_two_drug_rule,
            "requires_cytogenetic": reg.requires_cytogenetic,
            "off_label_by_design": reg.off_label_by_design,
            "components": [{"drug": c.drug.name, "role": c.role} for c in reg.components.all()],
            "labels": {
                label.jurisdiction: {
                    "status": label.status,
                    "date": label.date,
                    "min_prior_lines": label.min_prior_lines,
                    "max_prior_lines": label.max_prior_lines,
                    "classes_exposed": [c.code for c in label.classes_exposed.all()],
                    "drugs_exposed": [d.name for d in label.drugs_exposed.all()],
                    "drugs_refractory": [d.name for d in label.drugs_refractory.all()],
                    "classes_refractory": [c.code for c in label.classes_refractory.all()],
                    "progression_on_last_line": label.progression_on_last_line,
                    "text": label.text,
                }
                for label in reg.labels.all()
            },
            "settings": [
                {"setting": p.setting, "fitness": p.fitness, "rank": p.rank, "tier": p.tier, "note": p.note}
                for p in reg.preferences.all()
            ],
            "cautions": [{"code": c.code, "text": c.text} for c in reg.cautions.all()],
            "toxicities": [
                {"text": t.text, "verification": t.verification, "source": t.source} for t in reg.toxicities.all()
            ],
            "regulatory": [
                {
                    "agency": r.agency,
                    "date": r.date,
                    "event": r.event,
                    "verification": r.verification,
                    "source": r.source,
                }
                for r in reg.regulatory_events.all()
            ],
            "trials": [
                {
                    "name": t.name,
                    "registry_id": t.registry_id,
                    "phase": t.phase,
                    "comparator": t.comparator,
                    "n_randomized": t.n_randomized,
                    "population": t.population,
                    "citation": t.citation,
                    "pubmed_id": t.pubmed_id,
                    "doi": t.doi,
                    "verification": t.verification,
                    "outcomes": [
                        {
                            "metric": o.metric,
                            "analysis": o.analysis,
                            "experimental": o.experimental,
                            "control": o.control,
                            "unit": o.unit,
                            "hr": o.hr,
                            "ci_low": o.ci_low,
                            "ci_high": o.ci_high,
                            "ci_level": o.ci_level,
                            "p": o.p,
                            "source": o.source,
                            "verification": o.verification,
                            "field_verification": o.field_verification,
                            "note": o.note,
                        }
                        for o in t.outcomes.all()
                    ],
                }
                for t in reg.trials.all()
            ],
        }
    )


def export_document(label: str | None = None) -> dict[str, Any]:
    """The whole catalog in the database as a catalog document (normal form, deterministic order)."""
    return {
        "format": FORMAT,
        "label": label,
        "classes": [
            normal_class({"code": c.code, "name": c.name, "cross_resistant": c.cross_resistant})
            for c in m.DrugClass.objects.order_by("code")
        ],
        "drugs": [
            normal_drug(
                {
                    "name": d.name,
                    "class": d.drug_class.code,
                    "route": d.route,
                    "oral": d.oral,
                    "supportive_only": d.supportive_only,
                    "lymphodepletion": d.lymphodepletion,
                }
            )
            for d in m.Drug.objects.select_related("drug_class").order_by("name")
        ],
        "regimens": [regimen_document(reg) for reg in regimen_queryset().order_by("code")],
        "texts": [
            normal_text({"code": t.code, "kind": t.kind, "text": t.text})
            for t in m.EngineText.objects.order_by("kind", "code")
        ],
    }


# --- the engine's catalog, cached per release ------------------------------------------------------------

_cache_lock = threading.Lock()
_engine_catalogs: dict[int, Any] = {}


def latest_release() -> m.CatalogRelease | None:
    return m.CatalogRelease.objects.defer("snapshot").order_by("-id").first()


def engine_catalog(release: m.CatalogRelease | None = None):
    """The engine Catalog of a release (the latest by default), built once per release per process."""
    from regimens.engine import Catalog

    release = release or latest_release()
    if release is None:
        raise LookupError("No catalog has been loaded yet: run `manage.py load_catalog`.")
    cached = _engine_catalogs.get(release.pk)
    if cached is not None:
        return cached
    with _cache_lock:
        if release.pk not in _engine_catalogs:
            snapshot = m.CatalogRelease.objects.values_list("snapshot", flat=True).get(pk=release.pk)
            _engine_catalogs.clear()  # only the newest release is kept warm
            _engine_catalogs[release.pk] = Catalog.from_dict(snapshot, version=release.label)
        return _engine_catalogs[release.pk]
