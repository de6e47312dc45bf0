"""Every page needs login, except the few a person needs before logging in (walks the URL resolver)."""

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "favicon",
    "admin:login",
}
# JSON endpoints answer 401 in JSON instead of redirecting (tests/integration/test_api.py).
API = {"api-recommend"}
SAMPLE_VALUES = ["1", "regimens", "DRd", "MQ", "set-password", "00000000-0000-0000-0000-000000000000"]


def named_patterns(resolver: URLResolver | None = None, namespace: str | None = None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def sample_url(name: str, pattern: URLPattern) -> str:
    regex = pattern.pattern.regex
    params = list(regex.groupindex)
    positional = regex.groups - len(params)
    for value in SAMPLE_VALUES:
        try:
            if positional:
                return reverse(name, args=[value] * positional)
            return reverse(name, kwargs=dict.fromkeys(params, value))
        except NoReverseMatch:
            continue
    # Some patterns need different values per parameter (e.g. uidb64 and token).
    return reverse(name, kwargs={p: SAMPLE_VALUES[i % len(SAMPLE_VALUES)] for i, p in enumerate(params)})


ALL_PATTERNS = sorted(dict(named_patterns()).items())


def test_the_url_walk_finds_the_product_pages():
    names = {name for name, _ in ALL_PATTERNS}
    assert {"home", "regimens:list", "regimens:detail", "admin:index"} <= names
    assert names >= PUBLIC


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "pattern"), [p for p in ALL_PATTERNS if p[0] not in PUBLIC | API], ids=lambda v: str(v)
)
def test_anonymous_requests_are_sent_to_log_in(client, name, pattern):
    url = sample_url(name, pattern)
    response = client.get(url)
    assert response.status_code == 302, f"{name} ({url}) answered {response.status_code}"
    location = response.headers["Location"]
    assert re.match(rf"^({reverse(settings.LOGIN_URL)}|{reverse('admin:login')})\?next=", location), location


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC - {"password_reset_confirm"}))
def test_public_pages_answer_without_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == (302 if name == "favicon" else 200)
    if name == "favicon":
        assert "/static/img/favicon" in response.headers["Location"]


@pytest.mark.django_db
def test_password_reset_link_page_is_public(client):
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}))
    assert response.status_code == 200
    assert b"This link has expired" in response.content
