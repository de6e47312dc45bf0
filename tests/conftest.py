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


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """A transactional test empties the database, and the content types come back with new ids: forget the old ones."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def default_catalog(db):
    """The default catalog file loaded into the test database; returns its release."""
    from regimens.catalog import DEFAULT_CATALOG_FILE, read_document
    from regimens.services import catalog_load

    return catalog_load(document=read_document(DEFAULT_CATALOG_FILE), note="test").release


# Tables whose rows PostgreSQL keeps frozen with triggers (patients migration 0008, board migration 0003).
FROZEN_TABLES = ("patients_accesslog", "patients_casereview", "patients_restaging", "board_boarddecision")


@pytest.fixture
def frozen_rows_writable(db):
    """For a test that arranges its scenario by writing rows the product never changes: on PostgreSQL the
    freezing triggers are switched off inside the test's own transaction, which rolls that back. The refusals
    themselves are specified in tests/integration/test_frozen_records.py and test_access_log_chain.py."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE waits for no deferred check: run the pending ones now, then defer again.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in FROZEN_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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
