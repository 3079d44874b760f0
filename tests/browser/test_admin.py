"""An owner finds their way by the sections of the navigation and reads the audit log, in real Chromium."""

import pyotp
import pytest
from playwright.sync_api import expect

from console import demo
from tests.browser.conftest import assert_accessible, assert_no_sideways_scrolling, on_a_phone, screenshot
from tests.browser.conftest import sign_in_with_password

pytestmark = pytest.mark.browser
OWNER = "amara.okafor@demo-trust.example.org"


def sign_in_with_mfa(page, live_server: str, email: str) -> None:
    sign_in_with_password(page, live_server, email)
    page.wait_for_url(f"{live_server}/auth/mfa")
    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")


def test_an_owner_reads_who_did_what_in_the_audit_log_on_a_desktop_and_a_phone(page, live_server):
    sign_in_with_mfa(page, live_server, OWNER)
    main = page.get_by_role("navigation", name="Main")
    assert main.get_by_role("listitem").count() <= 8
    box = main.bounding_box()
    assert box["height"] < 60, "the sections fit on one row at desktop width"
    main.get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Audit log").click()
    page.wait_for_url(f"{live_server}/admin/audit")
    lines = page.get_by_role("list", name="Audit entries, newest first").get_by_role("listitem")
    assert lines.first.inner_text().split("\n")[-1].startswith("Amara Okafor signed in")
    assert_accessible(page)
    screenshot(page, "audit-log")

    page.get_by_label("Person").select_option(label="Amara Okafor")
    page.get_by_label("What happened").select_option(label="Signed in")
    page.get_by_role("button", name="Show").click()
    assert lines.count() == 1 and "Amara Okafor signed in." in lines.first.inner_text()
    lines.first.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", name="Amara Okafor")).to_be_visible()

    on_a_phone(page)
    page.goto(f"{live_server}/admin/audit")
    assert_no_sideways_scrolling(page)
    assert_accessible(page)
    screenshot(page, "audit-log-phone")


def test_an_owner_sees_that_no_scheduler_runs_then_what_its_runs_did(page, live_app, live_server):
    sign_in_with_mfa(page, live_server, OWNER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Scheduler").click()
    expect(page.get_by_role("alert").filter(has_text="No scheduler is running")).to_be_visible()
    with live_app.app_context():
        from scheduler.runner import run_job
        run_job("alerts")
        run_job("digest")
    page.reload()
    runs = page.get_by_role("region", name="Recent runs").get_by_role("row")
    assert runs.count() == 3
    assert runs.nth(1).inner_text().split("\t")[1:3] == ["Managers' digest", "Done"]
    expect(page.get_by_text("Raise alerts, pass each one on while its condition holds")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "scheduler")
    on_a_phone(page)
    assert_no_sideways_scrolling(page)
    screenshot(page, "scheduler-phone")
