"""Job runs: each (job, period) runs once, a failure is recorded and the next period runs, and a whole day walked
through with two schedulers running and the mail server down for two hours sends each email once, on time or as
soon as the server is back."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from console.alerts import service as alerts
from console.database import LONDON
from console.extensions import db
from console.notifications import service as outbox
from console.permissions import Role
from console.platform import ingest
from console.queue.models import ModerationCheck, ModeratorSession
from console.scheduled import Outcome
from console.services.models import Service
from scheduler import jobs
from scheduler.models import JobRun
from scheduler.runner import run_job
from tests.factories import overdue_checks_alert, person, services, version_with
from tests.helpers import MONDAY, at, at_the_same_moment

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def test_a_period_runs_once_however_often_it_is_started(app):
    with time_machine.travel(at(10, 0), tick=False) as traveller, app.app_context():
        first = run_job("alerts")
        assert first.outcome == "done" and first.period == f"{MONDAY.isoformat()}T10:00"
        traveller.shift(timedelta(seconds=30))
        assert run_job("alerts") is None, "a second scheduler, or a restart, in the same minute"
        traveller.shift(timedelta(seconds=30))
        assert run_job("alerts").period.endswith("T10:01")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 2


def test_a_job_that_fails_is_recorded_and_the_next_period_runs(app, client, auth, demo_data, monkeypatch):
    def broken(now):
        raise RuntimeError("no database")
    monkeypatch.setitem(jobs.JOBS, "alerts", jobs.Job("alerts", "Alerts", "Alerts", "every minute", None, broken))
    with time_machine.travel(at(10), tick=False) as traveller:
        with app.app_context():
            assert run_job("alerts").outcome == "failed"
            traveller.shift(timedelta(minutes=1))
            monkeypatch.setitem(jobs.JOBS, "alerts", jobs.Job("alerts", "Alerts", "Alerts", "every minute", None,
                                                              lambda now: Outcome(acted=2)))
            assert run_job("alerts").outcome == "done"
    auth.login_demo(Role.OWNER)
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    assert "No scheduler is running: alerts, reminders and digests are not going out." in page
    assert page.index("Done") < page.index("Failed"), "the newest run first"


def test_two_runs_taking_an_alerts_step_at_the_same_moment_tell_once(app, demo_data, smtp_server):
    with time_machine.travel(at(10), tick=False), app.app_context():
        alert_id = overdue_checks_alert("demo-low", "race", raised_at=at(10), due=True)
    with time_machine.travel(at(10, 5), tick=False):
        taken = at_the_same_moment(app, lambda: lambda: alerts.take_steps(alert_id, at(10, 5)),
                                   lambda: lambda: alerts.take_steps(alert_id, at(10, 5)))
        with app.app_context():
            outbox.send_outbox()
    # Nobody is on duty for the demo low-risk service: the first step reaches nobody and the mailbox is told.
    assert sum(taken) == 2, "the two steps, each taken by one of the runs"
    assert [m["To"] for m in smtp_server.messages] == ["demo-moderation@demo-trust.example.org"]


def test_a_day_with_two_schedulers_and_the_mail_server_down_sends_each_alert_once(app, demo_data, smtp_server):
    """Every 10 minutes from 07:00 to 23:00 two schedulers start the alerts job and the outbox is sent; the mail
    server is down from 11:00 to 13:00. The demo low-risk service (checks 08:00-22:00, at most 4 hours apart) is
    checked at 14:00 and 18:30 only; a critical post arrives in Eating disorders at 15:00 and is left alone while
    Sarah is on duty and signed on there."""
    received = []
    with time_machine.travel(at(7), tick=False) as traveller:
        with app.app_context():
            sarah = person(Role.CLINICAL_MODERATOR).id
            eating, low = services("eating-disorders")[0].id, services("demo-low")[0].id
            version_with("eating-disorders", [(0, 8 * 60, 22 * 60)], sarah, "published")
            db.session.add(ModeratorSession(staff_id=sarah, service_ids=[eating], started_at=at(7)))
            db.session.commit()
        moment = at(7)
        while moment <= at(23):
            traveller.move_to(moment)
            app.config["MAIL_PORT"] = 1 if at(11) <= moment < at(13) else smtp_server.port
            with app.app_context():
                if moment in (at(14), at(18, 30)):
                    db.session.add(ModerationCheck(service_id=low, staff_id=sarah, checked_at=moment))
                    db.session.commit()
                if moment == at(15):
                    ingest.ingest(db.session.get(Service, eating), [{
                        "external_id": "walk", "thread_id": "walk", "kind": "post", "author_pseudonym": "Willow",
                        "body": "I want to end my life", "created_at": moment.isoformat()}])
                run_job("alerts")
                run_job("alerts")  # the second scheduler, in the same minute
                db.session.execute(sa.update(outbox.OutboxEmail).where(outbox.OutboxEmail.sent_at.is_(None))
                                   .values(next_attempt_at=moment))  # the sender retries every minute
                db.session.commit()
                outbox.send_outbox()
            for message in smtp_server.messages[len(received):]:
                received.append((f"{moment.astimezone(LONDON):%H:%M}", message["To"],
                                 message.get_body(("plain",)).get_content().split("\n")[2].strip()))
            moment += timedelta(minutes=10)
    low_risk = [row for row in received if row[1] == "demo-moderation@demo-trust.example.org"]
    assert [(when, words.split(" ")[3]) for when, _, words in low_risk] == [
        ("13:00", "needs"), ("13:00", "has"),  # 11:30 and 12:00, held while the server was down
        ("17:30", "needs"), ("18:00", "has")]
    post_alerts = [(when, to) for when, to, words in received if "critical post in Eating disorders" in words]
    assert post_alerts == [("15:20", "sarah.bennett@demo-trust.example.org"),
                           ("15:30", "ed-moderation@demo-trust.example.org"),
                           ("15:50", "priya.shah@demo-trust.example.org")]
