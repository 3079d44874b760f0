"""A Discourse forum feeds the queue through its webhook: the events and headers Discourse sends (fixtures in
data/discourse, shaped as its WebHookPostSerializer and EmitWebHookEvent job make them), signed with the service's
ingest secret."""

import copy
from datetime import timedelta
import hashlib
import hmac
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from console import demo
from console.alerts import conditions
from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.queue.models import Post
from tests.helpers import run_queued_tasks, text_of

URL = "/api/v1/services/demo-low/discourse"
DATA = Path(__file__).parent / "data" / "discourse"
CHLOE = Role.NON_CLINICAL_MODERATOR


def fixture(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def deliver(client, event: dict, *, secret: str = demo.DEMO_INGEST_SECRET, **post_changes):
    """POST an event as Discourse does: its JSON body, its headers, the signature over the raw body."""
    event = copy.deepcopy(event)
    event["body"]["post"].update(post_changes)
    raw = json.dumps(event["body"]).encode()
    headers = {**event["headers"], "Content-Type": "application/json",
               "X-Discourse-Event-Signature": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}
    return client.post(URL, data=raw, headers=headers)


def stored(app, external_id: str) -> Post:
    with app.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.external_id == external_id))
        db.session.expunge_all()
        return post


def test_a_new_topic_with_critical_words_is_queued_first_and_the_mailbox_alerted(app, client, auth, demo_data,
                                                                                 smtp_server):
    answer = deliver(client, fixture("post_created"))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["status"] == "created" and answer.get_json()["priority"] == "critical"
    post = stored(app, "discourse-post-90412")
    assert (post.thread_id, post.kind, post.author_pseudonym) == ("discourse-topic-7731", "post", "quiet_otter")
    assert post.body == "I don't see the point any more. I want to end my life tonight."

    auth.login_demo(CHLOE)
    queue = client.get("/queue/?service=demo-low").get_data(as_text=True)
    assert "quiet_otter" in queue
    run_queued_tasks(app)
    alert = smtp_server.last_to(next(s for s in demo.SERVICES if s[1] == "demo-low")[4] + "@demo-trust.example.org")
    assert "Critical post waiting" in alert["Subject"] and "end my life" not in text_of(alert)

    again = deliver(client, fixture("post_created"))  # Discourse retries when it saw no answer
    assert again.status_code == 200 and again.get_json()["status"] == "repeat"


def test_a_reply_joins_its_topics_thread(app, client, demo_data):
    deliver(client, fixture("post_created"))
    reply = fixture("reply_edited")
    reply["headers"]["X-Discourse-Event"] = "post_created"
    assert deliver(client, reply, raw="Thinking of you.").status_code == 201
    post = stored(app, "discourse-post-90455")
    assert (post.kind, post.thread_id, post.author_pseudonym) == ("reply", "discourse-topic-7731", "sunny_day_sam")


def test_an_edit_is_matched_again_and_goes_back_to_the_queue(app, client, auth, demo_data):
    created = fixture("reply_edited")
    created["headers"]["X-Discourse-Event"] = "post_created"
    post_id = deliver(client, created, raw="Sending you strength.").get_json()["id"]
    assert stored(app, "discourse-post-90455").priority == 2  # nothing on the lists: normal
    auth.login_demo(CHLOE)
    page = f"/queue/items/{post_id}"
    assert auth.post(page + "/act", {"action": "approved"}, form_page=page).status_code == 302
    assert stored(app, "discourse-post-90455").state == "approved"

    edited = deliver(client, fixture("reply_edited"))  # the author adds "feeling hopeless"
    assert edited.status_code == 200 and edited.get_json() | {"id": 0} == {
        "external_id": "discourse-post-90455", "id": 0, "status": "edited", "priority": "risk"}
    post = stored(app, "discourse-post-90455")
    assert post.state == "open" and post.body == "Same here, feeling hopeless. Sending you strength."
    item = client.get(page).get_data(as_text=True)
    assert "the author edited the post on the platform: matched again and back in the queue" in item
    assert "feeling hopeless" in item
    # Nothing changed in the words: a repeat, the item stays as it is.
    assert deliver(client, fixture("reply_edited")).get_json()["status"] == "repeat"


def test_an_edit_adding_critical_words_alerts_the_mailbox(app, client, demo_data, smtp_server):
    created = fixture("reply_edited")
    created["headers"]["X-Discourse-Event"] = "post_created"
    deliver(client, created, raw="Sending you strength.")
    assert deliver(client, fixture("reply_edited"), raw="Actually I want to die too.").get_json()["priority"] \
        == "critical"
    run_queued_tasks(app)
    assert [m["Subject"] for m in smtp_server.messages] == ["Critical post waiting: Demo low-risk service"]


@pytest.mark.parametrize("event,changes", [
    ("ping", {}),
    ("post_destroyed", {}),
    ("topic_created", {}),
    ("post_created", {"post_type": 4}),  # a staff whisper
    ("post_created", {"post_type": 3}),  # a small action: "closed this topic"
])
def test_events_that_are_not_peoples_posts_are_answered_and_left_alone(app, client, demo_data, event, changes):
    sent = fixture("post_created")
    sent["headers"]["X-Discourse-Event"] = event
    answer = deliver(client, sent, **changes)
    assert answer.status_code == 200 and answer.get_json() == {"status": "ignored", "event": event}
    assert stored(app, "discourse-post-90412") is None


def test_a_wrong_secret_is_refused_and_nothing_stored(app, client, demo_data):
    answer = deliver(client, fixture("post_created"), secret="not-the-secret")
    assert answer.status_code == 401
    assert "X-Discourse-Event-Signature" in answer.get_json()["error"]
    assert stored(app, "discourse-post-90412") is None


@pytest.mark.parametrize("changes,field", [
    ({"raw": None}, "post.raw"),
    ({"username": ""}, "post.username"),
    ({"topic_id": "7731"}, "post.topic_id"),
    ({"created_at": "yesterday"}, "post.created_at"),
    ({"version": "2"}, "post.version"),
    ({"version": 0}, "post.version"),
    ({"updated_at": None}, "post.updated_at"),
    ({"updated_at": "2026-11-29 21:47"}, "post.updated_at"),  # no offset
])
def test_a_post_event_missing_what_the_queue_needs_names_discourses_field(app, client, demo_data, changes, field):
    answer = deliver(client, fixture("post_created"), **changes)
    assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert stored(app, "discourse-post-90412") is None


def as_event(name: str, event: str) -> dict:
    """A fixture sent as another event (the body is what Discourse signs; the event's name is only a header)."""
    sent = fixture(name)
    sent["headers"]["X-Discourse-Event"] = event
    return sent


def test_an_older_edit_arriving_late_is_stale_and_rolls_nothing_back(app, client, auth, demo_data):
    """Discourse retries a delivery it saw fail, so an edit can arrive after a newer one, and anyone who kept a
    signed body can send it again: neither puts older words back."""
    created = deliver(client, as_event("reply_edited", "post_created"), raw="Sending you strength.", version=1,
                      updated_at="2026-11-29T22:03:40.902Z")
    newer = deliver(client, fixture("reply_edited"), raw="Actually I want to die too.", version=3,
                    updated_at="2026-11-29T22:31:02.000Z")
    assert newer.get_json()["status"] == "edited" and newer.get_json()["priority"] == "critical"

    older = deliver(client, fixture("reply_edited"))  # version 2, "feeling hopeless": sent before, arrived after
    assert older.status_code == 200 and older.get_json() == {
        "external_id": "discourse-post-90455", "id": created.get_json()["id"], "status": "stale",
        "priority": "critical"}
    assert deliver(client, as_event("reply_edited", "post_edited"), raw="Sending you strength.", version=1,
                   updated_at="2026-11-29T22:03:40.902Z").get_json()["status"] == "stale"  # the first words
    post = stored(app, "discourse-post-90455")
    assert (post.body, post.priority, post.state) == ("Actually I want to die too.", 0, "open")

    # An edit within Discourse's grace period keeps its version number: its time puts it in order.
    assert deliver(client, fixture("reply_edited"), raw="I want to die too!", version=3,
                   updated_at="2026-11-29T22:30:59.000Z").get_json()["status"] == "stale"
    assert deliver(client, fixture("reply_edited"), raw="Actually I want to die too. Tonight.", version=3,
                   updated_at="2026-11-29T22:33:00.000Z").get_json()["status"] == "edited"
    assert deliver(client, fixture("reply_edited"), raw="Actually I want to die too. Tonight.", version=3,
                   updated_at="2026-11-29T22:33:00.000Z").get_json()["status"] == "repeat"
    assert stored(app, "discourse-post-90455").body == "Actually I want to die too. Tonight."
    auth.login_demo(CHLOE)
    history = client.get(f"/queue/items/{created.get_json()['id']}").get_data(as_text=True).split("<h2>History")[1]
    assert history.count("the author edited the post on the platform") == 2  # the stale ones left no trace


def test_an_edit_never_lowers_an_open_items_priority_until_a_moderator_decides(app, client, auth, demo_data):
    created = deliver(client, fixture("post_created"))  # "I want to end my life tonight"
    calmer = deliver(client, as_event("post_created", "post_edited"), raw="Sorry, ignore me, I'm fine now.",
                     version=2, updated_at="2026-11-29T21:52:00.000Z")
    assert calmer.status_code == 200 and calmer.get_json()["status"] == "edited"
    assert calmer.get_json()["priority"] == "critical"
    post = stored(app, "discourse-post-90412")
    assert (post.body, post.priority, post.state) == ("Sorry, ignore me, I'm fine now.", 0, "open")

    auth.login_demo(CHLOE)
    page = f"/queue/items/{created.get_json()['id']}"
    item = client.get(page).get_data(as_text=True)
    assert "Critical</span>" in item and '"end my life" on the critical list' in item
    assert "still critical, as the words before the edit were, until a moderator decides" in item
    before = item[item.index("Words before the edit"):]
    assert "I want to end my life tonight" in before[:before.index("</details>")]  # what was taken back
    # The second review: the flagged words must not sit above calm words alone, where a moderator might approve a
    # post they think was flagged by mistake: what was taken back is shown with the flags, open.
    flags = item[item.index("Flagged because of"):item.index('<blockquote class="post-body">Sorry')]
    assert "these words" not in flags and "what it was flagged for is in what they wrote before the edit" in flags
    assert "I want to end my life tonight" in flags

    assert auth.post(page + "/act", {"action": "approved"}, form_page=page).status_code == 302
    decided = deliver(client, as_event("post_created", "post_edited"), raw="Thanks all, a better day.",
                      version=3, updated_at="2026-11-29T22:40:00.000Z")
    assert decided.get_json()["status"] == "edited" and decided.get_json()["priority"] == "normal"
    assert stored(app, "discourse-post-90412").state == "open"


def test_editing_a_waiting_post_again_and_again_never_puts_off_its_deadline_or_its_alert(app, client, auth,
                                                                                          demo_data):
    written = utcnow() - timedelta(minutes=20)  # a critical post's deadline is 15 minutes
    when = written.isoformat().replace("+00:00", "Z")
    created = deliver(client, fixture("post_created"), created_at=when, updated_at=when)
    for version, minutes in ((2, 18), (3, 10), (4, 1)):  # the author keeps editing it, critical words and all
        edited = utcnow() - timedelta(minutes=minutes)
        sent = deliver(client, as_event("post_created", "post_edited"), created_at=when,
                       raw=f"I want to end my life tonight ({version})", version=version,
                       updated_at=edited.isoformat().replace("+00:00", "Z"))
        assert sent.get_json()["status"] == "edited"
    with app.app_context():
        waiting = [condition.subject for condition in conditions.posts_waiting(utcnow())]
    assert f"post:{created.get_json()['id']}" in waiting
    auth.login_demo(CHLOE)
    page = f"/queue/items/{created.get_json()['id']}"
    assert "overdue by" in client.get(page).get_data(as_text=True)
    # Once someone has decided, an edit puts the item back in the queue from the edit.
    assert auth.post(page + "/act", {"action": "approved"}, form_page=page).status_code == 302
    deliver(client, as_event("post_created", "post_edited"), created_at=when, raw="I want to end my life, still",
            version=5, updated_at=utcnow().isoformat().replace("+00:00", "Z"))
    with app.app_context():
        assert f"post:{created.get_json()['id']}" not in [c.subject for c in conditions.posts_waiting(utcnow())]


def test_events_sent_again_never_use_up_the_services_limit(app, client, demo_data):
    """A signed body kept by anyone can be sent again any number of times: what changes nothing is not counted,
    so it cannot make the forum's real posts answer 429."""
    app.config["INGEST_RATE_LIMIT"] = "3 per minute"
    assert deliver(client, fixture("post_created")).status_code == 201
    edit = as_event("post_created", "post_edited")
    assert deliver(client, edit, raw="I want to end my life tonight. Sorry.", version=2,
                   updated_at="2026-11-29T21:50:00.000Z").get_json()["status"] == "edited"
    for _ in range(5):
        assert deliver(client, fixture("post_created")).get_json()["status"] == "repeat"
        assert deliver(client, edit, raw="I want to end my life tonight. Sorry.", version=2,
                       updated_at="2026-11-29T21:50:00.000Z").get_json()["status"] == "repeat"
        assert deliver(client, edit).get_json()["status"] == "stale"  # the first words, as an edit
        assert deliver(client, as_event("post_created", "ping")).get_json()["status"] == "ignored"
    reply = as_event("reply_edited", "post_created")
    assert deliver(client, reply).status_code == 201  # the third counted
    assert deliver(client, reply, id=90456).status_code == 429  # the limit still holds for what is new
    assert stored(app, "discourse-post-90412").body == "I want to end my life tonight. Sorry."


@pytest.mark.parametrize("event", ["post_created", "post_edited"])
def test_a_lone_surrogate_in_a_post_is_refused_naming_discourses_field(app, client, demo_data, event):
    deliver(client, fixture("reply_edited"), raw="Sending you strength.", version=1)
    answer = deliver(client, as_event("post_created", event), raw="I feel \ud83d alone")
    assert answer.status_code == 400 and answer.get_json()["field"] == "post.raw"
    assert "U+D83D" in answer.get_json()["error"]
    answer = deliver(client, as_event("reply_edited", event), raw="Sending you \udc00 strength.", version=2)
    assert answer.status_code == 400 and answer.get_json()["field"] == "post.raw"
    assert stored(app, "discourse-post-90412") is None
    assert stored(app, "discourse-post-90455").body == "Sending you strength."


def test_a_post_event_that_does_not_say_its_version_is_still_taken(app, client, demo_data):
    """Discourse always sends version and updated_at; a sender that sends neither loses no post for it."""
    assert deliver(client, fixture("post_created"), version=None, updated_at=None).status_code == 201
    edited = deliver(client, as_event("post_created", "post_edited"), raw="I want to end my life.", version=None,
                     updated_at=None)
    assert edited.get_json()["status"] == "edited"
    assert stored(app, "discourse-post-90412").body == "I want to end my life."
