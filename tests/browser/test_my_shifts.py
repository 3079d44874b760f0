"""A volunteer takes an open shift, subscribes to their shifts from their own calendar, and asks a colleague to take
a shift, in real Chromium."""

from datetime import timedelta

import icalendar
import pytest
from playwright.sync_api import expect

from console.permissions import Role
from console.rotas import problem as problems
from tests.browser.conftest import assert_accessible, assert_no_sideways_scrolling, on_a_phone, screenshot
from tests.browser.conftest import sign_in_with_password
from tests.factories import make_draft, next_monday, person, publish_draft, publish_with_a_gap

pytestmark = pytest.mark.browser
VOLUNTEER = "ella.robinson@demo-trust.example.org"


def test_a_volunteer_takes_an_open_shift_and_subscribes_to_their_shifts(page, live_app, live_server):
    with live_app.app_context():
        gap = publish_with_a_gap()
        when = f"{gap.service.name}, {gap.day:%a %d %b}"
    sign_in_with_password(page, live_server, VOLUNTEER)
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My shifts").click()
    page.wait_for_url(f"{live_server}/rota/mine")
    table = page.get_by_role("region", name="My shifts in the next six weeks")
    before = table.get_by_role("row").count()
    offer = page.locator("#open-shifts + p + ul li").filter(has_text=when)
    assert offer.count() == 1
    assert_accessible(page)
    screenshot(page, "my-shifts-open-shift")

    offer.get_by_role("button", name="Take this shift").click()
    expect(page.get_by_role("status").filter(has_text="is yours. Your manager has been told.")).to_be_visible()
    assert table.get_by_role("row").count() == before + 1
    assert page.locator("#open-shifts + p + ul li").filter(has_text=when).count() == 0

    page.get_by_role("button", name="Make a subscription link").click()
    link = page.locator("#feed-url").inner_text().strip()
    assert link.startswith(f"{live_server}/calendar/") and link.endswith(".ics")
    assert page.locator("#feed-url").is_visible() and page.locator("#feed-url").bounding_box()["y"] < 600, \
        "the new link is shown at the top of the page, where the person is looking"
    webcal = page.get_by_role("link", name="Open in my calendar app")
    assert webcal.get_attribute("href") == link.replace("http://", "webcal://")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_accessible(page)
    screenshot(page, "my-shifts-subscription")

    feed = page.request.get(link)  # as a calendar app would fetch it
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert len(events) == table.get_by_role("row").count() - 1  # the rota lies wholly inside the six weeks shown
    assert any(event["DTSTART"].dt.date() == gap.day for event in events)

    page.goto(f"{live_server}/rota/mine")
    page.get_by_role("link", name="Make a new subscription link").click()
    expect(page.get_by_text("Your current link stops working as soon as the new one is made")).to_be_visible()
    page.get_by_role("link", name="Keep my current link").click()
    assert page.request.get(link).ok, "keeping the link keeps it working"
    page.get_by_role("link", name="Make a new subscription link").click()
    page.get_by_role("button", name="Make a new link").click()
    newer = page.locator("#feed-url").inner_text().strip()
    assert newer != link and page.request.get(newer).ok
    gone = page.request.get(link)
    assert gone.status == 410 and "This calendar link no longer works" in gone.text()

    on_a_phone(page)  # a phone: nothing runs off the side of the page
    page.goto(f"{live_server}/rota/mine")
    assert_no_sideways_scrolling(page)
    screenshot(page, "my-shifts-phone")


def test_a_volunteer_asks_a_colleague_who_could_take_their_shift(page, live_app, live_server):
    with live_app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        shift = next(s for s in problems.published_shifts(start=next_monday(), last=next_monday() + timedelta(days=27),
                                                         staff_ids=[ella.id]) if s.kind == "presence")
        when = f"{shift.service.name}, {shift.day:%a %d %b}"
        daytime = next(p.name for p in problems.rostered_staff([shift.service])
                       if Role.NON_CLINICAL_MODERATOR in p.roles)  # available only until 20:00
    sign_in_with_password(page, live_server, VOLUNTEER)
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/rota/mine")
    page.get_by_role("link", name=f"Ask someone to take it ({when}").first.click()
    unchosen, *choices = page.get_by_label("Who would you like to take it?").locator("option").all_inner_texts()
    assert unchosen == "Choose a colleague"  # nobody picked for them
    assert choices and all(", " in choice for choice in choices)  # each with their role
    assert not any(choice.startswith(daytime) for choice in choices)
    expect(page.locator("#not-listed")).to_contain_text("are not listed:")
    expect(page.locator("#not-listed")).to_contain_text("are not available then")
    assert_accessible(page)
    screenshot(page, "swap-ask")
    on_a_phone(page)
    assert_no_sideways_scrolling(page)
    screenshot(page, "swap-ask-phone")
    page.get_by_label("Who would you like to take it?").select_option(label=choices[0])
    page.get_by_role("button", name="Ask them").click()
    expect(page.get_by_role("status").filter(has_text="Asked. You keep the shift until they accept")).to_be_visible()


def test_a_volunteer_says_when_she_would_rather_not_work_on_a_phone(page, live_app, live_server):
    sign_in_with_password(page, live_server, VOLUNTEER)
    page.wait_for_url(f"{live_server}/")
    on_a_phone(page)
    page.goto(f"{live_server}/staffing/mine#preferences")
    form = page.locator("form", has=page.get_by_role("button", name="Add preference"))
    form.get_by_label("would rather not work").check()
    form.get_by_role("button", name="Add preference").click()  # no day chosen: refused, with the reason
    expect(page.locator(".error-summary")).to_contain_text("Choose at least one day of the week.")
    form = page.locator("form", has=page.get_by_role("button", name="Add preference"))
    form.get_by_label("Saturday").check()
    form.get_by_label("Sunday").check()
    form.get_by_label("Starts").fill("17:00")
    form.get_by_label("Ends").fill("22:00")
    form.get_by_role("button", name="Add preference").click()  # the demo has it already, "a little"
    expect(page.locator("main")).to_contain_text("You have that preference already (a little)")
    form = page.locator("form", has=page.get_by_role("button", name="Add preference"))
    page.locator("#my-preferences").get_by_role("button", name="Remove: Would rather not work weekends").click()
    form = page.locator("form", has=page.get_by_role("button", name="Add preference"))
    form.get_by_label("Saturday").check()
    form.get_by_label("Sunday").check()
    form.get_by_label("Starts").fill("17:00")
    form.get_by_label("Ends").fill("22:00")
    form.get_by_label("Strongly").check()
    form.get_by_role("button", name="Add preference").click()
    expect(page.locator("#my-preferences")).to_contain_text("Would rather not work weekends 17:00\u201322:00, strongly")
    assert_no_sideways_scrolling(page, "availability and preferences")
    assert_accessible(page)
    screenshot(page, "my-preferences-phone")
