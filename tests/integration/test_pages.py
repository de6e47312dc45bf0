"""The start page and the frame every page shares."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_start_page_shows_navigation_release_and_jurisdiction(clinician_client, settings):
    response = clinician_client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
    assert reverse("regimens:list") in html
    assert reverse("admin:index") not in html  # Admin is for staff only
    assert f"{settings.LABEL_JURISDICTION} label rules" in html
    assert "Catalog release" in html


def test_staff_see_the_admin_link(client, catalog_editor):
    client.force_login(catalog_editor)
    assert reverse("admin:index") in client.get(reverse("regimens:list")).content.decode()


def test_the_start_page_stays_within_its_query_budget(clinician_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        clinician_client.get(reverse("home"))


def test_demo_data_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo_data")


def test_demo_data_creates_one_user_per_role_and_prints_the_logins(settings, capsys, client, default_catalog):
    settings.DEBUG = True
    call_command("load_demo_data")
    call_command("load_demo_data")  # safe to run again
    out = capsys.readouterr().out
    assert "username clinician" in out and "password demo-clinician-pass" in out
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    assert [g.name for g in users["clinician"].groups.all()] == ["clinician"]
    assert [g.name for g in users["board"].groups.all()] == ["board member"]
    assert [g.name for g in users["editor"].groups.all()] == ["catalog editor"]
    assert users["editor"].is_staff and not users["clinician"].is_staff
    response = client.post(reverse("login"), {"username": "clinician", "password": "demo-clinician-pass"})
    assert response.status_code == 302


def test_pagination_keeps_the_search_and_moves_the_page(clinician_client, default_catalog):
    from regimens.models import Regimen, RegimenComponent
    from tests.integration.catalog.test_admin_and_pages import add_synthetic_regimens

    add_synthetic_regimens(60)
    assert RegimenComponent.objects.filter(regimen__code__startswith="SYN-").exists()
    html = clinician_client.get(reverse("regimens:list"), {"q": "synthetic", "page": "1"}).content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?q=synthetic&amp;page=2"' in html
    assert Regimen.objects.filter(code__startswith="SYN-").count() == 60
