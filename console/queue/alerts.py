"""Alerts to a service's monitored mailbox, through the email outbox: an alert is written in the same transaction
as the post that caused it, and a sender retries until the mail server takes it, so an outage loses nothing.

An alert holds the link to the item and the service's name only: never the post's words, the terms it
matched or anything about the person who wrote it.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from console import task_queue
from console.database import utcnow
from console.extensions import db
from console.mail import MailError, send_email
from console.queue.models import OutboxEmail
from console.services.models import Service

log = logging.getLogger(__name__)
SEND_TASK = "outbox.send"
BATCH = 50
LONGEST_WAIT = timedelta(hours=1)


def item_link(post_id: int) -> str:
    """Where an alert sends staff for an item: the address they reach the console at (PUBLIC_URL), not the one
    the platform posts to. Needs a request context for url_for."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("queue.item", post_id=post_id)


def queue_email(*, to: str, subject: str, body: str) -> OutboxEmail:
    """Put an email in the outbox, in the caller's transaction; `send_soon` after the commit sends it."""
    email = OutboxEmail(to=to, subject=subject, body=body)
    db.session.add(email)
    return email


def critical_post(service: Service, link: str) -> OutboxEmail:
    """Queue the alert for a post that matched the critical list (the caller commits with the post)."""
    return queue_email(
        to=service.mailbox, subject=f"Critical post waiting: {service.name}",
        body=(f"A post in {service.name} matched the service's critical word list and is at the top of the "
              f"moderation queue.\n\nOpen it in the moderation console:\n{link}\n\n"
              "This email does not contain the post. Sign in to read it and act on it.\n"))


def send_soon() -> None:
    """Ask the task queue's consumer to send what is due now, rather than at its next minute."""
    task_queue.get(current_app).enqueue(SEND_TASK)


def send_outbox() -> tuple[int, int]:
    """Send the emails that are due, oldest first; a failure waits longer each time (1, 2, 4 ... minutes, at most
    an hour) and is never dropped. Returns (sent, failed)."""
    now = utcnow()
    due = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None),
                                                          OutboxEmail.next_attempt_at <= now)
                             .order_by(OutboxEmail.id).limit(BATCH)).all()
    sent = failed = 0
    for email in due:
        email.attempts += 1
        try:
            send_email(to=email.to, subject=email.subject, body=email.body)
        except MailError as error:
            failed += 1
            email.last_error = str(error)[:300]
            email.next_attempt_at = now + min(LONGEST_WAIT, timedelta(minutes=2 ** (email.attempts - 1)))
            log.warning("outbox email %s not sent (attempt %s): %s", email.id, email.attempts, email.last_error)
        else:
            sent += 1
            email.sent_at = utcnow()
        db.session.commit()  # one at a time: a crash half-way never sends an email twice from this batch
    return sent, failed


def init_app(app) -> None:
    """The sender runs on the task queue: once a minute, and at once when an alert is queued."""
    queue = task_queue.get(app)
    queue.register(SEND_TASK, send_outbox)
    queue.register_periodic("outbox.retry", send_outbox, minutes=1)
