"""The one outbox: a transaction that queues messages wakes their sender once it commits, and a task queue that cannot
be reached never turns a committed action into an error page; the scheduler's jobs that retry each kind (emails,
decisions) send what waits."""

import pytest
import sqlalchemy as sa

from console import create_app, task_queue
from console.database import utcnow
from console.extensions import db
from console.notifications import service as notifications
from console.notifications.models import OutboxEmail
from console.permissions import Role
from console.platform.models import PlatformEvent
from console.rotas.models import RotaVersion
from escalation_pathways import vault
from scheduler.jobs import JOBS
from tests.conftest import base_config
from tests.console.platform.test_outbound import Receiver, connect, decide
from tests.factories import item, make_draft, post_json, services
from tests.helpers import signed_in

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every request to the store is refused


def test_a_transaction_that_queues_emails_wakes_the_sender_once_after_it_commits(app):
    huey = task_queue.get(app).huey
    with app.app_context():
        notifications.queue_email(to="a@example.org", subject="One", body="First")
        notifications.queue_email(to="b@example.org", subject="Two", body="Second")
        assert huey.pending() == [], "nothing is asked for before the commit"
        db.session.commit()
        assert [task.name for task in huey.pending()] == [notifications.SEND_TASK]

        huey.flush()
        notifications.queue_email(to="c@example.org", subject="Three", body="Never sent")
        db.session.rollback()
        db.session.commit()
        assert huey.pending() == [], "a rolled-back email wakes nobody"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 2


@pytest.fixture
def queue_down(database_url, vault_url, smtp_server, demo_data):
    """The console with the demo trust and its task queue's store unreachable (a Redis nobody runs)."""
    app = create_app(base_config(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                                 PID_DATABASE_URL=vault_url, TASK_QUEUE_URL=UNREACHABLE))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        vault.get().close()


def test_a_published_rota_answers_its_page_with_the_task_queue_down_and_its_emails_go_out_after(
        queue_down, smtp_server):
    app = queue_down
    with app.app_context():
        version_id = make_draft()  # made by the team manager: the owner approves and publishes it
    owner = signed_in(app, Role.OWNER)
    page = f"/rota/versions/{version_id}"
    assert "The rota is approved." in owner.post(page + "/approve", form_page=page,
                                                 follow_redirects=True).get_data(as_text=True)
    published = owner.post(page + "/publish", form_page=page)
    assert published.status_code == 302
    assert "The rota is published." in owner.client.get(published.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RotaVersion, version_id).status == "published"
        waiting = db.session.scalars(sa.select(OutboxEmail.to).where(OutboxEmail.sent_at.is_(None))).all()
    assert waiting and smtp_server.messages == [], "the emails wait in the outbox"

    with app.app_context():
        assert JOBS["emails"].body(utcnow()).acted == len(waiting)  # the scheduler's retry (it needs no store)
    told = sorted(m["To"] for m in smtp_server.messages if m["Subject"] == "Your moderation shifts have changed")
    assert told == sorted(waiting)
    with app.app_context():
        assert JOBS["emails"].body(utcnow()).acted == 0, "each email is sent once"


def test_a_decision_and_send_again_answer_their_pages_with_the_task_queue_down_and_the_retry_job_delivers(
        queue_down):
    app = queue_down
    receiver = Receiver()
    try:
        admin = signed_in(app, Role.CLINICAL_ADMIN)
        with app.app_context():
            service_id = services("demo-low")[0].id
        receiver.secret = connect(admin, service_id, receiver.url)
        chloe = signed_in(app, Role.NON_CLINICAL_MODERATOR)
        post_id = post_json(chloe.client, item("down-1", body="You are all useless")).get_json()["id"]

        assert decide(chloe, post_id, "hidden", "Abuse").status_code == 302
        with app.app_context():
            assert JOBS["decisions"].body(utcnow()).acted == 1
            event_id = db.session.scalar(sa.select(PlatformEvent.id))
        deliveries = f"/queue/services/{service_id}/deliveries"
        again = admin.post(f"{deliveries}/{event_id}/send", form_page=deliveries, follow_redirects=True)
        assert again.status_code == 200 and "Sending it again now." in again.get_data(as_text=True)
        with app.app_context():
            assert JOBS["decisions"].body(utcnow()).acted == 1
        assert [request["body"]["id"] for request in receiver.received] == [receiver.received[0]["body"]["id"]] * 2
    finally:
        receiver.stop()
