"""The outbox of emails: an email is written in the same transaction as the change it reports, and the outbox's
sender (console.outbox: on the task queue at once after the commit, and each minute from the scheduler's emails
job) retries until the mail server takes it, so an outage loses nothing.

Emails hold links (built from PUBLIC_URL by console.links) and plain words: never a post's text or anything
about who a pseudonym is.
"""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from console import outbox
from console.extensions import db
from console.notifications.models import OutboxEmail, SentNotice
from console.notifications.smtp import MailError, send_email

SEND_TASK = "outbox.send"


def _send(email: OutboxEmail) -> str:
    """Hand one email to the mail server: "" when it took it, else why not (kept on the email)."""
    try:
        send_email(to=email.to, subject=email.subject, body=email.body)
    except MailError as error:
        email.last_error = str(error)[:300]
        return email.last_error
    return ""


# A sender claims an email before sending it for this long; if it dies half-way, another sends it after this.
EMAIL = outbox.Kind(task=SEND_TASK, table=OutboxEmail, done="sent_at", claim=timedelta(minutes=5), send=_send,
                    about=lambda email: f"outbox email {email.id}")


def queue_email(*, to: str, subject: str, body: str) -> OutboxEmail:
    """Put an email in the outbox, in the caller's transaction; it is sent as soon as that transaction commits."""
    email = OutboxEmail(to=to, subject=subject, body=body)
    db.session.add(email)
    outbox.wake_after_commit(EMAIL)
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


def send_outbox() -> tuple[int, int]:
    """Send the emails that are due, oldest first, a batch at a time; returns (sent, failed)."""
    return outbox.send_due(EMAIL)
