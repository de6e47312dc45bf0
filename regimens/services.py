"""Writes to the catalog. Every change ends in `release_create`, the one place a CatalogRelease is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from regimens import catalog as doc
from regimens import models as m


def _next_label(today: date) -> str:
    """Release labels read `YYYY-MM-DD.N`: the day and that day's sequence number."""
    prefix = today.isoformat()
    count = m.CatalogRelease.objects.filter(label__startswith=f"{prefix}.").count()
    return f"{prefix}.{count + 1}"


@transaction.atomic
def release_create(*, by=None, note: str = "") -> m.CatalogRelease | None:
    """Stamp a new release when the catalog content differs from the latest release; else return None."""
    document = doc.export_document()
    digest = doc.content_hash(document)
    latest = m.CatalogRelease.objects.select_for_update().order_by("-id").only("content_hash").first()
    if latest is not None and latest.content_hash == digest:
        return None
    label = _next_label(timezone.localdate())
    document["label"] = label
    return m.CatalogRelease.objects.create(
        label=label, created_by=by, note=note[:300], content_hash=digest, snapshot=document
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


def catalog_load(*, document: dict[str, Any], by=None, note: str = "") -> LoadResult:
    """Validate a catalog document, then upsert it by code. Idempotent: nothing changes on a second load.

    Classes, drugs and texts are upserted by their keys; a regimen whose content differs is rewritten as a
    whole (its components, labels, preferences and evidence). Entries absent from the document are kept.
    """
    problems = doc.validate_document(document)
    if problems:
        raise doc.CatalogFileError(problems)
    try:
        return _load(document, by=by, note=note)
    except IntegrityError as exc:
        raise doc.CatalogFileError([doc.Problem("catalog", f"conflicts with the catalog in the database: {exc}")])


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
        current = drugs.get(item["name"])
        if current is None:
            drugs[item["name"]] = m.Drug.objects.create(name=item["name"], **values)
        elif any(getattr(current, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save()

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
    for reg in changed:
        _write_regimen(reg, existing.get(reg["code"]), classes=classes, drugs=drugs)

    texts = {t.code: t for t in m.EngineText.objects.all()}
    for item in map(doc.normal_text, document.get("texts") or []):
        current = texts.get(item["code"])
        if current is None:
            m.EngineText.objects.create(**item)
        elif (current.kind, current.text) != (item["kind"], item["text"]):
            current.kind, current.text = item["kind"], item["text"]
            current.save()

    release = release_create(by=by, note=note or f"load_catalog: {document.get('label') or 'file'}")
    return LoadResult(created=created, updated=updated, unchanged=unchanged, release=release)


def _delete_children(regimen: m.Regimen) -> None:
    for manager in (
        regimen.outcomes,
        regimen.trials,
        regimen.components,
        regimen.labels,
        regimen.preferences,
        regimen.cautions,
        regimen.toxicities,
        regimen.regulatory_events,
    ):
        for row in manager.all():  # one by one, so that every deletion is in the history
            row.delete()


def _write_regimen(reg: dict[str, Any], regimen: m.Regimen | None, *, classes, drugs) -> None:
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
    }
    if regimen is None:
        regimen = m.Regimen.objects.create(code=reg["code"], **fields)
    else:
        for key, value in fields.items():
            setattr(regimen, key, value)
        regimen.save()

    for position, comp in enumerate(reg["components"]):
        m.RegimenComponent.objects.create(
            regimen=regimen, drug=drugs[comp["drug"]], role=comp["role"], position=position
        )
    for jurisdiction, label in reg["labels"].items():
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
    for pref in reg["settings"]:
        m.SettingPreference.objects.create(
            regimen=regimen,
            setting=pref["setting"],
            fitness=pref["fitness"],
            rank=pref["rank"],
            tier=pref["tier"],
            note=pref["note"] or "",
        )
    for caution in reg["cautions"]:
        m.RegimenCaution.objects.create(regimen=regimen, **caution)
    for position, tox in enumerate(reg["toxicities"]):
        m.Toxicity.objects.create(
            regimen=regimen,
            position=position,
            text=tox["text"],
            verification=tox["verification"],
            source=tox["source"] or "",
        )
    for position, event in enumerate(reg["regulatory"]):
        m.RegulatoryEvent.objects.create(
            regimen=regimen,
            position=position,
            agency=event["agency"],
            date=event["date"] or "",
            event=event["event"],
            verification=event["verification"],
            source=event["source"] or "",
        )
    for position, trial in enumerate(reg["trials"]):
        row = m.Trial.objects.create(
            regimen=regimen,
            position=position,
            name=trial["name"],
            registry_id=trial["registry_id"] or "",
            phase=trial["phase"] or "",
            comparator=trial["comparator"] or "",
            n_randomized=trial["n_randomized"],
            population=trial["population"] or "",
            citation=trial["citation"] or "",
            pubmed_id=trial["pubmed_id"] or "",
            doi=trial["doi"] or "",
            verification=trial["verification"],
        )
        for opos, out in enumerate(trial["outcomes"]):
            m.Outcome.objects.create(
                regimen=regimen,
                trial=row,
                position=opos,
                metric=out["metric"],
                analysis=out["analysis"],
                experimental=out["experimental"] or "",
                control=out["control"] or "",
                unit=out["unit"] or "",
                hr=out["hr"],
                ci_low=out["ci_low"],
                ci_high=out["ci_high"],
                ci_level=out["ci_level"] or "",
                p=out["p"] or "",
                source=out["source"] or "",
                verification=out["verification"],
                field_verification=out["field_verification"],
                note=out["note"] or "",
            )
