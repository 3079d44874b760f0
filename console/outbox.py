"""The one outbox machine for everything the console sends out: emails (console.notifications) and decisions for a
platform (console.platform) are its two kinds, each a table of messages and a way to send one.

A message is written in the same transaction as the change it reports, and `wake_after_commit` marks that transaction:
once it commits, the task queue is asked once to send that kind now. Asking happens after the commit, so it can never
undo it: if the task queue cannot be reached, the request is logged and dropped, the person still gets their page, and
the scheduler's jobs for each kind (scheduler/jobs.py, every minute) send what is waiting. A sender claims each message
in its own committed update before sending it (moving its next attempt on by the kind's claim time), so two senders at
once never send it together, and one that dies half-way leaves it to be sent again after the claim runs out: at least
once, never lost. A failure waits longer each time (1, 2, 4 ... minutes, at most an hour) and is never dropped.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from console import task_queue
from console.database import utcnow
from console.extensions import db

log = logging.getLogger(__name__)

BATCH = 50
LONGEST_WAIT = timedelta(hours=1)
WAKE = "outbox_wake"  # the session's note of the kinds queued in the transaction being committed (session.info)


@dataclass(frozen=True)
class Kind:
    """One kind of message sent out: its table (with `id`, `attempts`, `next_attempt_at` and the column `done`, set
    when it is sent), the task that sends what is due, how long a claim lasts, and how to send one message."""

    task: str
    table: Any
    done: str  # the column set when the other end took the message: "sent_at", "delivered_at"
    claim: timedelta
    send: Callable[[Any], str]  # send one message: "" when the other end took it, else why not
    about: Callable[[Any], str]  # the message in the log: "outbox email 12"
    # A condition on the table for messages that must wait for earlier ones (a post's events, in order): the sender
    # then goes on while it finds more due, so the next follows its earlier one at once.
    waits_for_earlier: Callable[[], Any] | None = None


def wake_after_commit(kind: Kind) -> None:
    """Ask for `kind` to be sent as soon as the caller's transaction commits (once, however many it queued)."""
    db.session.info.setdefault(WAKE, set()).add(kind.task)


def wake(kind: Kind) -> None:
    """Ask the task queue to send `kind` now; if it cannot be reached, log it and go on: the retry job sends it."""
    _wake(kind.task)


def _wake(task: str) -> None:
    try:
        task_queue.get(current_app).enqueue(task)
    except Exception as error:  # noqa: BLE001 - whatever the task queue's store raises, what waits is safe in its table
        log.warning("outbox: the task queue did not take %s (%s: %s); the retry job sends what is waiting", task,
                    type(error).__name__, error)


def _after_commit(session) -> None:
    for task in sorted(session.info.pop(WAKE, ())):
        _wake(task)


def _after_rollback(session, previous) -> None:
    if not previous.nested:  # a savepoint rolled back leaves the rest of the transaction, and its messages, to commit
        session.info.pop(WAKE, None)


sa.event.listen(db.session, "after_commit", _after_commit)
sa.event.listen(db.session, "after_soft_rollback", _after_rollback)


def _due_ids(kind: Kind, now: datetime) -> list[int]:
    """Messages of a kind due now, oldest first (those waiting for an earlier one left out)."""
    table = kind.table
    query = sa.select(table.id).where(getattr(table, kind.done).is_(None), table.next_attempt_at <= now)
    if kind.waits_for_earlier is not None:
        query = query.where(~kind.waits_for_earlier())
    ids = list(db.session.scalars(query.order_by(table.id).limit(BATCH)))
    db.session.commit()
    return ids


def _claimed(kind: Kind, message_id: int) -> bool:
    """Claim a message for this sender, in its own committed update; False when another sender has it."""
    table, now = kind.table, utcnow()
    claimed = db.session.execute(sa.update(table).where(
        table.id == message_id, getattr(table, kind.done).is_(None), table.next_attempt_at <= now)
        .values(next_attempt_at=now + kind.claim, attempts=table.attempts + 1))
    db.session.commit()
    return claimed.rowcount == 1


def send_due(kind: Kind) -> tuple[int, int]:
    """Send the messages of a kind that are due, oldest first; returns (sent, failed)."""
    sent = failed = 0
    tried: set[int] = set()
    while due := [message_id for message_id in _due_ids(kind, utcnow()) if message_id not in tried]:
        for message_id in due:
            tried.add(message_id)
            if not _claimed(kind, message_id):
                continue  # another sender has it
            message = db.session.get(kind.table, message_id)
            error = kind.send(message)
            if error:
                failed += 1
                message.next_attempt_at = utcnow() + min(LONGEST_WAIT, timedelta(minutes=2 ** (message.attempts - 1)))
                log.warning("%s not sent (attempt %s): %s", kind.about(message), message.attempts, error)
            else:
                sent += 1
                setattr(message, kind.done, utcnow())
            db.session.commit()
        if kind.waits_for_earlier is None:
            break  # one batch a run: a mail server that is down holds up no more than that
    return sent, failed


def init_app(app: Flask, *kinds: Kind) -> None:
    """The app's kinds of message, each with its "send now" task on the task queue (the scheduler retries them)."""
    queue = task_queue.get(app)
    for kind in kinds:
        queue.register(kind.task, partial(send_due, kind))
