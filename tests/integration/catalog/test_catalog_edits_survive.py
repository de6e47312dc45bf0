"""Catalog edits made in the admin survive `make run` and deploy steps: a file load never overwrites them
silently (issue: safe data entry, catalog edits survive)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from regimens import models as m
from tests.integration.catalog.test_admin_and_pages import change_url, regimen_form

pytestmark = pytest.mark.django_db
EDITED = "Reviewed by pharmacy: weekly carfilzomib for patients over 75."


def edit_krd_in_the_admin(client, catalog_editor) -> None:
    client.force_login(catalog_editor)
    krd = m.Regimen.objects.get(code="KRd")
    response = client.post(change_url(krd), regimen_form(krd, description=EDITED, change_reason="Local protocol"))
    assert response.status_code == 302


def make_run_steps() -> None:
    """What `make run` does to the database before serving (Makefile)."""
    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_catalog", "--keep-edits")


def test_the_make_run_steps_keep_an_edit_made_in_the_admin(client, catalog_editor, default_catalog, capsys):
    edit_krd_in_the_admin(client, catalog_editor)
    make_run_steps()
    assert m.Regimen.objects.get(code="KRd").description == EDITED
    out = capsys.readouterr().out
    assert "not loaded" in out and "regimens that differ: KRd" in out and "kept" in out


def test_a_plain_load_refuses_and_names_the_regimens_that_differ(client, catalog_editor, default_catalog):
    edit_krd_in_the_admin(client, catalog_editor)
    with pytest.raises(CommandError) as error:
        call_command("load_catalog")
    assert error.value.returncode == 2
    message = str(error.value)
    assert "regimens that differ: KRd" in message and "--force" in message and "Local protocol" in message
    assert m.Regimen.objects.get(code="KRd").description == EDITED


def test_force_overwrites_the_edits_and_records_a_load(client, catalog_editor, default_catalog):
    edit_krd_in_the_admin(client, catalog_editor)
    call_command("load_catalog", "--force")
    assert m.Regimen.objects.get(code="KRd").description != EDITED
    assert m.CatalogRelease.objects.latest().origin == "load"
    call_command("load_catalog")  # the database matches the file again: a plain load is fine


def test_an_edit_the_file_would_not_touch_does_not_block_a_load(client, catalog_editor, default_catalog, tmp_path):
    edit_krd_in_the_admin(client, catalog_editor)
    import yaml

    from regimens.catalog import export_document

    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(export_document()))
    call_command("load_catalog", str(path))  # the same content as the edited database: nothing to overwrite
    assert m.Regimen.objects.get(code="KRd").description == EDITED


def test_the_release_history_shows_the_reason_with_who_and_when(client, catalog_editor, default_catalog, admin_user):
    edit_krd_in_the_admin(client, catalog_editor)
    client.force_login(admin_user)
    html = client.get(reverse("admin:regimens_catalogrelease_changelist")).content.decode()
    assert "Local protocol" in html and catalog_editor.username in html and "Edited in the admin" in html


def test_every_admin_change_asks_for_a_reason(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    krd = m.Regimen.objects.get(code="KRd")
    response = client.post(change_url(krd), regimen_form(krd, description=EDITED, change_reason=""))
    assert response.status_code == 200
    assert "Reason for this change" in response.content.decode()
    assert m.Regimen.objects.get(code="KRd").description != EDITED
    for name in ("drug", "drugclass", "enginetext", "trial", "pathway"):
        html = client.get(reverse(f"admin:regimens_{name}_add")).content.decode()
        assert 'name="change_reason"' in html, name
