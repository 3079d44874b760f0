"""The scheduler is the only thing that runs on time: it retries the emails and the decisions for the platforms each
minute, the task queue runs only what a person started (a solver run, "send now"), and the scheduler's page names
every job in words."""

from datetime import timedelta

import time_machine

from console import crypto, task_queue
from console.database import utcnow
from console.extensions import db
from console.notifications import service as outbox
from console.permissions import Role
from console.platform import service as platform
from console.platform.models import PlatformWebhook
from console.queue.models import Action, Post
from scheduler.jobs import JOBS
from scheduler.runner import run_job
from tests.console.platform.test_outbound import Receiver
from tests.factories import item, post_json, services


def test_the_task_queue_runs_only_what_a_person_started(app):
    """Solver runs and "send now"; nothing periodic (the scheduler retries instead)."""
    queue = task_queue.get(app)
    assert set(queue.tasks) == {"rota.generate", "outbox.send", "platform.deliver"}
    assert queue.huey.read_periodic(utcnow().replace(minute=0, second=0, microsecond=0)) == []


def test_the_scheduler_sends_the_waiting_emails_each_minute_and_again_once_the_mail_server_is_back(app,
                                                                                                    smtp_server):
    with time_machine.travel(utcnow(), tick=False) as traveller, app.app_context():
        outbox.queue_email(to="someone@example.org", subject="Waiting", body="Sent by the scheduler.")
        db.session.commit()
        app.config["MAIL_PORT"] = 1  # the mail server is down
        down = run_job("emails")
        assert (down.outcome, down.acted, down.failed, down.note) == \
            ("partly", 0, 1, "1 email not sent yet, tried again later")
        app.config["MAIL_PORT"] = smtp_server.port
        traveller.shift(timedelta(minutes=1))
        back = run_job("emails")
        assert (back.outcome, back.acted, back.failed) == ("done", 1, 0)
        traveller.shift(timedelta(minutes=1))
        assert run_job("emails").acted == 0, "each email once"
    assert [m["Subject"] for m in smtp_server.messages] == ["Waiting"]


def test_the_scheduler_delivers_the_waiting_decisions_each_minute(app, client, demo_data):
    receiver = Receiver()
    receiver.secret = "the-platforms-signing-secret"
    try:
        post_id = post_json(client, item("by-the-scheduler")).get_json()["id"]
        with app.app_context():
            low = services("demo-low")[0]
            db.session.add(PlatformWebhook(service_id=low.id, url=receiver.url,
                                           sealed_secret=crypto.seal(receiver.secret)))
            platform.queue_decision(db.session.get(Post, post_id), Action.APPROVED)
            db.session.commit()
            run = run_job("decisions")
            assert (run.outcome, run.acted, run.failed) == ("done", 1, 0)
    finally:
        receiver.stop()
    assert [event["type"] for event in receiver.taken] == ["post.approved"]


def test_the_scheduler_page_names_every_job_in_words(app, client, auth, demo_data):
    auth.login_demo(Role.OWNER)
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    for name, label, title, when in [
            ("alerts", "Alerts", "Raise alerts, pass each one on while its condition holds, resolve the ones that "
                                 "cleared", "every minute"),
            ("follow-ups", "Follow-ups", "Tell whoever parked an item that its follow-up is due", "every minute"),
            ("reminders", "Shift reminders", "Remind people of their shifts a day and an hour ahead",
             "every 5 minutes"),
            ("offers", "Open-shift offers", "Offer open shifts to the people who could take them",
             "every hour, at 5 past"),
            ("digest", "Managers&#39; digest", "Tell managers what their published rotas leave uncovered",
             "every morning at 07:00 (for someone whose quiet hours last past 07:00, at the first hour after them, "
             "until 11:00)"),
            ("monthly", "Monthly report", "Send managers each service&#39;s monthly report",
             "on the first of each month from 08:30"),
            ("emails", "Emails", "Send the emails waiting in the outbox, again and again until the mail server "
                                 "takes them", "every minute"),
            ("decisions", "Decisions to platforms", "Send the decisions waiting for each service&#39;s platform, "
                                                    "again and again until it takes them", "every minute")]:
        assert name in JOBS
        assert f'<tr><th scope="row">{label}</th><td>{title}</td><td>{when}</td>' in page
