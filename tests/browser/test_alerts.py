"""A moderator on duty is chased about a critical post nobody has touched, follows the email's link in Chromium and
acknowledges it in one click (she can take the post); the alert says it still goes on while the post waits; on a
desktop and a phone."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from console.alerts.models import Alert
from console.database import utcnow
from console.extensions import db
from console.notifications import service as outbox
from scheduler.runner import run_job
from tests.browser.conftest import (assert_accessible, assert_no_sideways_scrolling, on_a_phone, push_post,
                                    screenshot, sign_in_with_password)
from tests.factories import item

pytestmark = pytest.mark.browser
MODERATOR = "chloe.davies@demo-trust.example.org"  # non-clinical, on the demo low-risk service


def test_a_moderator_on_duty_follows_the_alert_emails_link_and_acknowledges_it(page, live_app, live_server,
                                                                               smtp_server):
    twenty_minutes_ago = (utcnow() - timedelta(minutes=20)).isoformat()
    push_post(page, live_server, item("a-1", body="I want to end my life tonight", created_at=twenty_minutes_ago))
    sign_in_with_password(page, live_server, MODERATOR)
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    page.get_by_label("Demo low-risk service").check()
    page.get_by_label("Why you are covering (your team managers see it)").fill("Covering Sam's lunch break")
    page.get_by_role("button", name="Sign on to cover").click()
    expect(page.get_by_text("Signed on to cover since")).to_be_visible()

    with live_app.app_context():
        run_job("alerts")  # the scheduler's next minute
        outbox.send_outbox()
    # Other alerts may reach her too (the demo service's checks, by the time of day): this is the post's. Its long
    # subject is folded onto a line of its own, which a mail client joins again.
    subject = "Alert for Demo low-risk service: A critical or risk post waiting past its deadline"
    [text] = [m.get_body(("plain",)).get_content() for m in smtp_server.messages if m["To"] == MODERATOR
              and " ".join(m["Subject"].split()) == subject
              and "A critical post in Demo low-risk service has waited 20 min" in m.get_body(("plain",)).get_content()]
    assert "end my life" not in text
    link = re.search(rf"{re.escape(live_server)}/alerts/\d+", text).group(0)

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == \
        "A critical or risk post waiting past its deadline: Demo low-risk service"
    expect(page.get_by_text("Nobody has acknowledged this alert yet.")).to_be_visible()
    expect(page.get_by_text("emailed Chloe Davies")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "alert-before-acknowledging")
    page.get_by_role("button", name="Acknowledge: I am dealing with it").click()
    expect(page.get_by_role("status").filter(
        has_text="Acknowledged: everyone who sees this alert knows you are dealing with it.")).to_be_visible()
    expect(page.get_by_text("Acknowledged by Chloe Davies at")).to_be_visible()
    expect(page.get_by_text("Still nobody has acted on the post: the service's mailbox is told at")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(sa.select(Alert.state).where(Alert.kind == "post_waiting")) == "acknowledged"

    page.get_by_role("link", name="Go to what it is about").click()
    assert page.locator("blockquote.post-body").inner_text() == "I want to end my life tonight"

    page.goto(f"{live_server}/")
    alerts = page.get_by_role("region", name="Alerts")
    assert "Acknowledged" in alerts.inner_text()
    assert_accessible(page)
    screenshot(page, "dashboard-with-an-alert")

    on_a_phone(page)
    page.goto(link)
    assert_no_sideways_scrolling(page)
    screenshot(page, "alert-phone")
    page.goto(f"{live_server}/account/notifications/")
    assert_no_sideways_scrolling(page)
    assert_accessible(page)
    screenshot(page, "notifications-phone")
