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

FORMAT = "myeloma-cds-catalog/2"
FORMAT_1 = "myeloma-cds-catalog/1"
DEFAULT_CATALOG_FILE = Path(__file__).resolve().parent / "catalog" / "default.yaml"


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
    except UnicodeDecodeError as exc:
        raise CatalogFileError(
            [Problem(str(path), f"is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8")]
        ) from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CatalogFileError([Problem(str(path), f"is not valid YAML/JSON ({_parse_error(exc)})")]) from exc
    if not isinstance(data, dict):
        raise CatalogFileError([Problem(str(path), "must contain a mapping at the top level")])
    return data


def _parse_error(exc: Exception) -> str:
    """The parser's complaint on one line (YAML's own message quotes the line, with a caret under it)."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem or exc.context}: line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


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
    """Every problem of a catalog document, each with its place (e.g. `regimens[DRd].settings[0].rank`).

    The engine's own catalog builder is the one validator, so a file that loads is a file the engine can use.
    """
    from regimens.engine import Catalog, CatalogError

    try:
        Catalog.from_dict(doc, version="validation")
    except CatalogError as exc:
        return [Problem(*p.split(": ", 1)) if ": " in p else Problem("catalog", p) for p in exc.problems]
    return []


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
        "carfilzomib_twice_weekly": bool(reg.get("carfilzomib_twice_weekly", False)),
        "multi_agent_chemotherapy": bool(reg.get("multi_agent_chemotherapy", False)),
        "high_dose_dexamethasone": bool(reg.get("high_dose_dexamethasone", False)),
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
        "cautions": sorted(
            (
                {"code": c["code"], "text": c["text"], "applies_if": [str(x) for x in c.get("applies_if") or []]}
                for c in reg.get("cautions") or []
            ),
            key=lambda c: c["code"],
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
        "key_exclusions": [str(x) for x in trial.get("key_exclusions") or []],
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
                "subgroup": _text(o.get("subgroup")),
                "published": _text(o.get("published")),
            }
            for o in trial.get("outcomes") or []
        ],
    }


def normal_pathway(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": item["code"],
        "title": item["title"],
        "source": _text(item.get("source")),
        "date": _text(item.get("date")),
        "active": bool(item.get("active", False)),
        "description": _text(item.get("description")),
        "entries": sorted(
            (
                {
                    "setting": e["setting"],
                    "fitness": e.get("fitness", "any"),
                    "regimen": e["regimen"],
                    "rank": e["rank"],
                    "tier": e["tier"],
                    "note": _text(e.get("note")),
                    "note_applies_if": [str(x) for x in e.get("note_applies_if") or []],
                }
                for e in item.get("entries") or []
            ),
            key=lambda e: (SETTING_ORDER.get(e["setting"], 99), FITNESS_ORDER.get(e["fitness"], 99), e["rank"]),
        ),
    }


SETTING_ORDER = {
    "first_relapse_len_sensitive": 0,
    "first_relapse_len_refractory": 1,
    "second_plus_relapse": 2,
    "triple_class_exposed": 3,
    "pcl_or_emd": 4,
}
FITNESS_ORDER = {"any": 0, "fit": 1, "frail": 2}


def upgrade_document(document: dict[str, Any]) -> dict[str, Any]:
    """A format-1 document (one order kept in each regimen's `settings`, as releases made before pathways hold)
    read as format 2 with that order as its one, active pathway, so an old release still runs exactly."""
    if document.get("format") != FORMAT_1:
        return document
    upgraded = {key: value for key, value in document.items() if key != "regimens"}
    upgraded["format"] = FORMAT
    entries = []
    regimens = []
    for reg in document.get("regimens") or []:
        reg = dict(reg)
        for entry in reg.pop("settings", None) or []:
            entries.append({**entry, "regimen": reg["code"]})
        regimens.append(reg)
    upgraded["regimens"] = regimens
    upgraded["pathways"] = [
        {
            "code": "order-before-pathways",
            "title": "Order before pathways",
            "active": True,
            "description": "The catalog's single order of options before named pathways were introduced.",
            "entries": entries,
        }
    ]
    return upgraded


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
            "carfilzomib_twice_weekly": reg.carfilzomib_twice_weekly,
            "multi_agent_chemotherapy": reg.multi_agent_chemotherapy,
            "high_dose_dexamethasone": reg.high_dose_dexamethasone,
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
            "cautions": [{"code": c.code, "text": c.text, "applies_if": c.applies_if} for c in reg.cautions.all()],
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
                    "key_exclusions": t.key_exclusions,
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
                            "subgroup": o.subgroup,
                            "published": o.published,
                        }
                        for o in t.outcomes.all()
                    ],
                }
                for t in reg.trials.all()
            ],
        }
    )


def pathway_queryset():
    return m.Pathway.objects.prefetch_related(
        Prefetch("entries", queryset=m.SettingPreference.objects.select_related("regimen"))
    ).order_by("code")


def pathway_document(pathway: m.Pathway) -> dict[str, Any]:
    """One pathway as a catalog-document entry (expects `pathway_queryset()` prefetches)."""
    return normal_pathway(
        {
            "code": pathway.code,
            "title": pathway.title,
            "source": pathway.source,
            "date": pathway.date,
            "active": pathway.active,
            "description": pathway.description,
            "entries": [
                {
                    "setting": e.setting,
                    "fitness": e.fitness,
                    "regimen": e.regimen.code,
                    "rank": e.rank,
                    "tier": e.tier,
                    "note": e.note,
                    "note_applies_if": e.note_applies_if,
                }
                for e in pathway.entries.all()
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
        "pathways": [pathway_document(p) for p in pathway_queryset()],
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
            _engine_catalogs[release.pk] = Catalog.from_dict(upgrade_document(snapshot), version=release.label)
        return _engine_catalogs[release.pk]


def cached_engine_catalog(version: str):
    """The engine catalog of a release label if this process has it built already (no query), else None."""
    for catalog in list(_engine_catalogs.values()):
        if catalog.version == version:
            return catalog
    return None
