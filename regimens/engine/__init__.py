"""MyelomaCDS clinical engine: pure Python (standard library only), no Django, no I/O.

Public API::

    catalog = Catalog.from_dict(document, version="2026-11-25.1")
    case = parse_case(case_dict, catalog)              # raises CaseFormatError([FieldError, ...])
    rec = recommend(case, catalog, EngineSettings())   # a frozen Recommendation
    data = recommend_dict(case_dict, catalog, EngineSettings())   # myeloma-cds-recommendation/1
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .caseformat import CaseFormatError, FieldError, parse_case
from .catalog import Catalog, CatalogError
from .facts import Case
from .output import recommendation_to_dict
from .recommend import ENGINE_VERSION, recommend
from .results import Recommendation
from .settings import EngineSettings

__all__ = [
    "ENGINE_VERSION",
    "Case",
    "CaseFormatError",
    "Catalog",
    "CatalogError",
    "EngineSettings",
    "FieldError",
    "Recommendation",
    "parse_case",
    "recommend",
    "recommend_dict",
    "recommendation_to_dict",
]


def recommend_dict(
    data: dict[str, Any], catalog: Catalog, settings: EngineSettings | None = None, *, today: date | None = None
) -> dict[str, Any]:
    """Parse and validate a case dict, recommend, and serialise the answer (format version 1). `today` bounds
    the case's dates (see parse_case)."""
    case = parse_case(data, catalog, today=today)
    return recommendation_to_dict(recommend(case, catalog, settings or EngineSettings()))
