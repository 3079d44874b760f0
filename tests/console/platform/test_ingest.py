"""The platform pushes posts into the console: signed, validated, idempotent, prioritised by risk words."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.notifications import service as outbox
from console.notifications.models import OutboxEmail
from console.queue.models import IngestSecret, Post
from tests.factories import URL, item, post_json, service_id_of
from tests.helpers import run_queued_tasks, text_of

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

def count_posts(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Post))


def test_a_signed_post_is_created_once_and_a_repeat_changes_nothing(app, client, demo_data):
    created = post_json(client, item())
    assert created.status_code == 201
    assert created.get_json() == {"external_id": "p-1", "id": created.get_json()["id"], "status": "created",
                                       "priority": "normal"}
    repeat = post_json(client, item(body="edited on the platform"))
    assert repeat.status_code == 200 and repeat.get_json()["status"] == "repeat"
    assert repeat.get_json()["id"] == created.get_json()["id"]
    assert count_posts(app) == 1


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "md5=abc", "sha256=not-hex"])
def test_a_missing_or_wrong_signature_is_refused(app, client, demo_data, signature):
    response = post_json(client, item(), secret=None, signature=signature)
    assert response.status_code == 401 and "X-Signature" in response.get_json()["error"]
    assert count_posts(app) == 0


def test_another_services_secret_does_not_sign_for_this_one(app, client, demo_data):
    assert post_json(client, item(), secret="some-other-secret").status_code == 401
    assert post_json(client, item(), url="/api/v1/services/eating-disorders/posts").status_code == 401
    assert post_json(client, item(), url="/api/v1/services/no-such-service/posts").status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"body": ""}, "body"),
    ({"kind": "comment"}, "kind"),
    ({"created_at": "2026-11-25T14:05:00"}, "created_at"),  # no offset
    ({"created_at": "yesterday"}, "created_at"),
    ({"external_id": 42}, "external_id"),
    ({"author_pseudonym": "x" * 81}, "author_pseudonym"),
    ({"thread_id": None}, "thread_id"),
])
def test_a_bad_field_is_named(app, client, demo_data, change, field):
    response = post_json(client, {**item(), **change})
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert count_posts(app) == 0


def test_not_json_and_too_large_bodies_are_refused(app, client, demo_data):
    broken = post_json(client, None, raw=b"{not json")
    assert broken.status_code == 400 and broken.get_json()["field"] == "body"
    big = post_json(client, item(body="x" * (65 * 1024)))
    assert big.status_code == 413 and "error" in big.get_json()
    assert count_posts(app) == 0


def test_a_batch_is_stored_all_or_nothing(app, client, demo_data):
    url = URL + ":batch"
    bad = post_json(client, {"items": [item("b-1"), item("b-2", kind="comment"), item("b-3")]}, url=url)
    assert bad.status_code == 400 and bad.get_json()["field"] == "items[1].kind"
    assert count_posts(app) == 0
    good = post_json(client, {"items": [item("b-1"), item("b-2", body="I want to kill myself"), item("b-3")]},
                     url=url)
    assert good.status_code == 201
    assert [(i["external_id"], i["priority"]) for i in good.get_json()["items"]] == [
        ("b-1", "normal"), ("b-2", "critical"), ("b-3", "normal")]
    again = post_json(client, {"items": [item("b-1"), item("b-4")]}, url=url)
    assert [i["status"] for i in again.get_json()["items"]] == ["repeat", "created"]
    too_many = post_json(client, {"items": [item(f"m-{i}") for i in range(501)]}, url=url)
    assert too_many.status_code == 400 and "at most 500" in too_many.get_json()["error"]
    assert count_posts(app) == 4


def test_too_many_requests_are_slowed_down(app, client, demo_data):
    app.config["INGEST_RATE_LIMIT"] = "3 per minute"
    answers = [post_json(client, item(f"r-{i}")).status_code for i in range(4)]
    assert answers == [201, 201, 201, 429]


def test_a_signed_request_sent_again_is_not_stored_twice_nor_counted_against_the_limit(app, client, demo_data):
    """Anyone who kept a signed body can send it again: a repeat changes nothing, so it must not use up the limit
    the platform's real posts need."""
    app.config["INGEST_RATE_LIMIT"] = "3 per minute"
    batch = {"items": [item("b-1"), item("b-2")]}
    assert post_json(client, item("r-1")).status_code == 201
    assert post_json(client, batch, url=URL + ":batch").status_code == 201
    for _ in range(10):
        assert post_json(client, item("r-1")).get_json()["status"] == "repeat"
        again = post_json(client, batch, url=URL + ":batch")
        assert again.status_code == 200 and [i["status"] for i in again.get_json()["items"]] == ["repeat"] * 2
    critical = post_json(client, item("c-1", body="I am going to kill myself tonight"))
    assert critical.status_code == 201 and critical.get_json()["priority"] == "critical"
    assert post_json(client, {"items": [item("b-3")]}, url=URL + ":batch").status_code == 201
    assert post_json(client, item("r-2")).status_code == 201  # the third new one
    assert post_json(client, item("r-3")).status_code == 429  # the limit still holds for what is new
    assert count_posts(app) == 6


def test_a_lone_surrogate_in_any_text_is_refused_naming_its_field(app, client, demo_data):
    """JSON can carry half of a UTF-16 pair ("\\ud800"): no character, and no database stores it."""
    cases = [(item(body="Feeling low \ud800 tonight"), URL, "body", "U+D800"),
             (item(thread_id="t-\udc80"), URL, "thread_id", "U+DC80"),
             ({"items": [item("b-1"), item("b-2", body="\ude42\ud83d backwards")]}, URL + ":batch", "items[1].body",
              "U+DE42, U+D83D")]
    for data, url, field, named in cases:
        answer = post_json(client, data, url=url)
        assert answer.status_code == 400 and answer.get_json()["field"] == field
        assert answer.get_json()["error"] == f"{field.split('.')[-1]} holds half of a UTF-16 surrogate pair without " \
            f"its other half ({named}): it is no character and cannot be stored; send the text as UTF-8"
    unescaped = json.dumps(item(body="Feeling low X tonight")).encode().replace(b"X", b"\xed\xa0\x80")
    answer = post_json(client, None, raw=unescaped)  # the same half-pair written as bytes, not escaped
    assert answer.status_code == 400 and answer.get_json()["field"] == "body" and "U+D800" in answer.get_json()["error"]
    assert count_posts(app) == 0


def test_a_flood_of_unsigned_requests_never_holds_back_the_platforms_signed_posts(app, client, demo_data):
    app.config["INGEST_RATE_LIMIT"] = "5 per minute"
    app.config["INGEST_BAD_SIGNATURE_LIMIT"] = "20 per minute"
    flood = [post_json(client, item(f"x-{i}"), secret=None, signature="sha256=" + "0" * 64).status_code
             for i in range(60)]
    assert flood == [401] * 20 + [429] * 40  # the bad signatures are slowed down on their own
    critical = post_json(client, item("c-1", body="I am going to kill myself tonight"))  # same client address
    assert critical.status_code == 201 and critical.get_json()["priority"] == "critical"
    assert count_posts(app) == 1


def test_a_critical_post_goes_to_the_top_and_alerts_the_mailbox_without_its_words(app, client, auth, demo_data,
                                                                                    smtp_server):
    post_json(client, item("n-1", body="Nice walk today"))
    post_json(client, item("r-1", body="I've been cutting again"))
    critical = post_json(client, item("c-1", body="I am going to k1ll mys3lf <script>alert(1)</script>"))
    assert critical.get_json()["priority"] == "critical"
    with app.app_context():
        email = db.session.scalar(sa.select(OutboxEmail))
        assert email.to == "demo-moderation@demo-trust.example.org" and email.sent_at is None
    assert run_queued_tasks(app) == 1  # the consumer's sender, asked to send at once
    received = text_of(smtp_server.last_to("demo-moderation@demo-trust.example.org"))
    assert f"/queue/items/{critical.get_json()['id']}" in received
    assert "k1ll" not in received and "kill myself" not in received and "User A" not in received

    auth.login_demo(Role.NON_CLINICAL_MODERATOR)  # Chloe works the demo low-risk service
    listing = client.get("/queue/").get_data(as_text=True).split('aria-label="Items waiting"')[1]
    order = [listing.index(text) for text in ("k1ll mys3lf", "cutting again", "Nice walk today")]
    assert order == sorted(order)
    page = client.get(f"/queue/items/{critical.get_json()['id']}").get_data(as_text=True)
    assert '"kill myself" on the critical list' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_an_smtp_outage_loses_no_alert(app, client, demo_data, smtp_server):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    post_json(client, item("c-2", body="thinking about suicide"))
    with app.app_context():
        assert outbox.send_outbox() == (0, 1)
        email = db.session.scalar(sa.select(OutboxEmail))
        assert email.attempts == 1 and email.sent_at is None and email.next_attempt_at > utcnow()
        assert outbox.send_outbox() == (0, 0)  # not due again yet
    app.config["MAIL_PORT"] = smtp_server.port
    with app.app_context():
        db.session.scalar(sa.select(OutboxEmail)).next_attempt_at = utcnow()
        db.session.commit()
        assert outbox.send_outbox() == (1, 0)
        assert db.session.scalar(sa.select(OutboxEmail)).sent_at is not None
    assert smtp_server.last_to("demo-moderation@demo-trust.example.org")


def test_a_new_secret_is_shown_once_and_the_old_one_works_for_a_day(app, client, auth, demo_data):
    auth.login_demo(Role.OWNER)
    low = f"/queue/services/{service_id_of(app, 'demo-low')}"
    page = auth.post(f"{low}/secret", form_page=f"{low}/settings").get_data(as_text=True)
    new = page.split('id="ingest-secret">')[1].split("<")[0]
    settings = client.get(f"{low}/settings").get_data(as_text=True)
    assert len(new) >= 40 and new not in settings
    assert "1 older secret still works while the platform switches." in settings
    assert post_json(client, item("s-1"), secret=new).status_code == 201
    assert post_json(client, item("s-2")).status_code == 201  # the old one, during the overlap
    with app.app_context():
        old = db.session.scalar(sa.select(IngestSecret).where(IngestSecret.expires_at.is_not(None)))
        assert old.expires_at - utcnow() > timedelta(hours=23)
        old.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert new not in str(db.session.scalars(sa.select(IngestSecret.sealed)).all())  # sealed at rest
    assert post_json(client, item("s-3")).status_code == 401
