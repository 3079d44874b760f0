"""What the queue's pages show, built without HTTP from the demo data for a signed-in moderator: the queue with its
tabs, rows and deadlines, one item with its buttons, claim and the author's history, and a service's settings page
with the platform's part."""

from datetime import timedelta

import pytest
import time_machine

from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.platform import ingest
from console.platform.pages import Connection
from console.queue import pages, search, work
from console.queue.models import Action, Post
from tests.factories import item, person, services

CHLOE, JESS = Role.NON_CLINICAL_MODERATOR, Role.PEER_MODERATOR  # both moderate the demo low-risk service


@pytest.fixture
def still():
    """The clock stands still through the test, so deadlines read the same words however long it takes."""
    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller


def arrive(app, *posts: tuple[str, str, str, int]) -> dict[str, int]:
    """Posts (external id, body, author, minutes ago) stored by the platform's ingest; their ids by external id."""
    with app.test_request_context():
        now = utcnow()
        stored = ingest.ingest(services("demo-low")[0], [
            item(external_id, body=body, author_pseudonym=author, thread_id=f"t-{external_id}",
                 created_at=(now - timedelta(minutes=ago)).isoformat()) for external_id, body, author, ago in posts])
    return {s.external_id: s.post_id for s in stored}


def test_the_queue_page_holds_the_tabs_the_items_in_order_and_their_deadlines_in_words(app, demo_data, still):
    ids = arrive(app, ("n-1", "Nice walk today", "Willow", 30), ("r-1", "I've been cutting again", "Sam", 20),
                 ("c-1", "I am going to kill myself", "W\u0456llow", 20))
    with app.app_context():
        chloe = person(CHLOE)
        page = pages.queue_page(chloe, None, now=utcnow())
        view = page.view
        assert view.chosen.slug == "demo-low"  # the queue with a critical item opens first
        (tab,) = [tab for tab in view.tabs if tab.current]
        assert (tab.service.slug, tab.total, tab.critical) == ("demo-low", "3", "1")
        assert [row.post.id for row in view.rows] == [ids["c-1"], ids["r-1"], ids["n-1"]]
        critical, risk, normal = view.rows
        assert (critical.level.label, critical.level.tag, critical.tickable) == ("Critical", "tag--high", False)
        assert (risk.level.label, risk.tickable) == ("Risk", True)
        assert (normal.level.label, normal.level.tag) == ("Normal", "")
        # Critical 15 minutes, risk an hour, others four hours, from when each was written.
        assert critical.deadline.breached and critical.deadline.words == "overdue by 5 min"
        assert risk.deadline.words == "due in 40 min" and normal.deadline.words == "due in 3 h 30 min"
        assert critical.look_alike.warning.striptags() == (
            "Looks like Willow, another poster in this service. W\u0456 (Cyrillic letter)llow mixes Latin and Cyrillic "
            "letters, as a disguised name can: the marked letters are Cyrillic.")
        assert normal.state == "open" and normal.held_by == "" and not normal.follow_up_due
        assert (page.signed_on_for, view.signed_on, view.critical_elsewhere) == ("", [], [])  # not signed on

        work.claim(person(JESS), post_id=ids["r-1"])
        again = pages.queue_view(chloe, "demo-low", now=utcnow())
        assert again.rows[1].held_by == "Jess Morgan"
        assert again.version != view.version, "the live page updates when an item is taken"


def test_a_parked_item_whose_follow_up_has_come_is_marked_and_first(app, demo_data, still):
    ids = arrive(app, ("n-1", "Nice walk today", "Willow", 5), ("n-2", "Quiet evening", "Sam", 10))
    with app.app_context():
        chloe = person(CHLOE)
        work.act(chloe, post_id=ids["n-1"], action=Action.PARKED, reason="Ask how it went",
                 due_at=utcnow() + timedelta(minutes=30))
        still.shift(timedelta(minutes=31))
        (first, second) = pages.queue_view(chloe, "demo-low", now=utcnow()).rows
    assert (first.post.id, first.state, first.follow_up_due) == (ids["n-1"], "parked", True)
    assert first.deadline is None, "acted on: no deadline"
    assert second.post.id == ids["n-2"]


def test_an_item_page_holds_its_buttons_claim_and_the_authors_history_in_words(app, demo_data, still):
    ids = arrive(app, ("c-1", "I am going to kill myself", "Storm", 1), ("n-1", "You are all idiots", "Storm", 9),
                 ("n-2", "Lovely walk", "Storm", 8))
    with app.app_context():
        chloe, jess = person(CHLOE), person(JESS)
        work.act(chloe, post_id=ids["n-1"], action=Action.HIDDEN, reason="Abuse")
        post = db.session.get(Post, ids["c-1"])
        page = pages.item_page(chloe, post, case=None, poster_cases=[], after=None, now=utcnow())
        assert (page.level.label, page.state, page.claim, page.held_by) == ("Critical", "open", "free", "")
        assert [(b.value, b.style) for b in page.buttons] == [
            ("hidden", "button--warning"), ("escalated", "button--warning"), ("needs_reply", "button--secondary"),
            ("approved", "button--secondary"), ("parked", "button--secondary"), ("reply_noted", "button--secondary"),
            ("note", "button--secondary")]
        assert page.buttons[0].label == "Hide"
        assert page.reason_hint.endswith("Start typing or press the down arrow for the service's canned reasons.")
        assert page.poster_summary == "2 other posts in 2 threads: 1 hidden, 1 open; newest first"
        assert [(line.post.id, line.state) for line in page.poster_posts] == [(ids["n-2"], "open"),
                                                                              (ids["n-1"], "hidden")]
        assert page.deadline.words == "due in 14 min"

        work.claim(chloe, post_id=post.id)
        assert pages.item_page(chloe, post, case=None, poster_cases=[], after=None, now=utcnow()).claim == "mine"
        held = pages.item_page(jess, post, case=None, poster_cases=[], after=None, now=utcnow())
        assert (held.claim, held.held_by) == ("held", "Chloe Davies")

        hidden = pages.item_page(chloe, db.session.get(Post, ids["n-1"]), case=None, poster_cases=[],
                                 after=post.id, now=utcnow())
        assert [b.value for b in hidden.buttons] == ["unhidden", "note"] and hidden.after == post.id
        assert [line.what for line in hidden.history] == ["Chloe Davies hid the post"]
        assert hidden.deadline is None and hidden.claim == ""


def test_the_settings_page_shows_the_platforms_part_after_the_queues_own(app, demo_data):
    with app.test_request_context():
        page = pages.settings_page(services("demo-low")[0], platform={"secret": "shown-once"})
        (part,) = page.parts
        assert part.template == "platform/_settings.html" and isinstance(part.values, Connection)
        assert part.values.secret == "shown-once" and part.values.secret_button == "Make a new secret"
        assert part.values.sending_to == ("Decisions are not sent anywhere: the platform's moderators have to act on "
                                          "them again themselves.")
        assert set(page.terms) == {"critical", "risk"} and page.reason_kinds == {"hide": "Hiding a post",
                                                                                  "reply": "Replies"}


def test_a_page_of_search_results_says_which_posts_it_holds_and_where_the_others_are(app):
    posts = [Post(state="needs_reply", priority=1), Post(state="hidden", priority=0)]
    middle = pages.search_page(search.SearchResults(posts, page=2, more=True))
    assert middle.heading == "Posts 51 to 52 of more, newest first" and middle.first == 51
    assert [(line.state, line.level.label) for line in middle.lines] == [("needs reply", "Risk"),
                                                                         ("hidden", "Critical")]
    assert (middle.newer_page, middle.older_page) == (1, 3)
    first = pages.search_page(search.SearchResults(posts[:1], page=1, more=False))
    assert (first.heading, first.newer_page, first.older_page) == ("1 post", None, None)
    assert pages.search_page(search.SearchResults([], page=1, more=False)).heading == "No post matches"
