"""The catalog admin (who may change what, history, releases, validation) and the clinicians' catalog pages."""

import json

import pytest
from django.urls import reverse

from regimens import models as m
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def regimen_form(regimen: m.Regimen, **overrides) -> dict:
    """The admin change form of a regimen as the browser would post it, with its inlines unchanged."""
    data = {
        "code": regimen.code,
        "kind": regimen.kind,
        "active": "on" if regimen.active else "",
        "name": regimen.name,
        "description": regimen.description,
        "requires_cytogenetic": regimen.requires_cytogenetic,
        "change_reason": "Pharmacy review",
        "_save": "Save",
    }
    for flag in (
        "all_oral",
        "intensive",
        "exempt_from_two_drug_rule",
        "off_label_by_design",
        "carfilzomib_twice_weekly",
        "multi_agent_chemotherapy",
        "high_dose_dexamethasone",
    ):
        if getattr(regimen, flag):
            data[flag] = "on"

    def inline(prefix, rows, fields):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = str(row.pk)
            data[f"{prefix}-{i}-regimen"] = str(regimen.pk)
            for field in fields:
                value = getattr(row, field)
                if hasattr(value, "pk"):
                    value = value.pk
                if isinstance(value, bool):
                    if value:
                        data[f"{prefix}-{i}-{field}"] = "on"
                    continue
                if isinstance(value, (list, dict)):
                    data[f"{prefix}-{i}-{field}"] = json.dumps(value)
                    continue
                data[f"{prefix}-{i}-{field}"] = "" if value is None else str(value)

    inline("components", list(regimen.components.all()), ["position", "drug", "role"])
    inline(
        "preferences",
        list(regimen.preferences.all()),
        ["pathway", "setting", "fitness", "rank", "tier", "note", "note_applies_if"],
    )
    labels = list(regimen.labels.all())
    inline(
        "labels",
        labels,
        ["jurisdiction", "status", "date", "min_prior_lines", "max_prior_lines", "progression_on_last_line", "text"],
    )
    for i, label in enumerate(labels):
        for field in ("classes_exposed", "drugs_exposed", "drugs_refractory", "classes_refractory"):
            data[f"labels-{i}-{field}"] = [str(pk) for pk in getattr(label, field).values_list("pk", flat=True)]
    inline("cautions", list(regimen.cautions.all()), ["code", "text", "applies_if"])
    inline(
        "trials",
        list(regimen.trials.all()),
        ["position", "name", "registry_id", "phase", "comparator", "n_randomized", "population", "citation",
         "verification", "pubmed_id", "doi", "key_exclusions"],
    )  # fmt: skip
    inline(
        "outcomes",
        list(regimen.outcomes.all()),
        ["trial", "metric", "analysis", "experimental", "control", "unit", "hr", "ci_low", "ci_high", "ci_level",
         "p", "verification", "source", "note", "subgroup", "published"],
    )  # fmt: skip
    inline("toxicities", list(regimen.toxicities.all()), ["position", "text", "verification", "source"])
    inline(
        "regulatory_events",
        list(regimen.regulatory_events.all()),
        ["position", "agency", "date", "event", "verification", "source"],
    )
    data.update(overrides)
    return data


def change_url(regimen):
    return reverse("admin:regimens_regimen_change", args=[regimen.pk])


def test_a_catalog_editor_changes_a_regimen_with_history_and_one_new_release(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    drd = m.Regimen.objects.get(code="DRd")
    history_before = drd.history.count()
    response = client.post(change_url(drd), regimen_form(drd, description="Reviewed by pharmacy 2026-11-25."))
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    drd.refresh_from_db()
    assert drd.description == "Reviewed by pharmacy 2026-11-25."
    assert drd.history.count() == history_before + 1
    assert drd.history.first().history_user == catalog_editor
    releases = list(m.CatalogRelease.objects.order_by("id"))
    assert len(releases) == 2
    assert releases[1].created_by == catalog_editor
    assert releases[1].snapshot["regimens"] != releases[0].snapshot["regimens"]


def test_saving_without_a_change_makes_no_new_release(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    drd = m.Regimen.objects.get(code="DRd")
    assert client.post(change_url(drd), regimen_form(drd)).status_code == 302
    assert m.CatalogRelease.objects.count() == 1


def test_deleting_a_regimen_in_the_admin_makes_a_release(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    tal_d = m.Regimen.objects.get(code="Tal-D")
    url = reverse("admin:regimens_regimen_delete", args=[tal_d.pk])
    refused = client.post(url, {"post": "yes"})
    assert refused.status_code == 302 and m.Regimen.objects.filter(code="Tal-D").exists()  # no reason given
    response = client.post(url, {"post": "yes", "change_reason": "Not pursued by our centre"})
    assert response.status_code == 302
    assert not m.Regimen.objects.filter(code="Tal-D").exists()
    assert m.CatalogRelease.objects.count() == 2
    assert m.CatalogRelease.objects.latest().note.startswith("Not pursued by our centre")


def test_a_rank_already_taken_in_the_setting_is_refused_with_a_clear_message(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    krd = m.Regimen.objects.get(code="KRd")
    data = regimen_form(krd)
    active = {"pathway__active": True, "setting": "first_relapse_len_sensitive", "fitness": "any"}
    index = next(
        i
        for i, p in enumerate(krd.preferences.all())
        if (p.pathway.active, p.setting, p.fitness) == (True, "first_relapse_len_sensitive", "any")
    )
    drd_rank = m.SettingPreference.objects.get(regimen__code="DRd", **active).rank
    data[f"preferences-{index}-rank"] = str(drd_rank)
    response = client.post(change_url(krd), data)
    assert response.status_code == 200
    assert "is already taken by DRd" in response.content.decode()
    assert m.CatalogRelease.objects.count() == 1


def test_a_regimen_needs_an_active_component(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    pd = m.Regimen.objects.get(code="Pd")
    data = regimen_form(pd)
    for i in range(int(data["components-TOTAL_FORMS"])):
        data[f"components-{i}-role"] = "corticosteroid"
    response = client.post(change_url(pd), data)
    assert response.status_code == 200
    assert "needs at least one active component" in response.content.decode()


def test_a_drug_may_appear_only_once_in_a_regimen(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    pd = m.Regimen.objects.get(code="Pd")
    data = regimen_form(pd)
    total = int(data["components-TOTAL_FORMS"])
    data["components-TOTAL_FORMS"] = str(total + 1)
    data[f"components-{total}-drug"] = data["components-0-drug"]
    data[f"components-{total}-role"] = "active"
    data[f"components-{total}-position"] = "9"
    response = client.post(change_url(pd), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "is listed twice" in html or "Please correct the duplicate data for drug" in html


@pytest.mark.parametrize("role", ["clinician", "board member"])
def test_clinicians_and_board_members_cannot_change_the_catalog(client, default_catalog, role):
    user = UserFactory(roles=[role], is_staff=True)  # even with admin access they may only look
    client.force_login(user)
    drd = m.Regimen.objects.get(code="DRd")
    response = client.post(change_url(drd), regimen_form(drd, description="changed"))
    assert response.status_code == 403
    assert m.Regimen.objects.get(code="DRd").description != "changed"
    assert m.CatalogRelease.objects.count() == 1


def test_releases_cannot_be_edited_even_by_a_superuser(client, default_catalog):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    release = m.CatalogRelease.objects.get()
    assert client.post(reverse("admin:regimens_catalogrelease_change", args=[release.pk]), {}).status_code == 403
    assert client.get(reverse("admin:regimens_catalogrelease_add")).status_code == 403


def test_the_admin_changelist_searches_by_drug_and_trial(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    url = reverse("admin:regimens_regimen_changelist")
    by_drug = client.get(url, {"q": "pomalidomide"}).content.decode()
    assert ">DPd<" in by_drug and ">DRd<" not in by_drug
    by_trial = client.get(url, {"q": "POLLUX"}).content.decode()
    assert ">DRd<" in by_trial
    by_setting = client.get(url, {"setting": "pcl_or_emd"}).content.decode()
    assert ">VDT-PACE<" in by_setting and ">DRd<" not in by_setting


def add_synthetic_regimens(count: int) -> None:
    drug = m.Drug.objects.get(name="lenalidomide")
    steroid = m.Drug.objects.get(name="dexamethasone")
    regimens = m.Regimen.objects.bulk_create(
        [m.Regimen(code=f"SYN-{i}", name=f"synthetic regimen {i}") for i in range(count)]
    )
    m.RegimenComponent.objects.bulk_create(
        [m.RegimenComponent(regimen=r, drug=drug, role="active") for r in regimens]
        + [m.RegimenComponent(regimen=r, drug=steroid, role="corticosteroid", position=1) for r in regimens]
    )
    pathway = m.Pathway.objects.get(active=True)
    m.SettingPreference.objects.bulk_create(
        [
            m.SettingPreference(pathway=pathway, regimen=r, setting="second_plus_relapse", rank=100 + i, tier="other")
            for i, r in enumerate(regimens)
        ]
    )


@pytest.mark.parametrize(
    ("url_name", "user_fixture"),
    [("admin:regimens_regimen_changelist", "catalog_editor"), ("regimens:list", "clinician")],
)
def test_catalog_lists_use_the_same_number_of_queries_as_the_catalog_grows(
    client, default_catalog, request, url_name, user_fixture, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(user_fixture))
    url = reverse(url_name)
    with django_assert_max_num_queries(15):
        client.get(url)
    add_synthetic_regimens(60)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add_synthetic_regimens(0)
    m.Regimen.objects.filter(code__startswith="SYN-").delete()
    add_synthetic_regimens(200)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries) <= 15


def test_the_regimen_page_shows_each_figure_beside_its_own_analysis(clinician_client, default_catalog):
    html = clinician_client.get(reverse("regimens:detail", args=["DRd"])).content.decode()
    assert "POLLUX" in html
    rows = html.split("<tr>")
    for outcome in m.Outcome.objects.filter(regimen__code="DRd", hr__isnull=False):
        hr_text = f"{outcome.hr.normalize()} ({outcome.ci_low.normalize()}–{outcome.ci_high.normalize()})"
        assert any(
            f'title="{outcome.metric}"' in row and f">{outcome.analysis}</td>" in row and hr_text in row for row in rows
        ), (outcome.metric, outcome.analysis, hr_text, [r for r in rows if outcome.analysis in r][:1])
    assert "not verified" in html  # DRd has figures that are not verified


def test_the_regimen_page_stays_within_its_query_budget(
    clinician_client, default_catalog, django_assert_max_num_queries
):
    clinician_client.get(reverse("home"))  # the session's expiry was just renewed: a steady-state page view
    with django_assert_max_num_queries(15):
        response = clinician_client.get(reverse("regimens:detail", args=["cilta-cel"]))
    assert response.status_code == 200


def test_an_unknown_regimen_is_a_404(clinician_client, default_catalog):
    assert clinician_client.get(reverse("regimens:detail", args=["NOPE"])).status_code == 404


def test_the_catalog_list_filters_by_setting(clinician_client, default_catalog):
    html = clinician_client.get(reverse("regimens:list"), {"setting": "pcl_or_emd"}).content.decode()
    assert ">VDT-PACE<" in html and ">DRd<" not in html


def test_the_outcome_inline_offers_only_this_regimens_trials(client, catalog_editor, default_catalog):
    client.force_login(catalog_editor)
    drd = m.Regimen.objects.get(code="DRd")
    form = client.get(change_url(drd)).context["inline_admin_formsets"]
    outcomes = next(f for f in form if f.opts.model is m.Outcome)
    choices = set(outcomes.formset.forms[0].fields["trial"].queryset.values_list("regimen__code", flat=True))
    assert choices == {"DRd"}
