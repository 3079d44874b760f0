"""A live console on loopback and Debian's Chromium driven by Playwright (never a downloaded browser)."""

import hashlib
import hmac
import json
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from console import create_app, demo
from console.extensions import db
from escalation_pathways import vault
from tests.conftest import ARTIFACTS, base_config
from tests.helpers import serve_in_background

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_app(tmp_path, smtp_server, sqlite_templates):
    """The console app with the demo trust (a copy of the session's template), for a live server (tests may add
    data through it first)."""
    shutil.copy(sqlite_templates["demo"], tmp_path / "browser.db")
    shutil.copy(sqlite_templates["vault"], tmp_path / "vault.db")
    app = create_app(base_config(f"sqlite:///{tmp_path / 'browser.db'}", MAIL_SERVER="127.0.0.1",
                                 MAIL_PORT=smtp_server.port, TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'tasks.db'}",
                                 PID_DATABASE_URL=f"sqlite:///{tmp_path / 'vault.db'}",
                                 # The journeys follow what the engine chooses in a short run, as managers see it.
                                 SOLVER_WORKERS=2))
    yield app
    with app.app_context():
        db.engine.dispose()
        vault.get().close()


@pytest.fixture
def live_server(live_app):
    """The console with the demo trust, served on a free loopback port for this test."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_URL"] = url  # links in emails and on pages point here, as make run's do
    thread = serve_in_background(server)
    yield url
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def on_a_phone(page) -> None:
    """Narrow the page to a phone's width, 390 px."""
    page.set_viewport_size({"width": 390, "height": 844})


def assert_no_sideways_scrolling(page, what: str = "the page") -> None:
    """Nothing runs off the side of the screen: the page is no wider than the window."""
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
        f"{what} is wider than the screen"


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violations on the current page, once it has loaded with its stylesheet (an
    unstyled page shows its skip link as a small inline link: a false 'target too small')."""
    page.wait_for_load_state("load")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


def sign_in_with_password(page, base_url: str, email: str) -> None:
    """Sign in a demo person with their password (the MFA step, where asked for, is the test's own)."""
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def push_post(page, live_server: str, payload: dict) -> dict:
    """The platform sends a post to the demo low-risk service, signed; the console's answer (the item's id and
    priority)."""
    body = json.dumps(payload)
    signature = "sha256=" + hmac.new(demo.DEMO_INGEST_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    response = page.request.post(f"{live_server}/api/v1/services/demo-low/posts", data=body,
                                 headers={"Content-Type": "application/json", "X-Signature": signature})
    assert response.status == 201
    return response.json()
