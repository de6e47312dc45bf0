"""The engine's output as frozen plain data (serialised by output.recommendation_to_dict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import rules as R
from .catalog import Catalog, Figure


@dataclass(frozen=True)
class BasisEntry:
    rule: str
    text: str
    facts: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Message:
    """A warning, pitfall, duration line or caution: a stable code and its text."""

    code: str
    text: str


@dataclass(frozen=True)
class Note:
    code: str
    text: str
    applies_to: tuple[str, ...]
    advice_by_option: tuple[tuple[str, str], ...] | None = None  # imid_thromboprophylaxis only (9.4)


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str


@dataclass(frozen=True)
class ExclusionReason:
    code: str
    rule: str
    text: str


@dataclass(frozen=True)
class OptionEvidence:
    trial: str
    summary: str
    verification: str
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class Position:
    """Where another pathway places the option for the same case: tier and final rank, or None and None."""

    pathway: str
    tier: str | None
    rank: int | None


@dataclass(frozen=True)
class Option:
    regimen: str
    name: str
    rank: int
    tier: str
    reasons: tuple[Reason, ...]
    cautions: tuple[Message, ...]
    note: str | None
    evidence: OptionEvidence | None
    positions: tuple[Position, ...] = ()


@dataclass(frozen=True)
class TrialOption:
    """An investigational regimen that passes every check but the label gate: clinical trial or expert use."""

    regimen: str
    name: str
    note: str | None
    evidence: OptionEvidence | None
    cautions: tuple[Message, ...]


@dataclass(frozen=True)
class PathwayRef:
    code: str
    title: str
    source: str | None


@dataclass(frozen=True)
class Exclusion:
    regimen: str
    reasons: tuple[ExclusionReason, ...]


@dataclass(frozen=True)
class Recommendation:
    engine_version: str
    catalog_version: str
    label_jurisdiction: str
    pathway: PathwayRef
    classification: Any  # classify.Classification (kept loose to avoid an import cycle)
    first_choice: str | None
    options: tuple[Option, ...]
    trial_options: tuple[TrialOption, ...]
    excluded: tuple[Exclusion, ...]
    toxicity_notes: tuple[Note, ...]
    duration_guidance: tuple[Message, ...]
    pitfalls: tuple[Message, ...]
    warnings: tuple[Message, ...]


def compose(catalog: Catalog, code: str, facts: str, fallback: str) -> str:
    """Patient facts first, then the catalog's editable wording for the code (or a plain fallback)."""
    wording = catalog.text(code, fallback)
    facts = facts.strip()
    if not facts:
        return wording
    if not facts.endswith((".", ":", "!", "?")):
        facts += "."
    return f"{facts} {wording}"


def fmt(value: float) -> str:
    """Numbers in texts: no trailing zeros (1.5, 2, 0.25)."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


class Recorder:
    """Collects basis entries and warnings while classifying (each rule id must be registered)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.basis: list[BasisEntry] = []
        self.warnings: dict[str, Message] = {}

    def note(self, rule_id: str, text: str, **facts: Any) -> None:
        R.rule(rule_id)
        self.basis.append(BasisEntry(rule_id, text, facts))

    def warn(self, code: str, facts: str, fallback: str) -> None:
        if code not in self.warnings:
            self.warnings[code] = Message(code, compose(self.catalog, code, facts, fallback))
