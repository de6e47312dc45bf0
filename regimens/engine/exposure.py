"""Section 1.1-1.2: drug exposure and refractoriness, classes, triple-class, penta and BCMA flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from . import rules as R
from .catalog import Catalog
from .facts import Case, DrugExposure, Line
from .results import BasisEntry


@dataclass(frozen=True)
class Finding:
    """One exposure of one drug on one line (main part or maintenance) and what it showed."""

    drug: str
    line: int
    part: str  # "line" | "maintenance"
    start: date
    last_dose: date | None  # None = still ongoing at restaging
    refractory: bool
    rule: str
    phrase: str  # e.g. "progressed 41 days after the last dose, line 1"
    facts: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DrugStatus:
    drug: str
    class_code: str
    refractory: bool
    findings: tuple[Finding, ...]
    last_dose: date  # restaging date when still ongoing

    @cached_property
    def decisive(self) -> Finding:
        refractory = [f for f in self.findings if f.refractory]
        return (refractory or list(self.findings))[-1]


@dataclass(frozen=True)
class ExposureResult:
    drugs: dict[str, DrugStatus]
    exposed_drugs: tuple[str, ...]
    refractory_drugs: tuple[str, ...]
    exposed_classes: frozenset[str]
    refractory_classes: tuple[str, ...]
    cross_resistant_classes: frozenset[str]  # refractory classes marked cross-resistant
    lenalidomide_status: str
    triple_class_exposed: bool
    triple_class_refractory: bool
    penta_refractory: bool
    bcma_exposed: bool
    bcma_progressed: bool
    last_bcma_bispecific_dose: date | None
    last_line_progressed_on_drug: bool
    basis: tuple[BasisEntry, ...]

    def is_refractory(self, drug: str) -> bool:
        status = self.drugs.get(drug)
        return bool(status and status.refractory)

    def effectively_refractory(self, drug: str, class_code: str) -> bool:
        """Refractory to the drug itself, or to a cross-resistant class it belongs to (algorithm 1.2)."""
        return self.is_refractory(drug) or class_code in self.cross_resistant_classes

    def refractory_phrase(self, drug: str) -> str:
        return self.drugs[drug].decisive.phrase


def _is_car_t(catalog: Catalog, drug: str) -> bool:
    return (catalog.drug_class(drug) or "").endswith(R.CAR_T_CLASS_SUFFIX)


def line_exposures(line: Line, catalog: Catalog) -> list[tuple[DrugExposure, str]]:
    """Every *active* drug exposure of a line: steroids and supportive drugs never count (1.1, 7)."""
    parts = [(exposure, "line") for exposure in line.drugs]
    if line.maintenance:
        parts += [(exposure, "maintenance") for exposure in line.maintenance.drugs]
    car_t_line = any(_is_car_t(catalog, exposure.name) for exposure, _ in parts)
    active = []
    for exposure, part in parts:
        spec = catalog.drugs[exposure.name]
        if spec.class_code == R.STEROID_CLASS or spec.supportive_only:
            continue
        if spec.lymphodepletion and car_t_line:
            continue  # algorithm 8: cyclophosphamide is supportive only beside a CAR-T product
        active.append((exposure, part))
    return active


def _evaluate(case: Case, line: Line, exposure: DrugExposure, part: str, catalog: Catalog) -> Finding:
    drug = exposure.name
    where = f"line {line.number}" + (" maintenance" if part == "maintenance" else "")
    base = {
        "drug": drug,
        "line": line.number,
        "part": part,
        "start_date": exposure.start_date.isoformat(),
        "last_dose": exposure.end_date.isoformat() if exposure.end_date else None,
        "progression_date": line.progression_date.isoformat() if line.progression_date else None,
        "best_response": line.best_response,
    }

    def finding(refractory: bool, rule_id: str, phrase: str, **extra: Any) -> Finding:
        return Finding(
            drug,
            line.number,
            part,
            exposure.start_date,
            exposure.end_date,
            refractory,
            rule_id,
            phrase,
            {**base, **extra},
        )

    override = line.override
    if override and drug in override.refractory:
        return finding(
            True,
            "refractory.override",
            f"clinician override on {where}: {override.reason}",
            override="refractory",
            reason=override.reason,
        )
    if override and drug in override.not_refractory:
        return finding(
            False,
            "refractory.override",
            f"not refractory by clinician override on {where}: {override.reason}",
            override="not_refractory",
            reason=override.reason,
        )
    if line.best_response in R.NON_RESPONSE:
        return finding(True, "refractory.best_response", f"best response {line.best_response} on {where}")
    if _is_car_t(catalog, drug):
        later = [
            other.progression_date
            for other in case.lines[line.number - 1 :]
            if other.progression_date and other.progression_date >= exposure.start_date
        ]
        if later:
            days = (later[0] - exposure.start_date).days
            return finding(
                True,
                "refractory.car_t_once",
                f"progressed {days} days after its infusion, {where}",
                days_after_infusion=days,
            )
        return finding(False, "refractory.car_t_once", f"no progression recorded after its infusion, {where}")
    progression = line.progression_date
    if progression is None:
        return finding(False, "refractory.60_day_window", f"no progression date recorded on {where}")
    if progression < exposure.start_date:
        return finding(False, "refractory.60_day_window", f"progression preceded its start, {where}")
    last = exposure.end_date
    if last is None:
        return finding(True, "refractory.progression_on_drug", f"progressed while still on it, {where}")
    if progression <= last:
        return finding(
            True,
            "refractory.progression_on_drug",
            f"progressed on {progression.isoformat()}, on or before the last dose ({last.isoformat()}), {where}",
        )
    days = (progression - last).days
    if days <= R.REFRACTORY_WINDOW_DAYS:
        return finding(
            True,
            "refractory.60_day_window",
            f"progressed {days} days after the last dose, {where}",
            days_after_last_dose=days,
        )
    return finding(
        False,
        "refractory.60_day_window",
        f"progressed {days} days after the last dose (more than {R.REFRACTORY_WINDOW_DAYS}), {where}",
        days_after_last_dose=days,
    )


def assess_exposure(case: Case, catalog: Catalog) -> ExposureResult:
    today = case.today
    findings: dict[str, list[Finding]] = {}
    last_doses: dict[str, date] = {}
    last_line = case.lines[-1]
    last_line_progressed = False
    bcma_progressed = False
    for line in case.lines:
        for exposure, part in line_exposures(line, catalog):
            result = _evaluate(case, line, exposure, part, catalog)
            findings.setdefault(exposure.name, []).append(result)
            last = exposure.end_date or today
            if exposure.name not in last_doses or last > last_doses[exposure.name]:
                last_doses[exposure.name] = last
            if line is last_line and result.refractory:
                last_line_progressed = True
            if catalog.drug_class(exposure.name) in R.BCMA_CLASSES:
                bcma_progressed = bcma_progressed or any(
                    other.progression_date is not None and other.progression_date >= exposure.start_date
                    for other in case.lines[line.number - 1 :]
                )

    drugs: dict[str, DrugStatus] = {}
    basis: list[BasisEntry] = []
    for name in sorted(findings):
        items = tuple(findings[name])
        class_code = catalog.drugs[name].class_code
        status = DrugStatus(name, class_code, any(f.refractory for f in items), items, last_doses[name])
        drugs[name] = status
        for item in items:
            if item.rule == "refractory.override":
                basis.append(BasisEntry("refractory.override", f"{name}: {item.phrase}", item.facts))
        decisive = status.decisive
        verdict = "refractory" if status.refractory else "exposed, not refractory"
        basis.append(BasisEntry(decisive.rule, f"{name} {verdict}: {decisive.phrase}", decisive.facts))

    exposed = tuple(sorted(drugs))
    refractory = tuple(name for name in exposed if drugs[name].refractory)
    exposed_classes = frozenset(drugs[name].class_code for name in exposed)
    refractory_classes = tuple(sorted({drugs[name].class_code for name in refractory}))
    cross = frozenset(code for code in refractory_classes if catalog.is_cross_resistant(code))
    for code in sorted(cross):
        members = ", ".join(name for name in refractory if drugs[name].class_code == code)
        basis.append(
            BasisEntry(
                "class.cross_resistance",
                f"{code} is cross-resistant: refractory to {members} counts for every {code} drug",
                {"class": code, "refractory_members": [n for n in refractory if drugs[n].class_code == code]},
            )
        )

    if R.LENALIDOMIDE not in drugs:
        len_status = "naive"
    else:
        len_status = "refractory" if drugs[R.LENALIDOMIDE].refractory else "sensitive"
    tce = all(code in exposed_classes for code in R.TRIPLE_CLASSES)
    tcr = all(code in refractory_classes for code in R.TRIPLE_CLASSES)
    penta = R.PENTA_CLASS in refractory_classes and all(name in refractory for name in R.PENTA_DRUGS)
    bcma_exposed = any(code in R.BCMA_CLASSES for code in exposed_classes)
    bispecific_doses = [last_doses[n] for n in exposed if drugs[n].class_code == R.BCMA_BISPECIFIC_CLASS]
    basis.append(
        BasisEntry(
            "class.status",
            f"Lenalidomide {len_status}; classes exposed: {', '.join(sorted(exposed_classes)) or 'none'}; "
            f"refractory: {', '.join(refractory_classes) or 'none'}; triple-class exposed: {_yn(tce)}, "
            f"refractory: {_yn(tcr)}; penta-refractory: {_yn(penta)}",
            {
                "exposed_classes": sorted(exposed_classes),
                "refractory_classes": list(refractory_classes),
                "lenalidomide_status": len_status,
                "triple_class_exposed": tce,
                "triple_class_refractory": tcr,
                "penta_refractory": penta,
            },
        )
    )
    if bcma_exposed:
        basis.append(
            BasisEntry(
                "class.bcma",
                "BCMA-directed therapy received; "
                + (
                    "the disease progressed on or after it"
                    if bcma_progressed
                    else "no progression recorded on or after it"
                ),
                {"bcma_exposed": True, "bcma_progressed": bcma_progressed},
            )
        )
    return ExposureResult(
        drugs=drugs,
        exposed_drugs=exposed,
        refractory_drugs=refractory,
        exposed_classes=exposed_classes,
        refractory_classes=refractory_classes,
        cross_resistant_classes=cross,
        lenalidomide_status=len_status,
        triple_class_exposed=tce,
        triple_class_refractory=tcr,
        penta_refractory=penta,
        bcma_exposed=bcma_exposed,
        bcma_progressed=bcma_progressed,
        last_bcma_bispecific_dose=max(bispecific_doses) if bispecific_doses else None,
        last_line_progressed_on_drug=last_line_progressed,
        basis=tuple(basis),
    )


def _yn(value: bool) -> str:
    return "yes" if value else "no"
