"""Writes to the catalog. Every change ends in `release_create`, the one place a CatalogRelease is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from regimens import catalog as doc
from regimens import models as m


def _next_label(today: date) -> str:
    """Release labels read `YYYY-MM-DD.N`: the day and that day's sequence number."""
    prefix = today.isoformat()
    count = m.CatalogRelease.objects.filter(label__startswith=f"{prefix}.").count()
    return f"{prefix}.{count + 1}"


@transaction.atomic
def release_create(*, by=None, note: str = "", origin: str = m.ReleaseOrigin.ADMIN) -> m.CatalogRelease | None:
    """Stamp a new release when the catalog content differs from the latest release; else return None."""
    document = doc.export_document()
    digest = doc.content_hash(document)
    latest = m.CatalogRelease.objects.select_for_update().order_by("-id").only("content_hash").first()
    if latest is not None and latest.content_hash == digest:
        return None
    label = _next_label(timezone.localdate())
    document["label"] = label
    active = next((p["code"] for p in document.get("pathways") or [] if p["active"]), "")
    return m.CatalogRelease.objects.create(
        label=label,
        created_by=by,
        note=note[:300],
        content_hash=digest,
        snapshot=document,
        pathway=active,
        origin=origin,
    )


@dataclass(frozen=True)
class LoadResult:
    created: list[str]
    updated: list[str]
    unchanged: int
    release: m.CatalogRelease | None

    @property
    def changed(self) -> bool:
        return self.release is not None


class CatalogEditedError(Exception):
    """The catalog was edited in the admin since the last load; loading the file would overwrite those edits."""

    def __init__(self, differences: list[str], edited_by: list[str]) -> None:
        self.differences = differences
        self.edited_by = edited_by
        super().__init__(
            "the catalog was edited in the admin since the last load"
            + (f" ({'; '.join(edited_by)})" if edited_by else "")
            + ": loading this file would overwrite "
            + ("; ".join(differences) if differences else "nothing")
        )


def catalog_edits_since_load() -> list[m.CatalogRelease]:
    """The releases made in the admin after the last file load (all of them when nothing was ever loaded)."""
    last_load = m.CatalogRelease.objects.filter(origin=m.ReleaseOrigin.LOAD).order_by("-id").values("id").first()
    edits = m.CatalogRelease.objects.filter(origin=m.ReleaseOrigin.ADMIN).select_related("created_by")
    if last_load is not None:
        edits = edits.filter(id__gt=last_load["id"])
    return list(edits.defer("snapshot").order_by("id"))


def catalog_differences(document: dict[str, Any]) -> list[str]:
    """What loading the document would change in the catalog as it is now: regimens, pathways and texts."""
    current = doc.export_document()
    differences: list[str] = []
    for key, normal, name in (
        ("regimens", doc.normal_regimen, "code"),
        ("pathways", doc.normal_pathway, "code"),
        ("texts", doc.normal_text, "code"),
        ("drugs", doc.normal_drug, "name"),
        ("classes", doc.normal_class, "code"),
    ):
        have = {item[name]: item for item in current.get(key) or []}
        changed = sorted(
            item[name] for item in map(normal, document.get(key) or []) if have.get(item[name]) not in (None, item)
        )
        if changed:
            differences.append(f"{key} that differ: {', '.join(changed)}")
    return differences


def catalog_load(*, document: dict[str, Any], by=None, note: str = "", force: bool = False) -> LoadResult:
    """Validate a catalog document, then upsert it by code. Idempotent: nothing changes on a second load.

    When the catalog was edited in the admin since the last load and the file would change any of those edits,
    the load is refused with `CatalogEditedError` naming what differs, unless `force` is given.

    Classes, drugs and texts are upserted by their keys; a regimen whose content differs is rewritten as a
    whole (its components, labels and evidence), and so is a pathway with its entries. Entries absent from the
    document are kept; the document's active pathway becomes the only active one.
    """
    problems = doc.validate_document(document) or _too_long(document)
    if problems:
        raise doc.CatalogFileError(problems)
    if not force:
        edits = catalog_edits_since_load()
        if edits:
            differences = catalog_differences(document)
            if differences:
                who = [f"{e.label} by {e.created_by or 'unknown'}: {e.note}" for e in edits[-3:]]
                raise CatalogEditedError(differences, who)
    try:
        return _load(document, by=by, note=note)
    except IntegrityError as exc:
        raise doc.CatalogFileError([doc.Problem("catalog", f"conflicts with the catalog in the database: {exc}")])


# Which model field each text of the document is stored in, so that lengths are checked before writing.
_LENGTHS = {
    "classes": (m.DrugClass, ["code", "name"]),
    "drugs": (m.Drug, ["name", "route"]),
    "texts": (m.EngineText, ["code"]),
}
_REGIMEN_PARTS = {
    None: (m.Regimen, ["code", "name"]),
    "cautions": (m.RegimenCaution, ["code"]),
    "regulatory": (m.RegulatoryEvent, ["agency", "date"]),
    "trials": (m.Trial, ["name", "registry_id", "phase", "comparator", "citation", "pubmed_id", "doi"]),
}
_OUTCOME_FIELDS = ["metric", "analysis", "experimental", "control", "unit", "ci_level", "p", "subgroup", "published"]


def _too_long(document: dict[str, Any]) -> list[doc.Problem]:
    problems: list[doc.Problem] = []

    def check(model, fields, item, place):
        for name in fields:
            limit = model._meta.get_field(name).max_length
            value = item.get(name)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(str(value)) > limit:
                problems.append(doc.Problem(f"{place}.{name}", f"is {len(str(value))} characters; at most {limit}"))

    for key, (model, fields) in _LENGTHS.items():
        for i, item in enumerate(document.get(key) or []):
            check(model, fields, item, f"{key}[{i}]")
    for reg in document.get("regimens") or []:
        place = f"regimens[{reg.get('code')}]"
        for part, (model, fields) in _REGIMEN_PARTS.items():
            items = [reg] if part is None else reg.get(part) or []
            for j, item in enumerate(items):
                check(model, fields, item, place if part is None else f"{place}.{part}[{j}]")
        for jurisdiction, label in (reg.get("labels") or {}).items():
            check(m.RegimenLabel, ["date", "text"], label, f"{place}.labels.{jurisdiction}")
        for j, trial in enumerate(reg.get("trials") or []):
            for k, outcome in enumerate(trial.get("outcomes") or []):
                check(m.Outcome, _OUTCOME_FIELDS, outcome, f"{place}.trials[{j}].outcomes[{k}]")
    for pathway in document.get("pathways") or []:
        place = f"pathways[{pathway.get('code')}]"
        check(m.Pathway, ["code", "title", "date"], pathway, place)
        for j, entry in enumerate(pathway.get("entries") or []):
            check(m.SettingPreference, ["note"], entry, f"{place}.entries[{j}]")
    return problems


@transaction.atomic
def _load(document: dict[str, Any], *, by, note: str) -> LoadResult:
    classes = {c.code: c for c in m.DrugClass.objects.all()}
    for item in map(doc.normal_class, document.get("classes") or []):
        current = classes.get(item["code"])
        if current is None:
            classes[item["code"]] = m.DrugClass.objects.create(**item)
        elif (current.name, current.cross_resistant) != (item["name"], item["cross_resistant"]):
            current.name, current.cross_resistant = item["name"], item["cross_resistant"]
            current.save()

    drugs = {d.name: d for d in m.Drug.objects.select_related("drug_class")}
    for item in map(doc.normal_drug, document.get("drugs") or []):
        values = {
            "drug_class": classes[item["class"]],
            "route": item["route"] or "",
            "oral": item["oral"],
            "supportive_only": item["supportive_only"],
            "lymphodepletion": item["lymphodepletion"],
        }
        current_drug = drugs.get(item["name"])
        if current_drug is None:
            drugs[item["name"]] = m.Drug.objects.create(name=item["name"], **values)
        elif any(getattr(current_drug, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(current_drug, key, value)
            current_drug.save()

    existing = {reg.code: reg for reg in doc.regimen_queryset()}
    incoming = [doc.normal_regimen(reg) for reg in document.get("regimens") or []]
    created, updated, unchanged = [], [], 0
    changed: list[dict[str, Any]] = []
    for reg in incoming:
        current = existing.get(reg["code"])
        if current is None:
            created.append(reg["code"])
            changed.append(reg)
        elif doc.regimen_document(current) != reg:
            updated.append(reg["code"])
            changed.append(reg)
        else:
            unchanged += 1

    # Children of every changed regimen go first, so that ranks can move between regimens in one load.
    for reg in changed:
        if reg["code"] in existing:
            _delete_children(existing[reg["code"]])
    _write_regimens(changed, existing, classes=classes, drugs=drugs, by=by)

    _load_pathways(document, by=by)

    texts = {t.code: t for t in m.EngineText.objects.all()}
    for item in map(doc.normal_text, document.get("texts") or []):
        current_text = texts.get(item["code"])
        if current_text is None:
            m.EngineText.objects.create(**item)
        elif (current_text.kind, current_text.text) != (item["kind"], item["text"]):
            current_text.kind, current_text.text = item["kind"], item["text"]
            current_text.save()

    release = release_create(
        by=by, note=note or f"load_catalog: {document.get('label') or 'file'}", origin=m.ReleaseOrigin.LOAD
    )
    if release is None:  # nothing changed, but the database now matches a loaded file again
        latest = m.CatalogRelease.objects.order_by("-id").first()
        if latest is not None and latest.origin != m.ReleaseOrigin.LOAD:
            latest.origin = m.ReleaseOrigin.LOAD
            latest.save(update_fields=["origin"])
    return LoadResult(created=created, updated=updated, unchanged=unchanged, release=release)


def _delete_children(regimen: m.Regimen) -> None:
    # Queryset deletes still send post_delete per row, so every deletion is in the history.
    for manager in (
        regimen.outcomes,
        regimen.trials,
        regimen.components,
        regimen.labels,
        regimen.cautions,
        regimen.toxicities,
        regimen.regulatory_events,
    ):
        manager.all().delete()


def _bulk(model, rows: list, by) -> list:
    """bulk_create that still writes one history row per created row."""
    if not rows:
        return []
    return bulk_create_with_history(rows, model, batch_size=500, default_user=by)


def _write_regimens(changed: list[dict[str, Any]], existing: dict[str, m.Regimen], *, classes, drugs, by) -> None:
    regimens: dict[str, m.Regimen] = {}
    new_rows = []
    for reg in changed:
        fields = {
            "name": reg["name"],
            "kind": reg["kind"],
            "description": reg["description"] or "",
            "active": reg["active"],
            "all_oral": reg["all_oral"],
            "intensive": reg["intensive"],
            "exempt_from_two_drug_rule": reg["exempt_from_two_drug_rule"],
            "requires_cytogenetic": reg["requires_cytogenetic"] or "",
            "off_label_by_design": reg["off_label_by_design"],
            "carfilzomib_twice_weekly": reg["carfilzomib_twice_weekly"],
            "multi_agent_chemotherapy": reg["multi_agent_chemotherapy"],
            "high_dose_dexamethasone": reg["high_dose_dexamethasone"],
        }
        regimen = existing.get(reg["code"])
        if regimen is None:
            new_rows.append(m.Regimen(code=reg["code"], **fields))
        else:
            for key, value in fields.items():
                setattr(regimen, key, value)
            regimen.save()
            regimens[reg["code"]] = regimen
    for regimen in _bulk(m.Regimen, new_rows, by):
        regimens[regimen.code] = regimen
    if any(r.pk is None for r in regimens.values()):  # databases that return no primary keys
        regimens.update({r.code: r for r in m.Regimen.objects.filter(code__in=list(regimens))})

    components, cautions, toxicities, events, trials = [], [], [], [], []
    trial_outcomes: list[tuple[m.Trial, list[dict[str, Any]]]] = []
    for reg in changed:
        regimen = regimens[reg["code"]]
        components += [
            m.RegimenComponent(regimen=regimen, drug=drugs[c["drug"]], role=c["role"], position=i)
            for i, c in enumerate(reg["components"])
        ]
        for jurisdiction, label in reg["labels"].items():  # few rows, and each has many-to-many fields
            row = m.RegimenLabel.objects.create(
                regimen=regimen,
                jurisdiction=jurisdiction,
                status=label["status"],
                date=label["date"] or "",
                min_prior_lines=label["min_prior_lines"],
                max_prior_lines=label["max_prior_lines"],
                progression_on_last_line=label["progression_on_last_line"],
                text=label["text"] or "",
            )
            row.classes_exposed.set([classes[c] for c in label["classes_exposed"]])
            row.drugs_exposed.set([drugs[d] for d in label["drugs_exposed"]])
            row.drugs_refractory.set([drugs[d] for d in label["drugs_refractory"]])
            row.classes_refractory.set([classes[c] for c in label["classes_refractory"]])
        cautions += [m.RegimenCaution(regimen=regimen, **c) for c in reg["cautions"]]
        toxicities += [
            m.Toxicity(
                regimen=regimen, position=i, text=t["text"], verification=t["verification"], source=t["source"] or ""
            )
            for i, t in enumerate(reg["toxicities"])
        ]
        events += [
            m.RegulatoryEvent(
                regimen=regimen,
                position=i,
                agency=e["agency"],
                date=e["date"] or "",
                event=e["event"],
                verification=e["verification"],
                source=e["source"] or "",
            )
            for i, e in enumerate(reg["regulatory"])
        ]
        for i, t in enumerate(reg["trials"]):
            trial = m.Trial(
                regimen=regimen,
                position=i,
                name=t["name"],
                registry_id=t["registry_id"] or "",
                phase=t["phase"] or "",
                comparator=t["comparator"] or "",
                n_randomized=t["n_randomized"],
                population=t["population"] or "",
                citation=t["citation"] or "",
                pubmed_id=t["pubmed_id"] or "",
                doi=t["doi"] or "",
                verification=t["verification"],
                key_exclusions=t["key_exclusions"],
            )
            trials.append(trial)
            trial_outcomes.append((trial, t["outcomes"]))
    for model, rows in (
        (m.RegimenComponent, components),
        (m.RegimenCaution, cautions),
        (m.Toxicity, toxicities),
        (m.RegulatoryEvent, events),
    ):
        _bulk(model, rows, by)
    saved_trials = _bulk(m.Trial, trials, by)
    if any(t.pk is None for t in saved_trials):
        for trial in trials:
            trial.pk = m.Trial.objects.get(regimen=trial.regimen, position=trial.position).pk
    outcomes = [
        m.Outcome(
            regimen=trial.regimen,
            trial=trial,
            position=i,
            metric=o["metric"],
            analysis=o["analysis"],
            experimental=o["experimental"] or "",
            control=o["control"] or "",
            unit=o["unit"] or "",
            hr=o["hr"],
            ci_low=o["ci_low"],
            ci_high=o["ci_high"],
            ci_level=o["ci_level"] or "",
            p=o["p"] or "",
            source=o["source"] or "",
            verification=o["verification"],
            field_verification=o["field_verification"],
            note=o["note"] or "",
            subgroup=o["subgroup"] or "",
            published=o["published"] or "",
        )
        for trial, rows in trial_outcomes
        for i, o in enumerate(rows)
    ]
    _bulk(m.Outcome, outcomes, by)


def _load_pathways(document: dict[str, Any], *, by) -> None:
    """Upsert the document's pathways by code; a changed pathway's entries are rewritten as a whole."""
    incoming = [doc.normal_pathway(p) for p in document.get("pathways") or []]
    if not incoming:
        return
    existing = {p.code: p for p in doc.pathway_queryset()}
    active = next((p["code"] for p in incoming if p["active"]), None)
    if active is not None:  # one active pathway: the document's choice wins
        for pathway in m.Pathway.objects.filter(active=True).exclude(code=active):
            pathway.active = False
            pathway.save()  # one by one, so each change is in the history
    regimens = {r.code: r for r in m.Regimen.objects.only("id", "code")}
    entries = []
    for item in incoming:
        current = existing.get(item["code"])
        if current is not None and doc.pathway_document(current) == item:
            continue
        fields = {
            "title": item["title"],
            "source": item["source"] or "",
            "date": item["date"] or "",
            "description": item["description"] or "",
            "active": item["active"],
        }
        if current is None:
            current = m.Pathway.objects.create(code=item["code"], **fields)
        else:
            for key, value in fields.items():
                setattr(current, key, value)
            current.save()
            if doc.pathway_document(current)["entries"] == item["entries"]:
                continue
            current.entries.all().delete()
        entries += [
            m.SettingPreference(
                pathway=current,
                regimen=regimens[e["regimen"]],
                setting=e["setting"],
                fitness=e["fitness"],
                rank=e["rank"],
                tier=e["tier"],
                note=e["note"] or "",
                note_applies_if=e["note_applies_if"],
            )
            for e in item["entries"]
        ]
    _bulk(m.SettingPreference, entries, by)
