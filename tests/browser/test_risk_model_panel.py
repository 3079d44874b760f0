"""A moderator meets a post the risk model raised in real Chromium: the item says why it was flagged, which words
weighed most, and takes the moderator's one-click mark, at desktop width and on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (assert_accessible, assert_no_sideways_scrolling, on_a_phone, push_post,
                                    screenshot, sign_in_with_password)
from tests.factories import item

pytestmark = pytest.mark.browser
MODERATOR = "chloe.davies@demo-trust.example.org"  # Chloe Davies, non-clinical, on the demo low-risk service
ROPE = "I have bought rope and tied it in the garage"  # no word of it is on a list; the model rates it critical


def test_a_post_the_model_raised_says_why_and_takes_a_moderators_mark_on_a_phone(page, live_server):
    made = push_post(page, live_server, item("r-1", body=ROPE, thread_id="t-r"))
    assert made["priority"] == "critical"
    sign_in_with_password(page, live_server, MODERATOR)
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/queue/items/{made['id']}")

    why = page.locator("#why-flagged")
    expect(why).to_contain_text("the risk model, which rated it critical")
    expect(why).to_contain_text("rope")
    expect(why).to_contain_text("weighed most")
    marks = page.locator("#risk-marks")
    wrong = marks.get_by_role("button", name="Flag was wrong: an ordinary post")
    expect(wrong).to_be_visible()
    screenshot(page, "risk-model-panel")

    wrong.click()
    expect(page.locator("main")).to_contain_text("Marked by Chloe Davies: the flag was wrong: an ordinary post")
    expect(page.locator("main")).to_contain_text("Marked, with your name and the time.")  # the page's top, in view
    expect(page.locator("#why-flagged")).to_contain_text("the risk model, which rated it critical")  # unchanged
    expect(wrong).to_have_count(0)  # her mark is given: not offered again
    assert_accessible(page)
    screenshot(page, "risk-model-panel-marked")

    on_a_phone(page)
    page.reload()
    expect(page.locator("#risk-marks")).to_contain_text("Marked by Chloe Davies: the flag was wrong")
    assert_no_sideways_scrolling(page, "the item with the risk model's panel")
    screenshot(page, "risk-model-panel-phone")
