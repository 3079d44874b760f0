"""The outbox: every email queued is sent once, even when two senders run at the same moment (the task queue's
consumer runs the "send now" task and its once-a-minute retry on two threads)."""

import sqlalchemy as sa

from console.extensions import db
from console.notifications import service as outbox
from console.notifications.models import OutboxEmail
from tests.conftest import at_the_same_moment


def test_two_senders_at_once_send_each_email_once(app, smtp_server):
    with app.app_context():
        for number in range(3):
            outbox.queue_email(to=f"mailbox-{number}@trust.example.org", subject="Critical post", body="A link")
        db.session.commit()
    results = at_the_same_moment(app, lambda: outbox.send_outbox, lambda: outbox.send_outbox)
    assert sorted(message["To"] for message in smtp_server.messages) == \
        [f"mailbox-{number}@trust.example.org" for number in range(3)], "each email once"
    assert sum(sent for sent, _failed in results) == 3
    with app.app_context():
        assert all(email.sent_at is not None for email in db.session.scalars(sa.select(OutboxEmail)))
