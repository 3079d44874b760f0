"""Working the queue: claims that exactly one moderator wins, the next item, actions as events, deadlines."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from console.database import local_today, utcnow
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.platform import ingest
from console.platform import service as platform
from console.platform.models import PlatformEvent
from console.queue import reports, work
from console.queue.models import Action, ModerationEvent, ModeratorSession, Post
from console.rotas.models import RotaVersion, Shift
from console.services.models import Service
from escalation_pathways import service as escalations
from tests.factories import item, person, post_json, service_id_of, services
from tests.helpers import at, at_the_same_moment

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

CHLOE, JESS = Role.NON_CLINICAL_MODERATOR, Role.PEER_MODERATOR  # both moderate the demo low-risk service


def push(client, *bodies, minutes_ago=0) -> list[int]:
    when = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    return [post_json(client, item(f"w-{i}-{minutes_ago}", body=body, created_at=when)).get_json()["id"]
            for i, body in enumerate(bodies)]


def test_a_claim_is_won_by_one_moderator_until_it_expires(app, client, demo_data):
    (post_id,) = push(client, "Long day")
    with app.app_context():
        chloe, jess = person(CHLOE), person(JESS)
        work.claim(chloe, post_id=post_id)
        with pytest.raises(UserError, match="Chloe Davies is working on this item"):
            work.claim(jess, post_id=post_id)
        with pytest.raises(UserError, match="Chloe Davies is working on this item"):
            work.act(jess, post_id=post_id, action=Action.APPROVED)
        db.session.get(Post, post_id).claim_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert work.claim(jess, post_id=post_id).claimed_by_id == jess.id


def test_two_moderators_claiming_at_the_same_moment_one_wins(app, client, demo_data):
    (post_id,) = push(client, "Long day")
    def take(role):
        moderator = person(role)
        return lambda: work.claim(moderator, post_id=post_id)

    outcomes = ["refused" if isinstance(result, UserError) else "won"
                for result in at_the_same_moment(app, lambda: take(CHLOE), lambda: take(JESS))]
    assert sorted(outcomes) == ["refused", "won"]


def test_next_item_hands_out_the_most_urgent_and_never_the_same_one_twice(app, client, demo_data):
    calm, risky, critical = push(client, "Nice walk", "feeling hopeless", "I want to die")
    with app.app_context():
        chloe, jess = person(CHLOE), person(JESS)
        assert work.next_item(chloe).id == critical
        assert work.next_item(jess).id == risky
        assert work.next_item(chloe).id == calm
        assert work.next_item(jess) is None


def test_a_critical_item_offers_protective_actions_first_and_none_by_default(app, client, auth, demo_data):
    calm, critical = push(client, "Nice walk", "I want to die tonight")
    auth.login_demo(CHLOE)
    page = client.get(f"/queue/items/{critical}").get_data(as_text=True)
    assert "<select" not in page.split("Record what you did")[1]
    labels = re.findall(r'<button type="submit" name="action" value="[a-z_]+"[^>]*>([^<]+)</button>', page)
    assert labels[:4] == ["Hide", "Escalate", "Needs a reply", "Approve"]
    assert re.search(r'<button type="submit" disabled hidden', page.split("Record what you did")[1])
    usual = re.findall(r'name="action" value="[a-z_]+"[^>]*>([^<]+)<', client.get(f"/queue/items/{calm}")
                       .get_data(as_text=True))
    assert usual[0] == "Approve"
    nothing = auth.post(f"/queue/items/{critical}/act", {"reason": "pressed Enter"},
                        form_page=f"/queue/items/{critical}")
    assert nothing.status_code == 400 and "press one of the buttons" in nothing.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, critical).state == "open"


def test_after_an_action_the_next_item_comes_up_with_a_way_back(app, client, auth, demo_data):
    calm, risky = push(client, "Nice walk", "feeling hopeless")
    auth.login_demo(CHLOE)
    done = auth.post(f"/queue/items/{risky}/act", {"action": "needs_reply"}, form_page=f"/queue/items/{risky}")
    assert done.headers["Location"] == f"/queue/items/{calm}?after={risky}"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f'<a href="/queue/items/{risky}">Back to the item you just dealt with</a>' in page
    assert client.get(f"/queue/items/{calm}?after={2**40}").status_code == 200


def test_actions_are_events_and_the_state_follows_from_them(app, client, auth, demo_data):
    (post_id,) = push(client, "Can anyone help?")
    auth.login_demo(CHLOE)
    page = f"/queue/items/{post_id}"
    auth.post(page + "/claim", form_page=page)
    no_reason = auth.post(page + "/act", {"action": "hidden"}, form_page=page)
    assert no_reason.status_code == 400 and "Say why the post is hidden." in no_reason.get_data(as_text=True)
    past = auth.post(page + "/act", {"action": "parked", "reason": "check back",
                                     "due_at": "2020-01-01T09:00"}, form_page=page)
    assert "a time in the future" in past.get_data(as_text=True)
    auth.post(page + "/act", {"action": "needs_reply"}, form_page=page)
    auth.post(page + "/act", {"action": "note", "reason": "Asked the peer team to reply"}, form_page=page)
    done = auth.post(page + "/act", {"action": "reply_noted"}, form_page=page, follow_redirects=True)
    assert "Nothing else is waiting in Demo low-risk service that nobody holds." in done.get_data(as_text=True)
    shown = client.get(page).get_data(as_text=True)
    assert "State: <strong>replied</strong>" in shown
    assert "Chloe Davies marked it as needing a reply" in shown and "Asked the peer team to reply" in shown
    with app.app_context():
        post = db.session.get(Post, post_id)
        events = work.history(post)
        assert [e.action for e in events] == ["claimed", "needs_reply", "note", "reply_noted"]
        assert work.state_after(events) == post.state == "replied"
        assert post.first_picked_at is not None and post.first_action_at is not None
        with pytest.raises(UserError, match="already replied"):
            work.act(person(CHLOE), post_id=post_id, action=Action.APPROVED)
        with pytest.raises(DatabaseError):  # history cannot be rewritten
            db.session.execute(sa.update(ModerationEvent).values(reason="changed"))
            db.session.flush()
        db.session.rollback()


def sending_decisions() -> None:
    """The demo low-risk service sends its decisions to a webhook (nothing listens: what is queued is what counts)."""
    service = services("demo-low")[0]
    platform.save_url(service, "http://127.0.0.1:9/hooks/console")
    platform.new_secret(service)


def decisions_queued(post_id: int) -> list[str]:
    """The decisions on a post put in the outbox for the platform, in order."""
    return db.session.scalars(sa.select(PlatformEvent.action).where(PlatformEvent.post_id == post_id)
                              .order_by(PlatformEvent.sequence)).all()


def show_again(auth, post_id: int):
    page = f"/queue/items/{post_id}"
    return auth.post(page + "/act", {"action": "unhidden", "reason": "It is the service's own helpline number"},
                     form_page=page)


def buttons_on(client, post_id: int) -> list[str]:
    return re.findall(r'name="action" value="([a-z_]+)"', client.get(f"/queue/items/{post_id}").get_data(as_text=True))


def test_a_hidden_post_is_shown_again_only_by_someone_as_senior_as_whoever_hid_it(app, client, auth, demo_data):
    said = ("Chloe Davies hid this post as a non-clinical moderator: only clinical or non-clinical staff can show it "
            "again. If it should be shown, ask one of them.")
    mine, theirs = push(client, "My number is 07700 900123", "Can we talk somewhere else?")
    with app.app_context():
        sending_decisions()
        work.act(person(CHLOE), post_id=mine, action=Action.HIDDEN, reason="Shares personal details")
        work.act(person(JESS), post_id=theirs, action=Action.HIDDEN, reason="Asks to move off the forum")
    auth.login_demo(JESS)  # a peer moderator: below a non-clinical moderator
    assert buttons_on(client, mine) == ["note"]
    assert said in client.get(f"/queue/items/{mine}").get_data(as_text=True)
    refused = show_again(auth, mine)
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, mine).state == "hidden" and decisions_queued(mine) == ["hidden"]
        assert [e.action for e in work.history(db.session.get(Post, mine))] == ["hidden"]
        # The role she hid it as counts, not the one she holds later.
        person(CHLOE).roles = [Role.VOLUNTEER]
        db.session.commit()
        with pytest.raises(UserError, match="as a non-clinical moderator"):
            work.act(person(JESS), post_id=mine, action=Action.UNHIDDEN, reason="Her role has changed since")
        # Peer moderators, digital champions and volunteers are of one rank: a volunteer shows a peer's hide again.
        work.act(person(Role.VOLUNTEER), post_id=theirs, action=Action.UNHIDDEN, reason="Only asks for a chat room")
        assert decisions_queued(theirs) == ["hidden", "unhidden"]
    auth.logout()
    auth.login("sam.turner@demo-trust.example.org")  # another non-clinical moderator of the service
    assert buttons_on(client, mine) == ["unhidden", "note"]
    assert show_again(auth, mine).status_code == 302
    with app.app_context():
        assert db.session.get(Post, mine).state == "approved" and decisions_queued(mine) == ["hidden", "unhidden"]


def test_a_post_hidden_while_critical_is_shown_again_only_by_a_clinician(app, client, auth, demo_data):
    said = ("Jess Morgan hid this post while it was critical: only clinical staff can show it again. If it should be "
            "shown, ask a clinician of Demo low-risk service.")
    (critical,) = push(client, "I want to die tonight")
    with app.app_context():
        sending_decisions()
        work.act(person(JESS), post_id=critical, action=Action.HIDDEN, reason="Describes a plan")
    auth.login_demo(CHLOE)  # senior to the peer moderator who hid it, but not a clinician
    assert buttons_on(client, critical) == ["note"]
    assert said in client.get(f"/queue/items/{critical}").get_data(as_text=True)
    refused = show_again(auth, critical)
    assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, critical).state == "hidden" and decisions_queued(critical) == ["hidden"]
    auth.logout()
    auth.login_demo(JESS)  # who hid it is told it was her, and whom to ask
    assert "You hid this post while it was critical: only clinical staff can show it again. If it should be shown, " \
        "ask a clinician of Demo low-risk service." in client.get(f"/queue/items/{critical}").get_data(as_text=True)
    auth.logout()
    auth.login_demo(Role.CLINICAL_MODERATOR)
    assert buttons_on(client, critical) == ["unhidden", "note"]
    assert show_again(auth, critical).status_code == 302
    with app.app_context():
        assert decisions_queued(critical) == ["hidden", "unhidden"]


def test_bulk_approve_needs_confirming_and_never_takes_a_critical_item(app, client, auth, demo_data):
    calm, risky, critical = push(client, "Nice walk", "feeling hopeless", "thinking about suicide")
    auth.login_demo(JESS)
    unconfirmed = auth.post("/queue/bulk", {"posts": [calm, risky], "action": "approved"}, form_page="/queue/")
    assert "Confirm that you mean all the ticked items." in unconfirmed.get_data(as_text=True)
    with_critical = auth.post("/queue/bulk", {"posts": [calm, critical], "action": "approved", "confirm": "yes"},
                              form_page="/queue/")
    assert "Critical items are dealt with one at a time" in with_critical.get_data(as_text=True)
    done = auth.post("/queue/bulk", {"posts": [calm, risky], "action": "approved", "confirm": "yes"},
                     form_page="/queue/", follow_redirects=True)
    assert "2 items approved." in done.get_data(as_text=True)
    waiting = done.get_data(as_text=True).split('aria-label="Items waiting"')[1]
    assert "Nice walk" not in waiting and "thinking about suicide" in waiting  # closed items leave the queue
    with app.app_context():
        assert [db.session.get(Post, i).state for i in (calm, risky, critical)] == ["approved", "approved", "open"]


def test_an_item_past_its_deadline_is_marked_overdue(app, client, auth, demo_data):
    (late,) = push(client, "I want to die", minutes_ago=20)  # critical: 15 minutes
    auth.login_demo(CHLOE)
    listing = client.get("/queue/").get_data(as_text=True)
    assert 'class="due due--breached"' in listing and "overdue by 5 min" in listing
    page = client.get(f"/queue/items/{late}").get_data(as_text=True)
    assert "overdue by 5 min" in page
    auth.post(f"/queue/items/{late}/claim", form_page=f"/queue/items/{late}")
    auth.post(f"/queue/items/{late}/act", {"action": "approved"}, form_page=f"/queue/items/{late}")
    assert "overdue" not in client.get(f"/queue/items/{late}").get_data(as_text=True)


def test_each_service_has_its_own_queue(app, client, auth, demo_data):
    push(client, "Nice walk")
    with app.app_context():
        eating = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        secret = ingest.new_secret(eating)
    post_json(client, item("ed-1", body="I want to die"), secret=secret, url="/api/v1/services/eating-disorders/posts")
    auth.login_demo(CHLOE)
    default = client.get("/queue/").get_data(as_text=True)
    assert "<h2>Eating disorders</h2>" in default  # the queue with a critical item opens first
    assert "Eating disorders (1, <strong>1 critical</strong>)" in default and "Demo low-risk service (1)" in default
    items = default.split('aria-label="Items waiting"')[1]
    assert "I want to die" in items and "Nice walk" not in items
    low = client.get("/queue/?service=demo-low").get_data(as_text=True).split('aria-label="Items waiting"')[1]
    assert "Nice walk" in low and "I want to die" not in low
    with app.app_context():
        assert work.next_item(person(CHLOE), service_slug="demo-low").body == "Nice walk"


def test_an_administrator_sets_a_services_response_times(app, client, auth, demo_data):
    (post_id,) = push(client, "Feeling hopeless", minutes_ago=40)  # risk: an hour by default
    auth.login_demo(Role.OWNER)
    low = f"/queue/services/{service_id_of(app, 'demo-low')}"
    settings = f"{low}/settings"
    alerts = {"alert_mailbox_minutes": "10", "alert_managers_minutes": "30"}  # as the page fills them in
    wrong_order = auth.post(f"{low}/times", {"critical_minutes": "90", "risk_minutes": "30",
                                             "normal_minutes": "240", "unanswered_minutes": "120", **alerts},
                            form_page=settings)
    assert wrong_order.status_code == 400 and "A critical item&#39;s deadline comes first" in \
        wrong_order.get_data(as_text=True)
    saved = auth.post(f"{low}/times", {"critical_minutes": "10", "risk_minutes": "30", "normal_minutes": "120",
                                       "unanswered_minutes": "60", **alerts},
                      form_page=settings, follow_redirects=True)
    assert "Times saved." in saved.get_data(as_text=True)
    auth.logout()
    auth.login_demo(CHLOE)
    page = client.get(f"/queue/items/{post_id}").get_data(as_text=True)
    assert "overdue by 10 min" in page  # 40 minutes old against 30


def test_the_report_shows_time_to_action_against_the_deadline(app, client, auth, demo_data):
    quick, late = push(client, "I want to die", "Nice walk")
    with app.app_context():
        chloe = person(CHLOE)
        for post_id, minutes in ((quick, 5), (late, 300)):
            post = db.session.get(Post, post_id)
            post.received_at = utcnow() - timedelta(minutes=minutes + 1)
            db.session.commit()
            work.claim(chloe, post_id=post_id)
            work.act(chloe, post_id=post_id, action=Action.APPROVED)
        rows = {r.service.slug: r for r in reports.time_to_action([db.session.get(Post, quick).service],
                                                                   now=utcnow())}
    row = rows["demo-low"]
    assert (row.items, row.acted, row.within_deadline, row.critical, row.critical_within) == (2, 2, 1, 1, 1)
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get("/queue/report").get_data(as_text=True)
    assert "Demo low-risk service" in page and "1 of 2" in page
    assert "<title>Queue report – Moderation console</title>" in page


def test_presence_planned_against_signed_on(app, demo_data):
    with app.app_context():
        chloe = person(CHLOE)
        eating = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        day = local_today() - timedelta(days=3)
        db.session.add(RotaVersion(start_date=day, days=1, created_by_id=chloe.id, status="published",
                                   published_at=utcnow(), services=[eating],
                                   shifts=[Shift(staff_id=chloe.id, service_id=eating.id, kind="presence", day=day,
                                                 start_minute=8 * 60, end_minute=17 * 60)]))
        # Signed on 09:00-12:00 and 13:00-18:00: 7 of the 9 planned hours (08:00-17:00) had her there.
        for begin, end in ((9, 12), (13, 18)):
            db.session.add(ModeratorSession(staff_id=chloe.id, service_ids=[eating.id],
                                            started_at=at(begin, day=day),
                                            ended_at=at(end, day=day)))
        db.session.commit()
        row = next(r for r in reports.presence([eating], now=utcnow()) if r.service.slug == "eating-disorders")
    assert (row.planned_minutes, row.signed_on_minutes) == (9 * 60, 7 * 60)


def test_an_escalated_item_leaves_the_queue_with_its_reason(app, client, demo_data):
    (post_id,) = push(client, "I have a plan to end my life")
    with app.app_context():
        chloe = person(CHLOE)
        with pytest.raises(UserError, match="Say why it is escalated"):
            escalations.escalate_item(chloe, post_id=post_id, reason="")
        case = escalations.escalate_item(chloe, post_id=post_id, reason="Specific plan: duty clinician called")
        post = case.post
        assert post.state == "escalated" and work.next_item(chloe) is None
        assert work.history(post)[-1].reason == "Specific plan: duty clinician called"
