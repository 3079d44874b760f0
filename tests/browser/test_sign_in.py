"""Signing in with MFA, and enrolling an authenticator, in real Chromium; pages checked with axe-core."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from console import demo
from tests.browser.conftest import sign_in_with_password
from tests.browser.conftest import assert_accessible, screenshot
from tests.helpers import run_queued_tasks, text_of

pytestmark = pytest.mark.browser
CLINICIAN = "sarah.bennett@demo-trust.example.org"


def test_clinical_moderator_signs_in_with_mfa(page, live_server):
    page.goto(f"{live_server}/auth/login")
    assert_accessible(page)
    screenshot(page, "sign-in")

    sign_in_with_password(page, live_server, CLINICIAN)
    page.wait_for_url(f"{live_server}/auth/mfa")
    assert_accessible(page)
    page.get_by_label("Code").fill("000000" if pyotp.TOTP(demo.DEMO_TOTP_SECRET).now() != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert").filter(has_text="That code is not right")).to_be_visible()

    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="Hello, Sarah")).to_be_visible()
    expect(page.get_by_role("link", name="Eating disorders")).to_be_visible()
    assert page.get_by_role("link", name="Administration").count() == 0
    assert_accessible(page)
    screenshot(page, "sign-in-mfa-dashboard")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/auth/login")
    expect(page.get_by_role("status").filter(has_text="You have signed out.")).to_be_visible()


def test_keyboard_user_signs_in_and_skips_to_content(page, live_server):
    page.goto(f"{live_server}/auth/login")
    # The form is ready to type into: autofocus lands on the email field (a busy machine may take a moment).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'", timeout=5000)
    page.keyboard.type("priya.shah@demo-trust.example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    expect(page.get_by_role("heading", name="Hello, Priya")).to_be_visible()


def test_pages_fit_a_phone_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_in_with_password(page, live_server, "priya.shah@demo-trust.example.org")
    page.wait_for_url(f"{live_server}/")
    for path in ["/", "/services", "/staff", "/auth/account"]:
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        assert_accessible(page)
    screenshot(page, "phone-staff")
    context.close()


def test_invited_administrator_accepts_the_link_and_enrols_from_the_qr_page(page, browser, live_app, live_server,
                                                                           smtp_server):
    sign_in_with_password(page, live_server, "amara.okafor@demo-trust.example.org")  # only owners make administrators
    page.wait_for_url(f"{live_server}/auth/mfa")
    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/admin/staff/new")
    assert_accessible(page)
    page.get_by_label("Full name").fill("Nia Newadmin")
    page.get_by_label("Email address").fill("nia.newadmin@demo-trust.example.org")
    page.get_by_label("Non-clinical administrator").check()
    page.get_by_role("button", name="Add and send invitation").click()
    expect(page.get_by_role("status").filter(has_text="an invitation is on its way")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "admin-invited")
    run_queued_tasks(live_app)  # the outbox's sender, as the task queue's consumer runs it

    body = text_of(smtp_server.last_to("nia.newadmin@demo-trust.example.org"))
    path = re.search(r"http://[^/]+(/auth/invite/\S+)", body).group(1)
    newcomer = browser.new_context().new_page()
    newcomer.goto(f"{live_server}{path}")
    expect(newcomer.get_by_role("heading", name="Welcome, Nia Newadmin")).to_be_visible()
    newcomer.get_by_label("New password").fill("kestrel meadow copper")
    newcomer.get_by_label("Type it again").fill("kestrel meadow copper")
    newcomer.get_by_role("button", name="Save password").click()
    newcomer.get_by_label("Email address").fill("nia.newadmin@demo-trust.example.org")
    newcomer.get_by_label("Password").fill("kestrel meadow copper")
    newcomer.get_by_role("button", name="Sign in").click()
    newcomer.wait_for_url(f"{live_server}/auth/mfa/setup")
    qr = newcomer.get_by_role("img", name=re.compile("QR code"))
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the CSP lets the QR image show
    assert_accessible(newcomer)
    screenshot(newcomer, "mfa-enrolment")
    secret = newcomer.locator("code.secret").inner_text().replace(" ", "")
    newcomer.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    newcomer.get_by_role("button", name="Turn on multi-factor authentication").click()
    expect(newcomer.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert newcomer.locator(".recovery-codes li").count() == 10
    newcomer.get_by_role("link", name="I have saved my codes").click()
    newcomer.wait_for_url(f"{live_server}/")
    expect(newcomer.get_by_role("navigation", name="Main").get_by_role("link", name="Administration")).to_be_visible()
    newcomer.context.close()
