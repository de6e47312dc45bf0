"""The one door from Django to the engine: the browser, the API and `manage.py recommend` all come here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from regimens.catalog import engine_catalog


class UnknownPathway(ValueError):
    """A pathway code the catalog does not hold; the message names the codes it does."""

    def __init__(self, code: str, known: tuple[str, ...]) -> None:
        self.code, self.known = code, known
        super().__init__(f"unknown pathway {code!r}; this catalog has: {', '.join(known)}")


def engine_settings(pathway: str | None = None):
    from regimens.engine import EngineSettings

    return EngineSettings(
        pathway=pathway,
        label_jurisdiction=settings.LABEL_JURISDICTION,
        salvage_asct_max_age=settings.SALVAGE_ASCT_MAX_AGE,
        salvage_asct_min_remission_months=settings.SALVAGE_ASCT_MIN_REMISSION_MONTHS,
        salvage_asct_min_remission_months_with_maintenance=settings.SALVAGE_ASCT_MIN_REMISSION_MONTHS_WITH_MAINTENANCE,
    )


def recommend_case(case: dict[str, Any], *, catalog=None, pathway: str | None = None) -> dict[str, Any]:
    """The recommendation (`myeloma-cds-recommendation/1`) for a case dict (`myeloma-cds-case/1`).

    Uses the catalog release in force unless an engine catalog is given, and the catalog's active pathway unless
    another is named. Raises `regimens.engine.CaseFormatError` (with one `FieldError` per problem) for an
    invalid case (a date later than today + 1 day included) and `UnknownPathway` for a pathway the catalog does
    not hold.
    """
    from regimens.engine import recommend_dict

    catalog = catalog or engine_catalog()
    if pathway is not None and pathway not in catalog.pathway_codes:
        raise UnknownPathway(pathway, catalog.pathway_codes)
    return recommend_dict(case, catalog, engine_settings(pathway), today=timezone.localdate())
