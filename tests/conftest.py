"""Fixtures shared by every layer of the test suite."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def clinician(db):
    return UserFactory(username="clin", roles=["clinician"])


@pytest.fixture
def board_member(db):
    return UserFactory(username="boardm", roles=["board member"])


@pytest.fixture
def catalog_editor(db):
    return UserFactory(username="editor1", roles=["catalog editor"], is_staff=True)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture(autouse=True)
def _fresh_engine_catalog_cache():
    """Each test sees the engine catalog of its own database, never one cached by an earlier test."""
    from regimens import catalog

    catalog._engine_catalogs.clear()
    yield
    catalog._engine_catalogs.clear()


@pytest.fixture
def default_catalog(db):
    """The default catalog file loaded into the test database; returns its release."""
    from regimens.catalog import DEFAULT_CATALOG_FILE, read_document
    from regimens.services import catalog_load

    return catalog_load(document=read_document(DEFAULT_CATALOG_FILE), note="test").release


def pytest_collection_modifyitems(config, items):
    """Only browser tests may use Playwright's fixtures: a test elsewhere that names one (a parameter called
    `page`, say) is run once per browser and sorted among the browser tests, whose emptied database then breaks
    the database tests after it."""
    strays = [
        item.nodeid
        for item in items
        if "/browser/" not in str(item.path)
        and "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    if strays:
        raise pytest.UsageError("Tests outside tests/browser use Playwright's fixtures: " + ", ".join(strays[:5]))
