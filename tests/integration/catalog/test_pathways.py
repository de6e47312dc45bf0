"""Pathways in the admin (algorithm 9.1): catalog editors choose the one in force; the release records it."""

import json

import pytest
from django.urls import reverse

from regimens import models as m

pytestmark = pytest.mark.django_db


def pathway_form(pathway: m.Pathway, **overrides) -> dict:
    entries = list(pathway.entries.all())
    data = {
        "code": pathway.code,
        "title": pathway.title,
        "date": pathway.date,
        "source": pathway.source,
        "description": pathway.description,
        "change_reason": "Board decision 2026-12",
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": str(len(entries)),
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    if pathway.active:
        data["active"] = "on"
    for i, e in enumerate(entries):
        data.update(
            {
                f"entries-{i}-id": str(e.pk),
                f"entries-{i}-pathway": str(pathway.pk),
                f"entries-{i}-regimen": str(e.regimen_id),
                f"entries-{i}-setting": e.setting,
                f"entries-{i}-fitness": e.fitness,
                f"entries-{i}-rank": str(e.rank),
                f"entries-{i}-tier": e.tier,
                f"entries-{i}-note": e.note,
                f"entries-{i}-note_applies_if": json.dumps(e.note_applies_if),
            }
        )
    data.update(overrides)
    return data


def test_the_default_catalog_puts_guidelines_in_force_and_keeps_the_seed_for_reference(default_catalog):
    assert list(m.Pathway.objects.values_list("code", "active")) == [("guidelines-2026", True), ("seed-2025", False)]
    assert default_catalog.pathway == "guidelines-2026"


def test_an_editor_puts_another_pathway_in_force_with_a_reason_and_a_release_records_it(
    client, catalog_editor, default_catalog
):
    client.force_login(catalog_editor)
    seed = m.Pathway.objects.get(code="seed-2025")
    response = client.post(reverse("admin:regimens_pathway_change", args=[seed.pk]), pathway_form(seed, active="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(m.Pathway.objects.filter(active=True).values_list("code", flat=True)) == ["seed-2025"]
    release = m.CatalogRelease.objects.latest()
    assert release.pathway == "seed-2025" and release.created_by == catalog_editor
    assert release.note.startswith("Board decision 2026-12") and release.origin == "admin"
    assert m.Pathway.history.filter(code="guidelines-2026", active=False).exists()


def test_a_change_without_a_reason_is_refused_and_nothing_changes(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    seed = m.Pathway.objects.get(code="seed-2025")
    response = client.post(
        reverse("admin:regimens_pathway_change", args=[seed.pk]), pathway_form(seed, active="on", change_reason="")
    )
    assert response.status_code == 200
    assert m.Pathway.objects.get(active=True).code == "guidelines-2026"
    assert m.CatalogRelease.objects.count() == 1


def test_the_pathway_in_force_cannot_be_switched_off_or_deleted(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    active = m.Pathway.objects.get(active=True)
    data = pathway_form(active)
    data.pop("active")
    response = client.post(reverse("admin:regimens_pathway_change", args=[active.pk]), data)
    assert response.status_code == 200
    assert "One pathway must stay active" in response.content.decode()
    delete = client.post(
        reverse("admin:regimens_pathway_delete", args=[active.pk]), {"post": "yes", "change_reason": "Tidy up"}
    )
    assert delete.status_code == 403
    assert m.Pathway.objects.filter(pk=active.pk, active=True).exists()


def test_a_rank_taken_in_the_same_pathway_names_its_holder(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    seed = m.Pathway.objects.get(code="seed-2025")
    data = pathway_form(seed)
    entries = list(seed.entries.all())
    krd = next(
        i for i, e in enumerate(entries) if (e.regimen.code, e.setting) == ("KRd", "first_relapse_len_sensitive")
    )
    data[f"entries-{krd}-rank"] = "1"
    response = client.post(reverse("admin:regimens_pathway_change", args=[seed.pk]), data)
    assert response.status_code == 200
    assert "already taken by DRd" in response.content.decode()


def test_a_condition_outside_the_vocabulary_is_refused(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    seed = m.Pathway.objects.get(code="seed-2025")
    data = pathway_form(seed)
    data["entries-0-note_applies_if"] = '["tall_patients"]'
    response = client.post(reverse("admin:regimens_pathway_change", args=[seed.pk]), data)
    assert response.status_code == 200
    assert "unknown condition" in response.content.decode()


def test_clinicians_see_both_pathways_on_the_regimen_page(client, clinician, default_catalog):
    client.force_login(clinician)
    html = client.get(reverse("regimens:detail", args=["DVd"])).content.decode()
    assert "Guidelines 2026" in html and "Seed 2025" in html and "in force" in html


def test_first_line_regimens_say_they_are_never_offered(client, clinician, default_catalog):
    client.force_login(clinician)
    html = client.get(reverse("regimens:detail", args=["VRd"])).content.decode()
    assert "never offered at relapse" in html
