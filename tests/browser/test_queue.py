"""A moderator works the queue in real Chromium: a critical post pushed by the platform is first, taken, hidden."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from console.database import utcnow
from console.platform import ingest
from tests.browser.conftest import (assert_accessible, assert_no_sideways_scrolling, on_a_phone, push_post,
                                    screenshot, sign_in_with_password)
from tests.factories import item, services

pytestmark = pytest.mark.browser
MODERATOR = "chloe.davies@demo-trust.example.org"  # non-clinical, on the demo low-risk service


def test_a_moderator_takes_the_critical_post_first_and_hides_it(page, live_server):
    push_post(page, live_server, item("b-1", body="Lovely walk by the river"))
    push_post(page, live_server, item("b-2", body="I want to end my life <b>tonight</b>"))
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
    expect(page.locator("#item-history")).to_contain_text("Chloe Davies hid the post: Shared a plan")
    assert_accessible(page)
    screenshot(page, "queue-item-hidden")


def test_a_moderator_works_by_keyboard_and_hears_a_critical_post_arrive(page, live_server):
    push_post(page, live_server, item("k-1", body="Had a quiet day", thread_id="t-k"))
    sign_in_with_password(page, live_server, MODERATOR)
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/queue/?service=demo-low")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.locator("#queue-live tr.is-selected")).to_contain_text("Had a quiet day")

    # The platform sends a critical post: it appears at the top without a reload, and is said out loud.
    push_post(page, live_server, item("k-2", body="Nobody would miss me if I ended my life", thread_id="t-k"))
    first = page.locator("#queue-live tr[data-item]").first
    expect(first).to_contain_text("Nobody would miss me", timeout=10_000)
    expect(first).to_contain_text("Critical")
    expect(page.locator("#queue-alert")).to_have_text("A new critical post is at the top of the queue.")
    expect(page.locator("#queue-live tr.is-selected")).to_contain_text("Had a quiet day")  # still chosen
    assert_accessible(page)

    page.keyboard.press("k")  # up to the critical post, then open it and take it
    expect(page.locator("#queue-live tr.is-selected")).to_contain_text("Nobody would miss me")
    page.keyboard.press("Enter")
    expect(page.locator("blockquote")).to_contain_text("Nobody would miss me")
    page.wait_for_load_state("load")  # the keys' script runs once the page has loaded, not as soon as it shows
    page.keyboard.press("c")
    expect(page.get_by_text("This item is yours until")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("h")
    chooser = page.get_by_role("dialog", name="Hide: why?")
    expect(chooser).to_be_visible()
    assert_accessible(page)
    screenshot(page, "queue-item-hide-reasons")
    page.keyboard.press("3")  # the service's third reason for hiding
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    page.get_by_role("link", name="Back to the item you just dealt with").click()
    expect(page.locator("main")).to_contain_text("State: hidden")
    expect(page.locator("#item-history")).to_contain_text(
        "Chloe Davies hid the post: Describes methods of self-harm or suicide")

    on_a_phone(page)
    item_path = page.url.removeprefix(live_server)
    for path, name in [("/queue/?service=demo-low", "queue-phone"), ("/queue/search?text=miss", "search-phone"),
                       (item_path, "queue-item-phone")]:
        page.goto(live_server + path)
        assert_no_sideways_scrolling(page, path)
        screenshot(page, name)


def test_a_look_alike_name_is_marked_and_its_foreign_letter_named_on_a_phone(page, live_server):
    """Issue 29, finding 9, as a moderator on a phone meets it: two posters, "Willow" and "Wіllow" with a Cyrillic і.
    The queue tags the names, the item says which one mixes alphabets with the letter marked, and search by one
    finds both."""
    push_post(page, live_server, item("w-1", author_pseudonym="Willow", body="Thanks for the chat yesterday",
                                      thread_id="t-w1"))
    push_post(page, live_server, item("w-2", author_pseudonym="W\u0456llow",
                                      body="Message me, I have something for you", thread_id="t-w2"))
    on_a_phone(page)
    sign_in_with_password(page, live_server, MODERATOR)
    page.goto(f"{live_server}/queue/?service=demo-low")
    expect(page.get_by_text("Look-alike name")).to_have_count(2)
    assert_no_sideways_scrolling(page, "the queue")
    page.get_by_role("link", name="Message me, I have something for you").click()
    warning = page.locator("#look-alike")
    expect(warning).to_contain_text("Looks like Willow, another poster in this service.")
    expect(warning).to_contain_text("mixes Latin and Cyrillic letters, as a disguised name can: the marked letters "
                                    "are Cyrillic.")
    expect(warning.locator("mark.foreign-letter").first).to_contain_text("\u0456")
    assert_no_sideways_scrolling(page, "the item")
    assert_accessible(page)
    screenshot(page, "queue-look-alike-phone")
    page.goto(f"{live_server}/queue/search?pseudonym=willow")
    expect(page.get_by_text("Thanks for the chat yesterday")).to_be_visible()
    expect(page.get_by_text("Message me, I have something for you")).to_be_visible()


def test_covering_one_service_keeps_the_others_in_view_and_a_phone_shows_each_item_as_a_card(page, live_app,
                                                                                             live_server):
    """Issue 31, items 2 and 5: Chloe signs on to cover the demo low-risk service only while Eating disorders holds an
    overdue critical post; its tab stays and a banner says it waits. On a phone each item is a card: nothing to
    scroll sideways, and the post's words across the card, not one word a line."""
    with live_app.test_request_context():
        (eating,) = services("eating-disorders")
        ingest.ingest(eating, [item("e-1", body="I have the tablets here and I am going to kill myself tonight",
                                    thread_id="t-e", created_at=(utcnow() - timedelta(minutes=40)).isoformat())])
    push_post(page, live_server, item("c-1", body="Had an awful day at work and I cannot stop crying about it, "
                                      "nobody listens to me at home either", thread_id="t-c1"))
    push_post(page, live_server, item("c-2", body="Lovely walk by the river", thread_id="t-c2",
                                      author_pseudonym="Robin"))
    sign_in_with_password(page, live_server, MODERATOR)
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/queue/?service=demo-low")
    page.get_by_label("Demo low-risk service").check()
    page.get_by_role("button", name="Sign on to cover").click()
    expect(page.get_by_role("alert").filter(has_text="Give a reason for covering")).to_be_visible()
    expect(page.get_by_label("Demo low-risk service")).to_be_checked()  # kept while the reason is asked for
    page.get_by_label("Why you are covering").fill("Megan is off sick tonight")
    page.get_by_role("button", name="Sign on to cover").click()
    expect(page.get_by_text("Signed on to cover since")).to_contain_text("for Demo low-risk service.")
    page.goto(f"{live_server}/queue/?service=demo-low")
    tabs = page.get_by_role("navigation", name="Service queues")
    expect(tabs.get_by_role("link", name="Eating disorders (1, 1 critical)")).to_be_visible()
    expect(page.get_by_text("1 critical item is waiting in Eating disorders.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "queue-covering-critical-elsewhere")

    on_a_phone(page)
    page.reload()
    expect(page.get_by_text("1 critical item is waiting in Eating disorders.")).to_be_visible()
    region = page.get_by_role("region", name="Items waiting")
    assert_no_sideways_scrolling(page, "the queue")
    assert region.evaluate("box => box.scrollWidth <= box.clientWidth"), "the items scroll sideways"
    post = region.get_by_role("link", name="Had an awful day at work")
    width = post.evaluate("link => link.closest('th').getBoundingClientRect().width")
    assert width >= 300, f"the post has {width} px of a 390 px phone"
    lines = post.evaluate("link => link.getClientRects().length")
    assert lines <= 4, f"the post's 80 characters take {lines} lines"
    label = region.locator("td[data-label=State]").first.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"State: "', "a card names its state"
    assert_accessible(page)
    screenshot(page, "queue-cards-phone")
    page.get_by_role("link", name="Open the Eating disorders queue").click()
    expect(page.get_by_role("region", name="Items waiting")).to_contain_text("I have the tablets here")
