"""The one door from Django to the engine: the browser, the API and `manage.py recommend` all come here."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from regimens.catalog import engine_catalog


def engine_settings():
    from regimens.engine import EngineSettings

    return EngineSettings(
        label_jurisdiction=settings.LABEL_JURISDICTION,
        salvage_asct_max_age=settings.SALVAGE_ASCT_MAX_AGE,
        salvage_asct_min_remission_months=settings.SALVAGE_ASCT_MIN_REMISSION_MONTHS,
        salvage_asct_min_remission_months_with_maintenance=settings.SALVAGE_ASCT_MIN_REMISSION_MONTHS_WITH_MAINTENANCE,
    )


def recommend_case(case: dict[str, Any], *, catalog=None) -> dict[str, Any]:
    """The recommendation (`myeloma-cds-recommendation/1`) for a case dict (`myeloma-cds-case/1`).

    Uses the catalog release in force unless an engine catalog is given. Raises
    `regimens.engine.CaseFormatError` (with one `FieldError` per problem) for an invalid case.
    """
    from regimens.engine import recommend_dict

    return recommend_dict(case, catalog or engine_catalog(), engine_settings())
