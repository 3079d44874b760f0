"""The outbox: an email is written in the same transaction as the change it reports, and a sender retries until the
mail server takes it (on the task queue at once after the commit, and each minute from the scheduler's emails
job), so an outage loses nothing.

Emails hold links (built from PUBLIC_URL by console.links) and plain words: never a post's text or anything
about who a pseudonym is.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask import current_app

from console import task_queue
from console.database import utcnow
from console.extensions import db
from console.notifications.models import OutboxEmail, SentNotice
from console.notifications.smtp import MailError, send_email

log = logging.getLogger(__name__)
SEND_TASK = "outbox.send"
BATCH = 50
LONGEST_WAIT = timedelta(hours=1)
# A sender claims an email before sending it by moving its next attempt this far on; if the sender dies
# half-way, another sends it after this (at least once, never lost).
CLAIM = timedelta(minutes=5)


def queue_email(*, to: str, subject: str, body: str) -> OutboxEmail:
    """Put an email in the outbox, in the caller's transaction; `send_soon` after the commit sends it."""
    email = OutboxEmail(to=to, subject=subject, body=body)
    db.session.add(email)
    return email


def queue_letter(person, *, subject: str, text: str) -> OutboxEmail:
    """Put an email to a staff member, greeting them by name, in the outbox (in the caller's transaction)."""
    return queue_email(to=person.email, subject=subject, body=f"Hello {person.name},\n\n{text}\n")


def queue_letter_once(keys: str | list[str], person, *, subject: str, text: str) -> int:
    """Queue an email to a staff member under one notice key or several (job, period, subject: a letter may carry
    several offers) unless any was sent before, and commit: 1 if queued, 0 if it had been (by this run or another
    at the same moment)."""
    keys = [keys] if isinstance(keys, str) else keys
    if db.session.scalar(sa.select(SentNotice.key).where(SentNotice.key.in_(keys)).limit(1)) is not None:
        return 0
    db.session.add_all(SentNotice(key=key, staff_id=person.id) for key in keys)
    queue_letter(person, subject=subject, text=text)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return 0
    return 1


def send_soon() -> None:
    """Ask the task queue's consumer to send what is due now, rather than at its next minute."""
    task_queue.get(current_app).enqueue(SEND_TASK)


def send_outbox() -> tuple[int, int]:
    """Send the emails that are due, oldest first; a failure waits longer each time (1, 2, 4 ... minutes, at most
    an hour) and is never dropped. Each email is claimed first, in its own committed update, so two senders
    running at once (the "send now" task beside the once-a-minute retry) never send it twice. Returns (sent,
    failed)."""
    now = utcnow()
    due = db.session.scalars(sa.select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None),
                                                             OutboxEmail.next_attempt_at <= now)
                             .order_by(OutboxEmail.id).limit(BATCH)).all()
    db.session.commit()
    sent = failed = 0
    for email_id in due:
        claimed = db.session.execute(sa.update(OutboxEmail).where(
            OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= now)
            .values(next_attempt_at=utcnow() + CLAIM, attempts=OutboxEmail.attempts + 1))
        db.session.commit()
        if claimed.rowcount != 1:
            continue  # another sender has it
        email = db.session.get(OutboxEmail, email_id)
        try:
            send_email(to=email.to, subject=email.subject, body=email.body)
        except MailError as error:
            failed += 1
            email.last_error = str(error)[:300]
            email.next_attempt_at = utcnow() + min(LONGEST_WAIT, timedelta(minutes=2 ** (email.attempts - 1)))
            log.warning("outbox email %s not sent (attempt %s): %s", email.id, email.attempts, email.last_error)
        else:
            sent += 1
            email.sent_at = utcnow()
        db.session.commit()
    return sent, failed


def init_app(app) -> None:
    """The sender runs on the task queue at once when an email is queued ("send now"); the scheduler's emails job
    runs it each minute too."""
    task_queue.get(app).register(SEND_TASK, send_outbox)
