"""Browser tests: Playwright's sync API drives Debian's Chromium against pytest-django's live server.

They are skipped, with the reason, only when /usr/bin/chromium is missing and CI is not set: in CI they run
and fail loudly. Screenshots go to test-artifacts/screenshots/.
"""

import importlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
AXE = PROJECT / "static" / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "correct-horse-battery-staple"  # tests.factories.PASSWORD


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(
        reason="Debian Chromium is not installed at /usr/bin/chromium (run `make browser-deps`); "
        "the browser tests run whenever it is present and always in CI"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-base-url's fixture, whose form pytest 9 deprecates (an error under -W error); the tests
    use live_server.url."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def records(transactional_db, live_server):
    """The roles and the default catalog in the live server's database.

    A live-server test runs outside a transaction and its database is emptied afterwards; the role groups,
    made by data migrations, are made again here by those migrations' own functions (idempotent)."""
    from django.apps import apps

    from regimens.catalog import DEFAULT_CATALOG_FILE, read_document
    from regimens.services import catalog_load

    models_modules = {config.label: config.models_module for config in apps.get_app_configs()}
    try:  # the migrations briefly mark app configs; the real registry gets its values back afterwards
        importlib.import_module("patients.migrations.0001_roles").create_roles(apps, None)
        importlib.import_module("patients.migrations.0003_record_permissions").grant(apps, None)
        importlib.import_module("board.migrations.0002_roles").grant(apps, None)
    finally:
        for config in apps.get_app_configs():
            config.models_module = models_modules[config.label]
    return catalog_load(document=read_document(DEFAULT_CATALOG_FILE), note="browser tests").release


@pytest.fixture
def clinician_user(records):
    from tests.factories import UserFactory

    return UserFactory(username="browser-clinician", first_name="Clara", last_name="Hughes", roles=["clinician"])


@pytest.fixture
def console_errors(page):
    """Console errors and CSP violations seen by the page (the CSP is enforced in the default context)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def axe_page(browser, live_server, clinician_user):
    """A logged-in page in a context that bypasses the CSP, so that axe-core can be injected."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, clinician_user.username)
    yield page
    context.close()


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
