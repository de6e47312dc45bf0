"""Engine settings: the few choices staff may configure (everything else clinical is catalog data)."""

from __future__ import annotations

from dataclasses import dataclass

JURISDICTIONS = ("US", "EU")


@dataclass(frozen=True)
class EngineSettings:
    label_jurisdiction: str = "US"  # whose labels the label prerequisites follow: US | EU
    salvage_asct_max_age: int = 75  # R7.6 (institutional, from_memory): no universal cut-off
    salvage_asct_min_remission_months: float = 18.0  # R7.2: Myeloma X, Giralt 2015 (>= 18 months)
    salvage_asct_min_remission_months_with_maintenance: float = 36.0  # R7.3: expert opinion (from_memory)
    pathway: str | None = None  # algorithm 9.1: the catalog pathway to follow; None = the catalog's active one

    def __post_init__(self) -> None:
        if self.label_jurisdiction not in JURISDICTIONS:
            raise ValueError(f"label_jurisdiction must be one of {JURISDICTIONS}, not {self.label_jurisdiction!r}")
