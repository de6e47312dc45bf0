"""Reads of the catalog for pages, each in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from regimens import models as m


@dataclass(frozen=True)
class CatalogSummary:
    active_regimens: int
    jurisdiction: str


def catalog_summary() -> CatalogSummary:
    """Counts for the start page (the release in force comes with every page's context)."""
    return CatalogSummary(
        active_regimens=m.Regimen.objects.filter(active=True, kind=m.RegimenKind.REGIMEN).count(),
        jurisdiction=settings.LABEL_JURISDICTION,
    )


def _entries() -> Prefetch:
    """Each regimen's pathway entries, the active pathway's first."""
    return Prefetch(
        "preferences",
        queryset=m.SettingPreference.objects.select_related("pathway").order_by(
            "-pathway__active", "pathway__code", "setting", "fitness", "rank"
        ),
    )


def regimen_list(*, query: str = "", setting: str = "") -> QuerySet:
    """Active regimens, optionally matching a code, name, drug or trial, or listed in a setting."""
    regimens = (
        m.Regimen.objects.filter(active=True)
        .prefetch_related(
            Prefetch("components", queryset=m.RegimenComponent.objects.select_related("drug__drug_class")),
            _entries(),
        )
        .order_by("code")
    )
    if query:
        regimens = regimens.filter(
            Q(code__icontains=query)
            | Q(name__icontains=query)
            | Q(components__drug__name__icontains=query)
            | Q(trials__name__icontains=query)
        ).distinct()
    if setting:
        regimens = regimens.filter(preferences__setting=setting, preferences__pathway__active=True).distinct()
    return regimens


def regimen_detail(code: str) -> m.Regimen:
    return m.Regimen.objects.prefetch_related(
        Prefetch("components", queryset=m.RegimenComponent.objects.select_related("drug__drug_class")),
        "labels",  # the page shows each label's text; its condition lists are for the engine and the admin
        _entries(),
        "cautions",
        "toxicities",
        "regulatory_events",
        Prefetch("trials", queryset=m.Trial.objects.prefetch_related("outcomes")),
    ).get(code=code)
