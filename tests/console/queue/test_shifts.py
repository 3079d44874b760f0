"""Signing on for a shift opens the queue on the rostered services; unanswered posts are listed."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.platform import ingest
from console.queue import reports
from console.queue.models import ModeratorSession
from console.rotas.models import RotaVersion, Shift
from console.services.models import Service
from tests.factories import item, person, post_json, services

CHLOE = Role.NON_CLINICAL_MODERATOR
LONDON = ZoneInfo("Europe/London")


def publish_shift_now(staff_id: int, slug: str) -> None:
    """A published one-day rota with this person on duty from a few minutes ago (clipped to the local day)."""
    local = utcnow().astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    service = db.session.scalar(sa.select(Service).where(Service.slug == slug))
    db.session.add(RotaVersion(start_date=local.date(), days=1, created_by_id=staff_id, status="published",
                               published_at=utcnow(), services=[service],
                               shifts=[Shift(staff_id=staff_id, service_id=service.id, kind="presence",
                                             day=local.date(), start_minute=max(0, minute - 5),
                                             end_minute=min(1440, minute + 60))]))
    db.session.commit()


def test_signing_on_needs_a_shift_now_and_opens_the_queue_on_its_service(app, client, auth, demo_data):
    auth.login_demo(CHLOE)
    refused = auth.post("/queue/sign-on", form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "The published rota has no shift for you now" in refused
    with app.app_context():
        publish_shift_now(person(CHLOE).id, "eating-disorders")
    on = auth.post("/queue/sign-on", form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "Signed on since" in on and "for Eating disorders." in on
    assert "Demo low-risk service" not in on.split("Signed on since")[1].split("</p>")[0]
    again = auth.post("/queue/sign-on", form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "You are already signed on." in again
    off = auth.post("/queue/sign-off", form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "Signed off." in off and "You are not signed on." in off
    with app.app_context():
        session = db.session.scalar(sa.select(ModeratorSession))
        assert session.ended_at is not None and session.ended_at >= session.started_at


def test_posts_without_a_reply_after_two_hours_are_listed_oldest_first(app, client, auth, demo_data):
    old = (utcnow() - timedelta(hours=3)).isoformat()
    older = (utcnow() - timedelta(hours=5)).isoformat()
    post_json(client, item("u-1", body="Anyone else awake?", created_at=old, thread_id="t-a"))
    post_json(client, item("u-2", body="First time posting", created_at=older, thread_id="t-b"))
    post_json(client, item("u-3", body="Welcome!", created_at=old, thread_id="t-b", kind="reply"))
    post_json(client, item("u-4", body="Just now", thread_id="t-c", created_at=utcnow().isoformat()))
    auth.login_demo(CHLOE)
    page = client.get("/queue/").get_data(as_text=True)
    widget = page.split("<h3>Unanswered posts</h3>")[1].split("</ul>")[0]
    assert "Anyone else awake?" in widget
    assert "First time posting" not in widget and "Just now" not in widget


def test_taking_someone_off_a_service_takes_it_off_their_queue_mid_shift(app, client, auth, demo_data):
    auth.login_demo(CHLOE)
    with app.app_context():
        publish_shift_now(person(CHLOE).id, "eating-disorders")
    auth.post("/queue/sign-on", form_page="/queue/")
    assert "for Eating disorders." in client.get("/queue/").get_data(as_text=True)
    with app.app_context():
        chloe = person(CHLOE)
        chloe.services = [s for s in chloe.services if s.slug != "eating-disorders"]
        db.session.commit()
    page = client.get("/queue/?service=eating-disorders").get_data(as_text=True)
    assert "Eating disorders" not in page


def test_covering_unrostered_time_needs_a_reason_is_seen_by_managers_and_counts_as_presence(app, client, auth,
                                                                                           demo_data):
    auth.login_demo(CHLOE)
    page = client.get("/queue/").get_data(as_text=True)
    assert "Sign on to cover" in page and "Why you are covering" in page
    with app.app_context():
        eating = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        eating_id = eating.id
    short = auth.post("/queue/sign-on", {"services": [str(eating_id)], "reason": "cover"}, form_page="/queue/",
                      follow_redirects=True).get_data(as_text=True)
    assert "Say why you are covering in at least 10 characters" in short
    on = auth.post("/queue/sign-on", {"services": [str(eating_id)], "reason": "Megan is off sick tonight"},
                   form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "Signed on to cover. Your team managers can see it." in on
    assert "Signed on to cover since" in on and "for Eating disorders." in on
    with app.app_context():
        session = db.session.scalar(sa.select(ModeratorSession))
        session.started_at -= timedelta(days=2)  # as if signed on two days ago for an hour
        session.ended_at = session.started_at + timedelta(hours=1)
        db.session.commit()
        (row,) = [r for r in reports.presence([db.session.get(Service, eating_id)], now=utcnow())]
        assert row.cover_minutes == 60
    auth.logout()
    auth.login_demo(Role.TEAM_MANAGER)  # Priya manages Eating disorders
    dashboard = client.get("/").get_data(as_text=True)
    assert "Chloe Davies covered Eating disorders from" in dashboard and "Megan is off sick tonight" in dashboard


def test_signing_on_to_cover_one_service_keeps_the_others_open_and_says_where_a_critical_item_waits(
        app, client, auth, demo_data):
    """Issue 31, item 2: Chloe signs on to cover the demo low-risk service only, while Eating disorders holds an
    overdue critical post."""
    with app.test_request_context():
        (eating,) = services("eating-disorders")
        ingest.ingest(eating, [item("e-1", body="I am going to kill myself tonight", thread_id="t-e",
                                    created_at=(utcnow() - timedelta(minutes=40)).isoformat())])
        demo_low_id, eating_id = services("demo-low")[0].id, eating.id
    auth.login_demo(CHLOE)
    on = auth.post("/queue/sign-on", {"services": [str(demo_low_id)], "reason": "Megan is off sick tonight"},
                   form_page="/queue/", follow_redirects=True).get_data(as_text=True)
    assert "Signed on to cover since" in on and "for Demo low-risk service." in on
    tabs = on.split('aria-label="Service queues"')[1].split("</nav>")[0]
    assert "Eating disorders (1, <strong>1 critical</strong>)" in tabs and "Demo low-risk service" in tabs
    for path in ("/queue/?service=demo-low", "/queue/live?service=demo-low"):
        banner = client.get(path).get_data(as_text=True)
        assert "1 critical item is waiting in Eating disorders." in banner, path
    eating_queue = client.get("/queue/?service=eating-disorders").get_data(as_text=True)
    assert "I am going to kill myself tonight" in eating_queue
    assert "critical item is waiting" not in eating_queue  # its own queue shows it first, no banner needed
    assert f'value="{eating_id}"' not in eating_queue  # signed on: no cover form


def test_signing_on_to_cover_without_a_reason_asks_for_one_and_keeps_the_services_ticked(app, client, auth,
                                                                                        demo_data):
    with app.app_context():
        eating_id = services("eating-disorders")[0].id
    auth.login_demo(CHLOE)
    refused = auth.post("/queue/sign-on", {"services": [str(eating_id)], "reason": "  "}, form_page="/queue/")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Give a reason for covering" in page
    (ticked,) = [tag for tag in page.split("<input") if f'value="{eating_id}"' in tag]
    assert "checked" in ticked
    assert "Signed on" not in page.split("<h1>")[1].split("queue-tabs")[0]
    with app.app_context():
        assert db.session.scalar(sa.select(ModeratorSession)) is None
