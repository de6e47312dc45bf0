"""Catalog.from_dict: validation with places, precomputed indexes, evidence summaries."""

from __future__ import annotations

from typing import Any

import pytest

from regimens.engine import Catalog, CatalogError
from tests.unit.engine.builders import CATALOG, catalog_doc


def problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogError) as info:
        Catalog.from_dict(doc, "t")
    return info.value.problems


def regimen(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in doc["regimens"] if r["code"] == code)


def test_builds_and_keeps_the_version() -> None:
    assert CATALOG.version == "test-1"
    assert "DRd" in CATALOG.by_code


def test_wrong_format() -> None:
    doc = catalog_doc()
    doc["format"] = "x"
    assert problems(doc) == ["format: must be 'myeloma-cds-catalog/2'"]


def test_format_1_is_refused_with_a_hint_about_pathways() -> None:
    doc = catalog_doc()
    doc["format"] = "myeloma-cds-catalog/1"
    assert "format 2 keeps named orders in `pathways`" in problems(doc)[0]


def test_unknown_key() -> None:
    doc = catalog_doc()
    regimen(doc, "DRd")["colour"] = "red"
    assert problems(doc) == ["regimens[DRd].colour: unknown key"]


def test_unknown_drug_and_class() -> None:
    doc = catalog_doc()
    regimen(doc, "DRd")["components"][0]["drug"] = "daratumumab-sc"
    doc["drugs"][0]["class"] = "kinase"
    found = problems(doc)
    assert "drugs[bortezomib].class: unknown class 'kinase'" in found
    assert any(p.startswith("regimens[DRd].components[0].drug") for p in found)


def test_duplicate_codes_and_drugs_twice() -> None:
    doc = catalog_doc()
    doc["regimens"].append(dict(regimen(doc, "Vd"), settings=[]))
    regimen(doc, "DRd")["components"].append({"drug": "daratumumab", "role": "active"})
    found = problems(doc)
    assert "regimens[Vd]: duplicate regimen code" in found
    assert any("appears twice" in p for p in found)


def test_regimen_without_active_component() -> None:
    doc = catalog_doc()
    regimen(doc, "Vd")["components"] = [{"drug": "dexamethasone", "role": "corticosteroid"}]
    assert problems(doc) == ["regimens[Vd].components: a regimen needs at least one active component"]


def entry(doc: dict, code: str) -> dict:
    return next(e for e in doc["pathways"][0]["entries"] if e["regimen"] == code)


def test_unknown_setting_fitness_tier_role() -> None:
    doc = catalog_doc()
    entry(doc, "DRd").update(fitness="robust", tier="best")
    regimen(doc, "Vd")["components"][0]["role"] = "main"
    entry(doc, "Pd")["setting"] = "third_relapse"
    found = problems(doc)
    assert any(".fitness: unknown fitness" in p for p in found)
    assert any(".tier: unknown tier" in p for p in found)
    assert any(".role: unknown role" in p for p in found)
    assert any(".setting: unknown setting" in p for p in found)


def test_duplicate_rank_in_a_setting() -> None:
    doc = catalog_doc()
    entry(doc, "KRd")["rank"] = 1
    assert any("rank 1 already used" in p for p in problems(doc))


def test_hr_outside_its_ci() -> None:
    doc = catalog_doc()
    regimen(doc, "DRd")["trials"][0]["outcomes"][0]["hr"] = 0.9
    assert problems(doc) == ["regimens[DRd].trials[0].outcomes[0].hr: HR 0.9 lies outside its own CI 0.4-0.6"]


def test_label_jurisdiction_must_be_us_or_eu() -> None:
    doc = catalog_doc()
    regimen(doc, "DRd")["labels"]["UK"] = {"status": "approved"}
    assert problems(doc) == ["regimens[DRd].labels.UK: label jurisdiction must be US or EU"]


def test_inactive_regimens_are_not_evaluated() -> None:
    doc = catalog_doc()
    regimen(doc, "KRd")["active"] = False
    catalog = Catalog.from_dict(doc, "t")
    assert "KRd" not in {r.code for r in catalog.evaluated}
    assert "KRd" not in [r.code for _, r in catalog.active_pathway.setting_list("first_relapse_len_sensitive", "any")]


def test_indexes_are_sorted_and_procedures_left_out() -> None:
    codes = [r.code for r in CATALOG.evaluated]
    assert codes == sorted(codes) and "sASCT" not in codes
    ranks = [e.rank for e, _ in CATALOG.active_pathway.setting_list("second_plus_relapse", "any")]
    assert ranks == sorted(ranks)


def test_yaml_style_values_are_kept_as_text() -> None:
    import datetime

    doc = catalog_doc()
    regimen(doc, "DRd")["labels"]["US"]["date"] = datetime.date(2016, 11, 21)
    regimen(doc, "DRd")["trials"][0]["outcomes"][0]["experimental"] = 44.5
    catalog = Catalog.from_dict(doc, "t")
    assert catalog.by_code["DRd"].label("US").date == "2016-11-21"
    assert "44.5 vs 10.2" in catalog.by_code["DRd"].evidence.summary


def test_catalog_texts_are_used_for_their_codes() -> None:
    assert CATALOG.text("zoster_prophylaxis", "fallback") == "Give aciclovir."
    assert CATALOG.text("no_such_code", "fallback") == "fallback"
