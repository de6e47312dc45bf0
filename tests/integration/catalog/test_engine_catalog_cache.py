"""The engine's catalog is built once per catalog release, never per request."""

import pytest

from regimens import catalog as catalog_module
from regimens.catalog import engine_catalog
from regimens.models import Regimen
from regimens.services import release_create

pytestmark = pytest.mark.django_db


def test_the_same_release_gives_the_same_engine_catalog_object(default_catalog, django_assert_max_num_queries):
    first = engine_catalog()
    with django_assert_max_num_queries(1):  # only "which release is in force?"
        again = engine_catalog()
    assert again is first
    assert first.version == default_catalog.label


def test_a_new_release_builds_a_new_engine_catalog(default_catalog):
    before = engine_catalog()
    Regimen.objects.filter(code="DRd").update(description="changed")
    release = release_create(note="test")
    after = engine_catalog()
    assert after is not before
    assert after.version == release.label


def test_an_older_release_can_still_be_rebuilt_exactly(default_catalog):
    Regimen.objects.filter(code="DRd").update(active=False)
    release_create(note="DRd inactive")
    current = engine_catalog()
    old = engine_catalog(default_catalog)
    assert "DRd" not in {r.code for r in current.evaluated}
    assert "DRd" in {r.code for r in old.evaluated}
    assert len(catalog_module._engine_catalogs) == 1  # only one kept warm
