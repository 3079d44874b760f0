"""An owner finds their way by the sections of the navigation and reads the audit log, in real Chromium."""

import pyotp
import pytest

from console import demo
from tests.browser.conftest import assert_accessible, screenshot
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
    assert page.get_by_role("heading", name="Amara Okafor").is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/admin/audit")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page)
    screenshot(page, "audit-log-phone")
