"""A recommendation (`myeloma-cds-recommendation/1`) as plain text for a terminal."""

from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def recommendation_text(result: dict[str, Any]) -> str:
    c = result["classification"]
    lines = [
        "MyelomaCDS recommendation",
        f"  engine {result['engine_version']} · catalog {result['catalog_version']} · "
        f"{result['label_jurisdiction']} labels",
        f"  pathway: {result['pathway']['title']} ({result['pathway']['code']})" if result.get("pathway") else "",
        "",
        "Classification",
        f"  setting: {c['setting']}" + (f" (special: {c['special_setting']})" if c.get("special_setting") else ""),
        f"  prior lines: {c['prior_lines']} · lenalidomide: {c['lenalidomide_status']}",
        f"  refractory to: {', '.join(c['refractory_drugs']) or 'none'}",
        f"  relapse: {c['relapse_type']}, {c['relapse_nature']} · risk: {c['risk']} · frailty: {c['frailty']}",
        "  creatinine clearance: "
        + (f"{c['creatinine_clearance_ml_min']} mL/min" if c.get("creatinine_clearance_ml_min") is not None else "n/a")
        + f" · salvage ASCT candidate: {'yes' if c.get('salvage_asct_candidate') else 'no'}",
        "",
        f"First choice: {result['first_choice'] or 'none: no regimen in the catalog fits; consider a clinical trial'}",
        "",
        "Options",
    ]
    for option in result["options"]:
        lines.append(f"  {option['rank']:>2}. {option['regimen']} ({option['name']}) [{option['tier']}]")
        for reason in option.get("reasons", []):
            lines.append(_wrap(f"why: {reason['text']}", "      "))
        for caution in option.get("cautions", []):
            lines.append(_wrap(f"caution: {caution['text']}", "      "))
        if option.get("note"):
            lines.append(_wrap(f"note: {option['note']}", "      "))
        evidence = option.get("evidence") or {}
        if evidence.get("summary"):
            lines.append(_wrap(f"evidence: {evidence['summary']}", "      "))
        for position in option.get("positions", []):
            where = f"rank {position['rank']} ({position['tier']})" if position["rank"] else "not an option"
            lines.append(_wrap(f"in {position['pathway']}: {where}", "      "))
    if not result["options"]:
        lines.append("  (none)")
    if result.get("trial_options"):
        lines += ["", "Clinical trial or expert use (investigational, never a standard option)"]
        for trial in result["trial_options"]:
            lines.append(f"  - {trial['code']} ({trial['name']})")
            for caution in trial.get("cautions", []):
                lines.append(_wrap(f"caution: {caution['text']}", "      "))
            if trial.get("note"):
                lines.append(_wrap(f"note: {trial['note']}", "      "))
    lines += ["", "Excluded"]
    for excluded in result["excluded"]:
        reasons = "; ".join(r["text"] for r in excluded["reasons"])
        lines.append(_wrap(f"{excluded['regimen']}: {reasons}", "  "))
    for title, key in (
        ("Toxicity notes", "toxicity_notes"),
        ("Pitfalls", "pitfalls"),
        ("Warnings", "warnings"),
        ("Treatment duration", "duration_guidance"),
    ):
        if result.get(key):
            lines += ["", title]
            for item in result[key]:
                applies = f" [{', '.join(item['applies_to'])}]" if item.get("applies_to") else ""
                lines.append(_wrap(f"{item['code']}{applies}: {item['text']}", "  "))
    return "\n".join(lines) + "\n"
