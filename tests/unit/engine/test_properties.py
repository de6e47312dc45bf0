"""Section 6: the properties that must always hold, checked on generated cases (hypothesis)."""

from __future__ import annotations

import builtins
import copy
import json
import socket
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regimens.engine import Catalog, recommend_dict
from regimens.engine.rules import RULES
from tests.unit.engine.builders import CATALOG, US, catalog_doc

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DRUG_POOL = [
    "bortezomib",
    "carfilzomib",
    "ixazomib",
    "lenalidomide",
    "pomalidomide",
    "thalidomide",
    "daratumumab",
    "isatuximab",
    "elotuzumab",
    "selinexor",
    "cyclophosphamide",
    "teclistamab",
    "ciltacabtagene autoleucel",
    "belantamab mafodotin",
    "venetoclax",
    "talquetamab",
]
RESPONSES = ["sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "unknown", None]
CYTO_BOOL = ["del_17p", "tp53_mutation", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q"]


def iso(day: date) -> str:
    return day.isoformat()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def cytogenetics(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    fish: dict[str, Any] = {name: draw(st.sampled_from([True, False, False, False, None])) for name in CYTO_BOOL}
    fish["del_17p_clonal_fraction_pct"] = draw(maybe(st.floats(0, 100)))
    fish["del_1p32"] = draw(st.sampled_from(["none", "none", "monoallelic", "biallelic", None]))
    return fish


@st.composite
def cases(draw: st.DrawFn, min_lines: int = 1) -> dict[str, Any]:
    n = draw(st.integers(min_lines, 3))
    start = date(2018, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
    diagnosis = start - timedelta(days=draw(st.integers(0, 60)))
    lines = []
    latest = start
    for i in range(n):
        drugs = [
            *draw(st.lists(st.sampled_from(DRUG_POOL), min_size=1, max_size=3, unique=True)),
            "dexamethasone",
        ]
        end = start + timedelta(days=draw(st.integers(1, 500)))
        ongoing = i == n - 1 and draw(st.booleans())
        offset = draw(maybe(st.integers(-30, 400)))
        progression = None if offset is None else max(start, end + timedelta(days=offset))
        entry: dict[str, Any] = {
            "drugs": drugs,
            "start_date": iso(start),
            "end_date": None if ongoing else iso(end),
            "progression_date": iso(progression) if progression else None,
            "best_response": draw(st.sampled_from(RESPONSES)),
        }
        latest = max(latest, end, progression or end)
        if draw(st.integers(0, 3)) == 0:
            entry["transplant"] = {
                "type": draw(st.sampled_from(["autologous", "allogeneic"])),
                "date": iso(end),
            }
        if draw(st.integers(0, 3)) == 0 and (progression is None or progression >= end + timedelta(days=10)):
            # maintenance never starts after the line's progression (algorithm 9.5 refuses such input)
            m_end = end + timedelta(days=draw(st.integers(20, 900)))
            entry["maintenance"] = {
                "drugs": [draw(st.sampled_from(["lenalidomide", "bortezomib", "ixazomib"]))],
                "start_date": iso(end + timedelta(days=10)),
                "end_date": iso(m_end),
            }
            latest = max(latest, m_end)
        lines.append(entry)
        start = latest + timedelta(days=draw(st.integers(1, 120)))
        latest = start
    today = latest + timedelta(days=draw(st.integers(1, 60)))
    restaging = {
        "date": iso(today),
        "previous_assessment_date": iso(today - timedelta(days=draw(st.integers(1, 120)))),
        "serum_m_protein_g_dl": draw(maybe(st.floats(0, 8))),
        "serum_m_protein_nadir_g_dl": draw(maybe(st.floats(0, 6))),
        "serum_m_protein_previous_g_dl": draw(maybe(st.floats(0, 8))),
        "urine_m_protein_mg_24h": draw(maybe(st.floats(0, 3000))),
        "urine_m_protein_nadir_mg_24h": draw(maybe(st.floats(0, 1000))),
        "involved_flc_mg_l": draw(maybe(st.floats(0, 3000))),
        "involved_flc_nadir_mg_l": draw(maybe(st.floats(0, 1000))),
        "involved_flc_previous_mg_l": draw(maybe(st.floats(0, 3000))),
        "creatinine_mg_dl": draw(maybe(st.floats(0.3, 8))),
        "creatinine_baseline_mg_dl": draw(maybe(st.floats(0.3, 4))),
        "calcium_mg_dl": draw(maybe(st.floats(7, 15))),
        "albumin_g_dl": draw(maybe(st.floats(1.5, 5))),
        "hemoglobin_g_dl": draw(maybe(st.floats(6, 16))),
        "hemoglobin_baseline_g_dl": draw(maybe(st.floats(6, 16))),
        "ldh_u_l": draw(maybe(st.floats(100, 600))),
        "ldh_uln_u_l": 250,
        "beta2_microglobulin_mg_l": draw(maybe(st.floats(1, 12))),
        "circulating_plasma_cells_pct": draw(maybe(st.floats(0, 20))),
        "plasmacytoma": draw(st.sampled_from(["none", "none", "none", "paraskeletal", "extramedullary", None])),
        "crab_attributable_to_myeloma": draw(maybe(st.booleans())),
        "cytogenetics": draw(cytogenetics()),
        "ecog": draw(maybe(st.integers(0, 4))),
        "charlson_comorbidity_index": draw(maybe(st.integers(0, 8))),
        "adl": draw(maybe(st.integers(0, 6))),
        "iadl": draw(maybe(st.integers(0, 8))),
        "peripheral_neuropathy_grade": draw(maybe(st.integers(0, 4))),
        "neuropathic_pain": draw(maybe(st.booleans())),
        "on_dialysis": draw(maybe(st.booleans())),
        "cardiac": {
            "heart_failure_nyha": draw(maybe(st.integers(1, 4))),
            "uncontrolled_hypertension": draw(maybe(st.booleans())),
        },
        "corneal_disease": draw(maybe(st.booleans())),
    }
    return {
        "format": "myeloma-cds-case/1",
        "patient": {
            "age_years": draw(st.integers(18, 95)),
            "sex": draw(maybe(st.sampled_from(["female", "male"]))),
            "weight_kg": draw(maybe(st.floats(40, 140))),
        },
        "diagnosis": {"date": iso(diagnosis), "cytogenetics": draw(cytogenetics())},
        "prior_lines": lines,
        "restaging": restaging,
        "preferences": {
            "all_oral": draw(maybe(st.booleans())),
            "car_t_available": draw(maybe(st.booleans())),
            "declines_transplant": draw(maybe(st.booleans())),
        },
    }


def option_drugs(out: dict[str, Any], catalog: Catalog = CATALOG) -> dict[str, tuple[str, ...]]:
    return {o["regimen"]: catalog.by_code[o["regimen"]].active_drugs for o in out["options"]}


@PROPERTY_SETTINGS
@given(cases())
def test_no_option_contains_a_refractory_drug(data: dict[str, Any]) -> None:
    out = recommend_dict(data, CATALOG, US)
    refractory = set(out["classification"]["refractory_drugs"])
    classes = {c for c in out["classification"]["refractory_classes"] if CATALOG.is_cross_resistant(c)}
    for drugs in option_drugs(out).values():
        assert not refractory & set(drugs)
        assert not {CATALOG.drug_class(d) for d in drugs} & classes


@PROPERTY_SETTINGS
@given(cases())
def test_no_venetoclax_option_without_t11_14(data: dict[str, Any]) -> None:
    out = recommend_dict(data, CATALOG, US)
    relapse = data["restaging"]["cytogenetics"] or {}
    diagnosis = data["diagnosis"]["cytogenetics"] or {}
    source = relapse if any(v is not None for v in relapse.values()) else diagnosis
    t11_14 = source.get("t_11_14")
    if t11_14 is None and source is relapse:
        t11_14 = diagnosis.get("t_11_14")  # algorithm 9.5: a translocation not retested keeps its diagnosis value
    if any("venetoclax" in drugs for drugs in option_drugs(out).values()):
        assert t11_14 is True


@PROPERTY_SETTINGS
@given(cases())
def test_every_exclusion_and_option_cites_a_rule_and_facts(data: dict[str, Any]) -> None:
    out = recommend_dict(data, CATALOG, US)
    for item in out["excluded"]:
        assert item["reasons"]
        for reason in item["reasons"]:
            assert reason["rule"] in RULES and reason["code"] and reason["text"]
    for item in out["options"]:
        assert item["reasons"] and all(r["rule"] in RULES and r["text"] for r in item["reasons"])
    for entry in out["classification"]["basis"]:
        assert entry["rule"] in RULES and entry["text"] and isinstance(entry["facts"], dict)
    for note in out["toxicity_notes"]:
        assert note["applies_to"]
    evaluated = {r.code for r in CATALOG.evaluated}
    assert {o["regimen"] for o in out["options"]} | {e["regimen"] for e in out["excluded"]} == evaluated


@PROPERTY_SETTINGS
@given(cases())
def test_same_case_same_output(data: dict[str, Any]) -> None:
    first = json.dumps(recommend_dict(copy.deepcopy(data), CATALOG, US), sort_keys=False)
    second = json.dumps(recommend_dict(copy.deepcopy(data), CATALOG, US), sort_keys=False)
    assert first == second


def _catalog_without_refractoriness_gates() -> Catalog:
    """Label gates that *require* refractoriness (Sd, cilta-cel, EU bispecifics) would open options."""
    doc = catalog_doc()
    for regimen in doc["regimens"]:
        for label in regimen.get("labels", {}).values():
            label.pop("drugs_refractory", None)
            label.pop("classes_refractory", None)
            label.pop("progression_on_last_line", None)
    return Catalog.from_dict(doc, "no-refractory-gates")


NO_GATES = _catalog_without_refractoriness_gates()


@PROPERTY_SETTINGS
@given(cases(min_lines=2), st.data())
def test_adding_a_refractory_drug_never_adds_options(data: dict[str, Any], pick: st.DataObject) -> None:
    """reading: algorithm.md 6 —
    holds for a fixed setting (two or more lines, where the setting does not depend
    on refractoriness) and catalogs whose label gates do not require refractoriness."""
    before = {o["regimen"] for o in recommend_dict(data, NO_GATES, US)["options"]}
    index = pick.draw(st.integers(0, len(data["prior_lines"]) - 1))
    line = data["prior_lines"][index]
    car_t = any(d.endswith(("autoleucel", "vicleucel")) for d in line["drugs"])
    countable = [d for d in line["drugs"] if d != "dexamethasone" and not (car_t and d == "cyclophosphamide")]
    assume(countable)  # algorithm 9.5: an override never names a steroid or a lymphodepleting drug
    drug = pick.draw(st.sampled_from(countable))
    line["refractory_override"] = {"refractory": [drug], "reason": "generated"}
    after = {o["regimen"] for o in recommend_dict(data, NO_GATES, US)["options"]}
    assert after <= before


RISK_FIELDS = [
    "beta2_microglobulin_mg_l",
    "creatinine_mg_dl",
    *CYTO_BOOL,
    "del_17p_clonal_fraction_pct",
    "del_1p32",
]
FRAILTY_FIELDS = ["charlson_comorbidity_index", "adl", "iadl", "ecog"]


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_removing_data_never_turns_unknown_into_standard_or_fit(data: dict[str, Any], pick: st.DataObject) -> None:
    """reading: algorithm.md 6 —
    "removing the patient's data" removes a fact wherever it is recorded (the diagnosis FISH is the
    relapse FISH's copy here, so the documented diagnosis fallback stays out of play)."""
    data["diagnosis"]["cytogenetics"] = copy.deepcopy(data["restaging"]["cytogenetics"])
    before = recommend_dict(data, CATALOG, US)["classification"]
    removed = pick.draw(st.lists(st.sampled_from(RISK_FIELDS + FRAILTY_FIELDS), min_size=1, unique=True))
    for field in removed:
        if field in data["restaging"]:
            data["restaging"][field] = None
        for fish in (data["restaging"]["cytogenetics"], data["diagnosis"]["cytogenetics"]):
            if fish is not None and field in fish:
                fish[field] = None
    after = recommend_dict(data, CATALOG, US)["classification"]
    if before["risk"] == "unknown":
        assert after["risk"] != "standard"
    if before["frailty"] == "unknown":
        assert after["frailty"] not in ("fit", "non_frail", "intermediate", "frail")
    if before["risk"] == "standard":
        assert after["risk"] in ("standard", "unknown")


def test_engine_does_no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    """Section 6: the engine does no I/O (file and network access fail loudly during a recommendation)."""
    from tests.unit.engine.builders import tce_case

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the engine attempted I/O")

    data = tce_case()
    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(socket, "socket", refuse)
    out = recommend_dict(data, CATALOG, US)
    assert out["first_choice"] == "cilta-cel"
