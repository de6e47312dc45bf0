"""API tokens expire, hold one scope, and die with their user's password; each refusal says why in its 401."""

import importlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regimens import tokens
from regimens.models import ApiToken
from regimens.tokens import TokenRefused, token_create, token_user
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/recommend"
CASE = (Path(__file__).resolve().parent / "data" / "first-relapse.case.json").read_text()
RECOMMEND = ApiToken.Scope.RECOMMEND


def post_with(key: str):
    return Client().post(URL, data=CASE, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")


def refusal(response) -> str:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    return response.json()["errors"][0]["message"]


def refused_because(authorization: str, scope: str = RECOMMEND) -> str:
    with pytest.raises(TokenRefused) as refused:
        token_user(authorization, scope=scope)
    return refused.value.message


# --- expiry ------------------------------------------------------------------------------------------------


def test_a_new_token_expires_after_api_token_days_and_opens_the_recommend_door(clinician, settings):
    settings.API_TOKEN_DAYS = 30
    before = timezone.now()
    token, _ = token_create(user=clinician, name="EHR")
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)
    assert token.scope == RECOMMEND


def test_a_token_the_day_before_its_expiry_works(default_catalog, clinician):
    _, key = token_create(user=clinician, name="EHR", expires_at=timezone.now() + timedelta(days=1))
    assert post_with(key).status_code == 200


def test_a_token_the_day_after_its_expiry_gets_401_saying_it_expired(default_catalog, clinician):
    expired = timezone.now() - timedelta(days=1)
    _, key = token_create(user=clinician, name="EHR", expires_at=expired)
    message = refusal(post_with(key))
    assert message == tokens.EXPIRED.format(expired=timezone.localtime(expired).strftime("%Y-%m-%d %H:%M"))


def test_a_token_is_refused_from_the_moment_it_expires(clinician, monkeypatch):
    moment = timezone.now() + timedelta(days=5)
    _, key = token_create(user=clinician, name="EHR", expires_at=moment)
    monkeypatch.setattr(timezone, "now", lambda: moment - timedelta(seconds=1))
    assert token_user(f"Token {key}", scope=RECOMMEND) == clinician
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert refused_because(f"Token {key}").startswith("This API token expired on")


# --- scope -------------------------------------------------------------------------------------------------


def test_a_token_whose_scope_is_another_door_gets_401_naming_both_scopes(default_catalog, clinician):
    token, key = token_create(user=clinician, name="FHIR")
    ApiToken.objects.filter(pk=token.pk).update(scope="fhir-read")  # a scope a later door will add
    assert refusal(post_with(key)) == tokens.OUT_OF_SCOPE.format(scope="fhir-read", needed="recommend")


def test_token_user_refuses_a_recommend_token_at_another_door(clinician):
    _, key = token_create(user=clinician, name="EHR")
    assert refused_because(f"Bearer {key}", scope="fhir-read") == tokens.OUT_OF_SCOPE.format(
        scope="recommend", needed="fhir-read"
    )


# --- revocation and other refusals -------------------------------------------------------------------------


def test_a_revoked_token_gets_401_saying_it_was_revoked(default_catalog, clinician):
    token, key = token_create(user=clinician, name="old")
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert refusal(post_with(key)) == tokens.REVOKED


@pytest.mark.parametrize("authorization", ["Token not-a-key", "Token ", "Basic abc", "Token"])
def test_an_unknown_or_malformed_key_gets_401_saying_it_is_invalid(default_catalog, authorization):
    response = Client().post(URL, data=CASE, content_type="application/json", HTTP_AUTHORIZATION=authorization)
    assert refusal(response) == tokens.INVALID


def test_the_token_of_an_inactive_user_is_refused(default_catalog, clinician):
    _, key = token_create(user=clinician, name="EHR")
    clinician.is_active = False
    clinician.save()
    assert refusal(post_with(key)) == tokens.INACTIVE


def test_only_a_successful_use_is_recorded_as_last_used(default_catalog, clinician):
    live, live_key = token_create(user=clinician, name="live")
    dead, dead_key = token_create(user=clinician, name="dead", expires_at=timezone.now() - timedelta(days=1))
    post_with(live_key), post_with(dead_key)
    live.refresh_from_db(), dead.refresh_from_db()
    assert live.last_used_at is not None
    assert dead.last_used_at is None


def test_a_password_change_revokes_all_the_users_tokens_and_no_one_elses(clinician):
    other = UserFactory(username="other", roles=["clinician"])
    first, _ = token_create(user=clinician, name="one")
    second, _ = token_create(user=clinician, name="two")
    others, _ = token_create(user=other, name="theirs")
    clinician.set_password("a-new-long-passphrase-9")
    clinician.save()
    assert [t.revoked for t in ApiToken.objects.filter(pk__in=[first.pk, second.pk])] == [True, True]
    others.refresh_from_db()
    assert others.revoked is False


def test_the_password_change_page_revokes_the_users_tokens(default_catalog, clinician_client, clinician):
    _, key = token_create(user=clinician, name="EHR")
    new = "a-new-long-passphrase-9"
    response = clinician_client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert refusal(post_with(key)) == tokens.REVOKED


def test_saving_a_user_without_a_new_password_keeps_the_tokens(clinician):
    token, _ = token_create(user=clinician, name="EHR")
    clinician.first_name = "Renamed"
    clinician.save()
    token.refresh_from_db()
    assert token.revoked is False


def test_django_rehashing_a_password_at_login_is_not_a_password_change(clinician):
    clinician.password = make_password(PASSWORD, hasher="pbkdf2_sha1")  # an older hash Django upgrades
    clinician.save()
    token, _ = token_create(user=clinician, name="EHR")
    assert clinician.check_password(PASSWORD)
    clinician.refresh_from_db()
    token.refresh_from_db()
    assert clinician.password.startswith("pbkdf2_sha256$")
    assert token.revoked is False


def test_the_password_forms_say_that_a_change_revokes_api_keys(clinician_client):
    html = clinician_client.get(reverse("password_change")).content.decode()
    assert "Changing your password revokes your API keys." in html


# --- migration ---------------------------------------------------------------------------------------------


def test_tokens_made_before_expiry_existed_expire_90_days_after_their_creation(clinician):
    token, _ = token_create(user=clinician, name="old")
    created = timezone.now() - timedelta(days=200)
    ApiToken.objects.filter(pk=token.pk).update(created_at=created)
    migration = importlib.import_module("regimens.migrations.0010_api_token_expiry_and_scope")
    migration.expire_existing_tokens(apps, None)
    token.refresh_from_db()
    assert token.expires_at == created + timedelta(days=90)


# --- admin -------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def add_token(superuser_client, clinician, expires_at):
    local = timezone.localtime(expires_at)
    return superuser_client.post(
        reverse("admin:regimens_apitoken_add"),
        {
            "user": clinician.pk,
            "name": "EHR",
            "scope": "recommend",
            "expires_at_0": local.strftime("%Y-%m-%d"),
            "expires_at_1": local.strftime("%H:%M:%S"),
        },
    )


def test_the_admin_offers_the_default_expiry_and_issues_a_key_with_the_chosen_one(superuser_client, clinician):
    offered = superuser_client.get(reverse("admin:regimens_apitoken_add")).context["adminform"].form
    assert offered.initial["expires_at"] - timezone.now() == pytest.approx(timedelta(days=90), abs=timedelta(minutes=1))
    chosen = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    response = add_token(superuser_client, clinician, chosen)
    assert response.status_code == 302
    token = ApiToken.objects.get(user=clinician)
    assert (token.expires_at, token.scope) == (chosen, RECOMMEND)


def test_the_admin_refuses_a_new_key_that_has_already_expired(superuser_client, clinician):
    response = add_token(superuser_client, clinician, timezone.now() - timedelta(days=1))
    assert response.status_code == 200
    assert "A new key must expire in the future." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_admin_list_shows_expiry_scope_revoked_and_last_used(superuser_client, clinician):
    token_create(user=clinician, name="EHR")
    html = superuser_client.get(reverse("admin:regimens_apitoken_changelist")).content.decode()
    for column in ("column-expires_at", "column-scope", "column-revoked", "column-last_used_at"):
        assert column in html


def test_the_api_answers_json_for_every_refusal(default_catalog):
    response = Client().post(URL, data=CASE, content_type="application/json", HTTP_AUTHORIZATION="Token x")
    assert json.loads(response.content) == {"errors": [{"field": "", "message": tokens.INVALID}]}
