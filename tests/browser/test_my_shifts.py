"""A volunteer finds their published shifts and subscribes to them from their own calendar, in real Chromium."""

import icalendar
import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_sign_in import sign_in_with_password
from tests.console.test_rotas import make_draft, publish_draft

pytestmark = pytest.mark.browser
VOLUNTEER = "ella.robinson@demo-trust.example.org"


def test_a_volunteer_subscribes_to_their_shifts(page, live_app, live_server):
    with live_app.app_context():
        publish_draft(make_draft())
    sign_in_with_password(page, live_server, VOLUNTEER)
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("link", name="My shifts").click()
    page.wait_for_url(f"{live_server}/rota/mine")
    rows = page.get_by_role("region", name="My shifts in the next six weeks").get_by_role("row")
    assert rows.count() > 1  # a header row, then one row per shift
    assert_accessible(page)

    page.get_by_role("button", name="Make a subscription link").click()
    link = page.locator("#feed-url").inner_text().strip()
    assert link.startswith(f"{live_server}/calendar/") and link.endswith(".ics")
    assert_accessible(page)
    screenshot(page, "my-shifts-subscription")

    feed = page.request.get(link)  # as a calendar app would fetch it
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert len(events) == rows.count() - 1  # the published rota lies wholly inside the six weeks shown
