"""Every worked example through recommend_dict with the default catalog: our own (tests/cases), and the
published examples copied into tests/examples (seed: sections 0-8; revision2: section 9).

The expectation semantics are those of the examples' checker (check_cases.py), applied to the engine directly.
Examples written for sections 0-8 run on the reference pathway `seed-2025` unless they name a pathway.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from regimens.engine import CaseFormatError, Catalog, EngineSettings, recommend_dict

ROOT = Path(__file__).parents[3]
DEFAULT_CATALOG = ROOT / "regimens" / "catalog" / "default.yaml"
CASE_DIRS = [ROOT / "tests" / "cases", ROOT / "tests" / "examples" / "seed", ROOT / "tests" / "examples" / "revision2"]
CASES = sorted(path for folder in CASE_DIRS for path in folder.glob("*.case.json"))
SECTIONS_0_TO_8_PATHWAY = "seed-2025"  # algorithm 9: examples written for sections 0-8 run on this pathway


@pytest.fixture(scope="module")
def default_engine_catalog() -> Catalog:
    if not DEFAULT_CATALOG.exists():
        pytest.skip(f"{DEFAULT_CATALOG} does not exist yet (the default catalog is written in parallel)")
    yaml = pytest.importorskip("yaml")
    return Catalog.from_dict(yaml.safe_load(DEFAULT_CATALOG.read_text()), version="default-test")


def _codes(items: list[dict[str, Any]], key: str = "code") -> list[Any]:
    return [item.get(key) for item in items or []]


def check(expected: dict[str, Any], out: dict[str, Any]) -> list[str]:
    """The same checks as check_cases.py, on the engine's output dict."""
    problems: list[str] = []
    got_class = out.get("classification", {})
    for field, want in expected.get("classification", {}).items():
        have = got_class.get(field, "<missing>")
        if isinstance(want, list) and isinstance(have, list):
            if set(want) != set(have):
                problems.append(f"classification.{field}: want {sorted(want)}, got {sorted(have)}")
        elif isinstance(want, float) and isinstance(have, (int, float)):
            if abs(have - want) > 0.6:
                problems.append(f"classification.{field}: want ~{want}, got {have}")
        elif have != want:
            problems.append(f"classification.{field}: want {want!r}, got {have!r}")
    options = _codes(out.get("options", []), "regimen")
    if "first_choice" in expected:
        want = expected["first_choice"]
        have = out.get("first_choice", "<missing>")
        if isinstance(want, dict):
            if have not in want["one_of"]:
                problems.append(f"first_choice: want one of {want['one_of']}, got {have!r}")
        elif have != want:
            problems.append(f"first_choice: want {want!r}, got {have!r}")
        if have not in (None, "<missing>") and options and options[0] != have:
            problems.append(f"first_choice {have!r} is not the first option ({options[0]!r})")
    for code in expected.get("options_include", []):
        if code not in options:
            problems.append(f"option {code} missing (options: {options})")
    for code in expected.get("options_exclude", []):
        if code in options:
            problems.append(f"option {code} must not be offered")
    excluded = {e.get("regimen"): _codes(e.get("reasons", [])) for e in out.get("excluded", [])}
    for code, reason in expected.get("excluded_with", {}).items():
        if code not in excluded:
            problems.append(f"{code} should be excluded ({reason})")
        elif reason not in excluded[code]:
            problems.append(f"{code} excluded for {excluded[code]}, want {reason}")
    for first, second in expected.get("before", []):
        if first in options and second in options:
            if options.index(first) > options.index(second):
                problems.append(f"{first} should rank before {second} (options: {options})")
        else:
            problems.append(f"ranking {first} before {second}: both must be options")
    for section in ("toxicity_notes", "pitfalls", "warnings"):
        present = set(_codes(out.get(section, [])))
        for code in expected.get(f"{section}_include", []):
            if code not in present:
                problems.append(f"{section}: {code} missing (got {sorted(present)})")
        for code in expected.get(f"{section}_exclude", []):
            if code in present:
                problems.append(f"{section}: {code} must not appear")
    return problems + _revision2_checks(expected, out)


def _revision2_checks(expected: dict[str, Any], out: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    trials = _codes(out.get("trial_options", []))
    for code in expected.get("trial_options_include", []):
        if code not in trials:
            problems.append(f"trial option {code} missing (trial_options: {trials})")
    for code in expected.get("trial_options_exclude", []):
        if code in trials:
            problems.append(f"trial option {code} must not be listed")
    by_regimen = {o["regimen"]: _codes(o.get("cautions", [])) for o in out.get("options", [])}
    for code, wanted in expected.get("cautions", {}).items():
        for caution in wanted:
            if caution not in by_regimen.get(code, []):
                problems.append(f"option {code}: caution {caution} missing (got {by_regimen.get(code)})")
    for code, unwanted in expected.get("no_cautions", {}).items():
        for caution in unwanted:
            if caution in by_regimen.get(code, []):
                problems.append(f"option {code}: caution {caution} must not appear")
    notes = {n["code"]: n for n in out.get("toxicity_notes", [])}
    for code, patterns in expected.get("note_mentions", {}).items():
        for pattern in patterns:
            if code not in notes:
                problems.append(f"toxicity note {code} missing")
            elif not re.search(pattern, notes[code]["text"], re.IGNORECASE):
                problems.append(f"toxicity note {code}: text does not mention /{pattern}/")
    for code, fields in expected.get("note_fields", {}).items():
        if code not in notes:
            problems.append(f"toxicity note {code} missing")
            continue
        for key, want in fields.items():
            have = notes[code].get(key, "<missing>")
            if isinstance(want, dict) and isinstance(have, dict):
                for sub, value in want.items():
                    if have.get(sub, "<missing>") != value:
                        problems.append(f"toxicity note {code}.{key}.{sub}: want {value!r}, got {have.get(sub)!r}")
            elif have != want:
                problems.append(f"toxicity note {code}.{key}: want {want!r}, got {have!r}")
    return problems


def _settings(case_path: Path, expected: dict[str, Any]) -> EngineSettings:
    default = None if case_path.parent.name == "revision2" else SECTIONS_0_TO_8_PATHWAY
    return EngineSettings(pathway=expected.get("pathway", default))


def test_there_are_worked_examples() -> None:
    assert len(list((ROOT / "tests" / "cases").glob("*.case.json"))) >= 25


@pytest.mark.parametrize("case_path", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_worked_example(case_path: Path, default_engine_catalog: Catalog) -> None:
    expected = json.loads(case_path.with_name(case_path.name.replace(".case.json", ".expected.json")).read_text())
    data = json.loads(case_path.read_text())
    settings = _settings(case_path, expected)
    if expected.get("error"):
        with pytest.raises(CaseFormatError) as info:
            recommend_dict(data, default_engine_catalog, settings)
        assert info.value.errors, "a refusal must name at least one problem"
        return
    out = recommend_dict(data, default_engine_catalog, settings)
    if "pathway" in expected:
        assert out["pathway"]["code"] == expected["pathway"]
    json.dumps(out)  # everything is plain JSON
    assert check(expected, out) == []


def test_eu_jurisdiction_on_the_default_catalog(default_engine_catalog: Catalog) -> None:
    """EU labels (a setting, not a case field): BPd and BVd open at first relapse; Pano-Vd gated, not withdrawn."""
    data = json.loads((ROOT / "tests" / "cases" / "len-refractory-car-t-access-unknown.case.json").read_text())
    us = recommend_dict(data, default_engine_catalog, EngineSettings())
    eu = recommend_dict(data, default_engine_catalog, EngineSettings(label_jurisdiction="EU"))
    us_options = [o["regimen"] for o in us["options"]]
    eu_options = [o["regimen"] for o in eu["options"]]
    assert eu["label_jurisdiction"] == "EU"
    assert "BPd" not in us_options and "BPd" in eu_options
    assert "BVd" not in us_options and "BVd" in eu_options
    reasons = {e["regimen"]: e["reasons"] for e in eu["excluded"]}
    assert any(r["text"].startswith("EU label:") for r in reasons["Pano-Vd"])
