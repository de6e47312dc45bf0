"""Median time of one recommendation: default vs synthetic catalogs, a 1-line vs a 10-line patient.

Run: `make bench` (or `.venv/bin/python -m benchmarks.engine`). Pure engine: no database, no Django.
"""

from __future__ import annotations

import copy
import gc
import json
import statistics
import time
from pathlib import Path

import yaml

from regimens.engine import Catalog, EngineSettings, parse_case, recommend, recommend_dict

ROOT = Path(__file__).resolve().parents[1]
CATALOG_FILE = ROOT / "regimens" / "catalog" / "default.yaml"
CASE_FILE = ROOT / "tests" / "integration" / "data" / "first-relapse.case.json"
# Drugs of later lines for the 10-line patient, each line a plausible regimen of the default catalog.
LATER_LINES = [
    ["daratumumab", "pomalidomide", "dexamethasone"],
    ["carfilzomib", "dexamethasone"],
    ["ixazomib", "lenalidomide", "dexamethasone"],
    ["elotuzumab", "pomalidomide", "dexamethasone"],
    ["selinexor", "bortezomib", "dexamethasone"],
    ["bortezomib", "cyclophosphamide", "dexamethasone"],
    ["isatuximab", "carfilzomib", "dexamethasone"],
    ["bendamustine", "bortezomib", "dexamethasone"],
    ["panobinostat", "bortezomib", "dexamethasone"],
]


def ten_line_case(case: dict) -> dict:
    case = copy.deepcopy(case)
    first = case["prior_lines"][0]
    first.update(end_date="2019-08-01", progression_date="2019-12-01", stop_reason="progression")
    lines = [first]
    year = 2020
    for drugs in LATER_LINES:
        lines.append(
            {
                "regimen": None,
                "drugs": drugs,
                "start_date": f"{year}-01-10",
                "end_date": f"{year}-09-01",
                "transplant": None,
                "maintenance": None,
                "best_response": "PR",
                "progression_date": f"{year}-10-01",
                "stop_reason": "progression",
            }
        )
        year += 1
    case["prior_lines"] = lines
    case["restaging"]["date"] = f"{year - 1}-10-20"
    case["restaging"]["previous_assessment_date"] = f"{year - 1}-09-20"
    return case


def synthetic_document(document: dict, size: int) -> dict:
    """The default catalog grown to `size` regimens by copying its entries under new codes, each copy placed
    after the others in every pathway list its original is on."""
    document = copy.deepcopy(document)
    originals = [r for r in document["regimens"] if r.get("kind", "regimen") == "regimen"]
    for pathway in document["pathways"]:
        next_rank: dict[tuple[str, str], int] = {}
        for entry in pathway["entries"]:
            key = (entry["setting"], entry.get("fitness", "any"))
            next_rank[key] = max(next_rank.get(key, 0), entry["rank"]) + 1
        pathway["_next_rank"] = next_rank
    i = 0
    while len(document["regimens"]) < size:
        original = originals[i % len(originals)]
        clone = copy.deepcopy(original)
        clone["code"] = f"{clone['code']}-syn{i}"
        document["regimens"].append(clone)
        for pathway in document["pathways"]:
            for entry in [e for e in pathway["entries"] if e["regimen"] == original["code"]]:
                key = (entry["setting"], entry.get("fitness", "any"))
                rank = pathway["_next_rank"][key]
                pathway["_next_rank"][key] += 1
                pathway["entries"].append({**entry, "regimen": clone["code"], "rank": rank})
        i += 1
    for pathway in document["pathways"]:
        del pathway["_next_rank"]
    return document


def median_us(function, runs: int) -> float:
    for _ in range(min(50, runs)):
        function()
    gc.collect()
    gc.disable()
    try:
        samples = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            function()
            samples.append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return statistics.median(samples) / 1000


def main() -> None:
    document = yaml.safe_load(CATALOG_FILE.read_text())
    base_case = json.loads(CASE_FILE.read_text())
    cases = {"1 line": base_case, "10 lines": ten_line_case(base_case)}
    settings = EngineSettings()
    print("Engine: median time of one recommendation. 'engine' = classify + candidates + rank + notes on a parsed")
    print("case; 'case to JSON' = the whole door: validate the case dict, recommend, build the output dict.")
    print(f"{'catalog':<28}{'patient':<10}{'runs':>7}{'engine µs':>12}{'case to JSON µs':>17}{'engine µs/regimen':>19}")
    for label, size in (("default", 0), ("synthetic 250", 250), ("synthetic 500", 500), ("synthetic 1,000", 1000)):
        doc = synthetic_document(document, size) if size else document
        catalog = Catalog.from_dict(doc, version=label)
        regimens = len(doc["regimens"])
        for name, case in cases.items():
            runs = 2000 if regimens < 100 else 200
            parsed = parse_case(case, catalog)
            core = median_us(lambda c=parsed, k=catalog: recommend(c, k, settings), runs)
            whole = median_us(lambda c=case, k=catalog: recommend_dict(c, k, settings), runs)
            row = (
                f"{label + f' ({regimens})':<28}{name:<10}{runs:>7}{core:>12.0f}{whole:>17.0f}{core / regimens:>19.2f}"
            )
            print(row)


if __name__ == "__main__":
    main()
