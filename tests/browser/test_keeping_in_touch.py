"""A team manager sees the volunteers, peers and digital champions who have had no shift lately, in real Chromium,
at desktop width and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (assert_accessible, assert_no_sideways_scrolling, on_a_phone, screenshot,
                                    sign_in_with_password)

pytestmark = pytest.mark.browser
MANAGER = "priya.shah@demo-trust.example.org"


def test_a_manager_sees_who_has_had_no_shift_lately_on_a_phone(page, live_server):
    sign_in_with_password(page, live_server, MANAGER)
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("link", name="Rotas").first.click()
    page.get_by_role("link", name="Keeping in touch").click()
    quiet = page.locator("#quiet-8 + ul")
    expect(quiet).to_contain_text("Ella Robinson")
    expect(quiet.get_by_role("button", name="Send \u201cwe miss you\u201d to Ella Robinson")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "keeping-in-touch")
    on_a_phone(page)
    assert_no_sideways_scrolling(page, "keeping in touch")
    screenshot(page, "keeping-in-touch-phone")
