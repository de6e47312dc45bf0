"""Backup and restore (issue 12 item 8): a dump with natural keys of a populated database (the catalog, the demo
patients, saved cases, a tumour board meeting with a decision, the access log and every history table) loads
into an emptied database of the same schema and gives back every table's rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from board.models import BoardDecision
from patients.models import AccessLog, CaseReview
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Rebuilt by `migrate` (content types, permissions) or worth nothing in another database (sessions point at
# user ids the load may renumber; everyone logs in again). The README's dumpdata command excludes the same.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
# YAML keeps the microseconds of every time (JSON keeps milliseconds only), which the access log's hashes cover.
# References by natural key, every row keeping its own id: the README's command. With natural primary keys too,
# users are renumbered on loading, and the access log's hashes cover user ids (see the last test).
DUMP_OPTIONS = {"natural_foreign": True, "exclude": EXCLUDED, "format": "yaml"}
NATURAL_THROUGHOUT = {**DUMP_OPTIONS, "natural_primary": True}


@pytest.fixture
def populated(settings, default_catalog):
    UserFactory(username="left").delete()  # a gap in the user ids, as a real database has
    settings.DEBUG = True  # load_demo_data refuses to run without it
    call_command("load_demo_data", quiet_logins=True, stdout=None)
    assert CaseReview.objects.exists() and BoardDecision.objects.exists() and AccessLog.objects.exists()


def rows(model: type[models.Model]) -> list[str]:
    """Each row as its natural-key serialisation (user and group ids may change in a load), sorted."""
    serialised = serializers.serialize(
        "python", model._default_manager.all(), use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in serialised)


def snapshot() -> dict[str, object]:
    """Per table: the row count; and for each model that is not a many-to-many link (those are compared through
    the models that own them) or rebuilt by migrate, its rows."""
    seen: dict[str, object] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label == "sessions.session":
            continue
        seen[f"{label} count"] = model._default_manager.count()
        if not model._meta.auto_created and model._meta.app_label != "contenttypes" and label != "auth.permission":
            seen[label] = rows(model)
    return seen


def round_trip(tmp_path: Path, options: dict) -> None:
    """Dump, empty the database (flush keeps the schema), load the dump."""
    dump = tmp_path / "backup.yaml"
    call_command("dumpdata", output=str(dump), verbosity=0, **options)
    if connection.vendor == "postgresql":
        # The test runs in a transaction (rolled back after it): PostgreSQL truncates no table with foreign key
        # checks still pending in it. A real restore runs in no transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not CaseReview.objects.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as loaddata expects: it loads apps in any order
    call_command("loaddata", str(dump), verbosity=0)


@pytest.mark.parametrize("options", [DUMP_OPTIONS, NATURAL_THROUGHOUT], ids=["ids kept", "natural keys throughout"])
def test_a_natural_key_dump_loads_back_into_an_emptied_database(populated, tmp_path: Path, options):
    before = snapshot()
    assert sum(v for k, v in before.items() if k.endswith(" count")) > 500  # type: ignore[misc]
    round_trip(tmp_path, options)
    after = snapshot()
    differing = sorted(key for key in before if before[key] != after.get(key))
    assert not differing, f"tables that differ after the round trip: {differing}"


def test_the_restored_access_log_chain_is_intact(populated, tmp_path: Path, capsys):
    round_trip(tmp_path, DUMP_OPTIONS)
    capsys.readouterr()
    call_command("verify_access_log")
    assert "chain intact" in capsys.readouterr().out


def test_natural_primary_keys_renumber_the_users_whose_ids_the_access_log_hashes(populated, tmp_path: Path):
    ids = dict(get_user_model().objects.values_list("username", "pk"))
    round_trip(tmp_path, NATURAL_THROUGHOUT)
    assert dict(get_user_model().objects.values_list("username", "pk")) != ids
    with pytest.raises(CommandError, match="breaks the chain"):
        call_command("verify_access_log")
