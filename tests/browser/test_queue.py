"""A moderator works the queue in real Chromium: a critical post pushed by the platform is first, taken, hidden."""

import hashlib
import hmac
import json

import pytest
from playwright.sync_api import expect

from console import demo
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.conftest import sign_in_with_password
from tests.factories import item

pytestmark = pytest.mark.browser
MODERATOR = "chloe.davies@demo-trust.example.org"  # non-clinical, on the demo low-risk service


def push(page, live_server, payload) -> None:
    body = json.dumps(payload)
    signature = "sha256=" + hmac.new(demo.DEMO_INGEST_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    response = page.request.post(f"{live_server}/api/v1/services/demo-low/posts", data=body,
                                 headers={"Content-Type": "application/json", "X-Signature": signature})
    assert response.status == 201


def test_a_moderator_takes_the_critical_post_first_and_hides_it(page, live_server):
    push(page, live_server, item("b-1", body="Lovely walk by the river"))
    push(page, live_server, item("b-2", body="I want to end my life <b>tonight</b>"))
    sign_in_with_password(page, live_server, MODERATOR)
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    rows = page.get_by_role("region", name="Items waiting").get_by_role("row")
    assert "Critical" in rows.nth(1).inner_text() and "<b>tonight</b>" in rows.nth(1).inner_text()  # escaped
    assert_accessible(page)
    screenshot(page, "queue")

    page.get_by_role("button", name="Take the next item").click()
    expect(page.get_by_text('"end my life" on the critical list')).to_be_visible()
    expect(page.get_by_text("This item is yours until")).to_be_visible()
    actions = page.get_by_role("group", name="What to do with this post").get_by_role("button")
    assert actions.all_inner_texts()[:4] == ["Hide", "Escalate", "Needs a reply", "Approve"]
    screenshot(page, "queue-item-critical")
    page.get_by_label("Reason or note").fill("Shared a plan; escalated by phone to the duty clinician")
    page.get_by_label("Reason or note").press("Enter")  # Enter chooses nothing on a critical item
    expect(page.locator("main")).to_contain_text("State: open")
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(page.locator("blockquote")).to_contain_text("Lovely walk by the river")  # on to the next item
    page.get_by_role("link", name="Back to the item you just dealt with").click()
    expect(page.locator("main")).to_contain_text("State: hidden")
    expect(page.locator("ol.history")).to_contain_text("Chloe Davies hidden: Shared a plan")
    assert_accessible(page)
    screenshot(page, "queue-item-hidden")
