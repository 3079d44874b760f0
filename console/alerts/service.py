"""Raising alerts, passing each along its chain until someone acknowledges it, and resolving it when its
condition clears.

The chain of a service's alert: whoever is on duty for the service at once (straight on to the mailbox if nobody
is), then the service's monitored mailbox, then its team managers, at the delays set on the service's queue
settings. Every email goes through the outbox in the same transaction as the step it reports, and each step is
taken by a conditional update, so two scheduler runs at once never tell anyone twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from console.accounts.service import local_time
from console.alerts.models import CHAIN_RUNNING, OPEN_ALERT_STATES, Alert, AlertState
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.links import public_url
from console.notifications import service as outbox
from console.queue import shifts
from console.queue.service import settings_of
from console.rotas.service import team_managers_of
from console.services.models import Service

CHAIN = ("whoever is on duty", "the service's mailbox", "the team managers")


@dataclass(frozen=True)
class Condition:
    """Something that needs a person now, as the scheduler found it."""

    service: Service
    kind: str
    subject: str
    summary: str
    target_endpoint: str
    target_args: dict


def step_due(alert: Alert, step: int) -> datetime:
    """When step `step` (0: on duty, 1: mailbox, 2: managers) of an alert's chain is due."""
    settings = settings_of(alert.service)
    minutes = (0, settings.alert_mailbox_minutes, settings.alert_managers_minutes)[step]
    return alert.raised_at + timedelta(minutes=minutes)


def raise_alert(condition: Condition, now: datetime) -> int:
    """Raise an alert for a condition unless one exists for its kind and subject (1 if raised, else 0). Its first
    step is due at once."""
    if db.session.scalar(sa.select(Alert.id).where(Alert.kind == condition.kind,
                                                   Alert.subject == condition.subject)) is not None:
        return 0
    db.session.add(Alert(service_id=condition.service.id, kind=condition.kind, subject=condition.subject,
                         summary=condition.summary, target_endpoint=condition.target_endpoint,
                         target_args=condition.target_args, raised_at=now, next_step_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run raised it a moment ago
        return 0
    return 1


def about_link(alert: Alert, build=public_url) -> str:
    """Where the alert's "what it is about" link goes (`build` is public_url for emails, url_for for pages). An
    alert raised before a page was renamed still reaches people: it falls back to the alert's own page."""
    try:
        return build(alert.target_endpoint, **alert.target_args)
    except BuildError:
        return build("alerts.show", alert_id=alert.id)


def _email(alert: Alert, step: int) -> tuple[str, str]:
    """An alert email's subject and text: the words of the alert and links, never a post or anyone's identity."""
    later = (f"Until someone acknowledges it, it goes on to {CHAIN[step + 1]} at "
             f"{local_time(step_due(alert, step + 1))}." if step + 1 < len(CHAIN) else
             "It has now reached everyone in the service's alert chain.")
    text = (f"{alert.summary}\n\nSee it and acknowledge it (sign in first):\n"
            f"{public_url('alerts.show', alert_id=alert.id)}\n\nWhat it is about:\n"
            f"{about_link(alert)}\n\n{later}\n\n"
            "This email holds no post and nothing about who anyone is.")
    return f"Alert for {alert.service.name}: acknowledge it", text


def _tell(alert: Alert, step: int, now: datetime) -> tuple[str, bool]:
    """Queue the emails of one step of the chain: the words saying whom it reached, and whether it reached
    anyone."""
    subject, text = _email(alert, step)
    if step == 1:
        outbox.queue_email(to=alert.service.mailbox, subject=subject, body=f"Hello,\n\n{text}\n")
        return f"{local_time(now)}: emailed {alert.service.mailbox}", True
    people = shifts.on_duty(alert.service, now) if step == 0 else team_managers_of(alert.service)
    for person in people:
        outbox.queue_letter(person, subject=subject, text=text)
    if people:
        return f"{local_time(now)}: emailed {', '.join(person.name for person in people)}", True
    return f"{local_time(now)}: " + ("nobody is on duty" if step == 0 else "the service has no team manager"), False


def take_steps(alert_id: int, now: datetime) -> int:
    """Take the alert's due steps, each once: claimed by a conditional update on how many steps were done, in
    the transaction that queues its emails, so a second run at the same moment finds nothing to do. When nobody
    is on duty, the mailbox is told at once. Returns the number of steps taken."""
    taken = 0
    while True:
        alert = db.session.get(Alert, alert_id)
        db.session.refresh(alert)
        if not (alert.state in CHAIN_RUNNING and alert.next_step_at is not None
                and alert.next_step_at <= now and alert.steps_done < len(CHAIN)):
            return taken
        step = alert.steps_done
        claimed = db.session.execute(sa.update(Alert).where(Alert.id == alert.id, Alert.steps_done == step,
                                                            Alert.state.in_(CHAIN_RUNNING))
                                     .values(steps_done=step + 1, state=AlertState.NOTIFIED.value)).rowcount
        if claimed != 1:
            db.session.rollback()
            return taken
        told, reached = _tell(alert, step, now)
        following = None if step + 1 == len(CHAIN) else step_due(alert, step + 1) if reached else now
        db.session.execute(sa.update(Alert).where(Alert.id == alert.id).values(
            next_step_at=following, told=alert.told + told + "\n"))
        db.session.commit()
        taken += 1


def due_steps(now: datetime) -> list[int]:
    """Alerts with a step of their chain due, oldest first."""
    return list(db.session.scalars(sa.select(Alert.id).where(Alert.state.in_(CHAIN_RUNNING),
                                                             Alert.next_step_at <= now).order_by(Alert.raised_at)))


def resolve_cleared(current: set[tuple[str, str]], kinds: set[str], now: datetime) -> int:
    """Resolve open alerts of these kinds whose condition is no longer found; how many were resolved."""
    open_alerts = db.session.scalars(sa.select(Alert).where(Alert.state.in_(OPEN_ALERT_STATES),
                                                            Alert.kind.in_(kinds)))
    resolved = 0
    for alert in open_alerts:
        if (alert.kind, alert.subject) not in current:
            alert.state, alert.resolved_at, alert.next_step_at = AlertState.RESOLVED.value, now, None
            resolved += 1
    db.session.commit()
    return resolved


# --- People and alerts -----------------------------------------------------------------------------------------

def in_chain(viewer, service: Service) -> bool:
    """Whether the viewer is in a service's alert chain: one of its moderators or its team managers."""
    return service in viewer.services and (viewer.can("queue.work") or viewer.can("rota.manage"))


def open_for(viewer) -> list[Alert]:
    """Open alerts (not yet resolved) of the services whose chain the viewer is in, newest first."""
    ids = [service.id for service in viewer.services if in_chain(viewer, service)]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Alert).where(Alert.service_id.in_(ids),
                                                          Alert.state.in_(OPEN_ALERT_STATES))
                                   .order_by(Alert.raised_at.desc())))


def alert_or_raise(viewer, *, alert_id: int) -> Alert:
    """An alert the viewer may see (of a service whose chain they are in), or NotFound."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or not in_chain(viewer, alert.service):
        raise NotFound("There is no alert at this address for your services.")
    return alert


def acknowledge(viewer, *, alert_id: int) -> Alert:
    """Acknowledge an alert: its chain stops. The condition itself stays until it clears. A conditional update, so
    an alert resolved or acknowledged a moment ago is not overwritten."""
    alert = alert_or_raise(viewer, alert_id=alert_id)
    done = db.session.execute(sa.update(Alert).where(Alert.id == alert.id, Alert.state.in_(CHAIN_RUNNING)).values(
        state=AlertState.ACKNOWLEDGED.value, acknowledged_at=utcnow(), acknowledged_by_id=viewer.id,
        next_step_at=None)).rowcount
    if done != 1:
        db.session.rollback()
        db.session.refresh(alert)
        if alert.state == AlertState.RESOLVED:
            raise UserError("This alert has resolved already: what it was about has been dealt with.")
        raise UserError(f"{alert.acknowledged_by.name if alert.acknowledged_by else 'Someone'} acknowledged this "
                        f"alert at {local_time(alert.acknowledged_at)}.")
    audit.record("alert.acknowledged", target=f"alert:{alert.id}", details={"kind": alert.kind})
    db.session.commit()
    db.session.refresh(alert)
    return alert
