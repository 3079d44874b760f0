"""Raising alerts, passing each along its chain while its condition holds, acknowledging it, and resolving it when
its condition clears.

The chain of a service's alert: whoever is on duty for the service at once (straight on to the mailbox if nobody
is), then the service's monitored mailbox, then its team managers, at the delays set on the service's queue
settings. Every email goes through the outbox in the same transaction as the step it reports, and each step is
taken by a conditional update, so two scheduler runs at once never tell anyone twice.

Acknowledging says "I am dealing with it", and only someone who can act on the alert may (`may_acknowledge`, the
rule of its kind in kinds.py). It does not stop the chain: a gap nobody can fill, or a post still waiting, still
reaches the managers at their time if the condition holds then; only the condition clearing ends an alert.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from console.accounts.teams import team_managers_of
from console.alerts.kinds import kind_of
from console.alerts.models import NOT_ACKNOWLEDGED, OPEN_ALERT_STATES, Alert, AlertState
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.links import public_url
from console.notifications import service as outbox
from console.queue import shifts
from console.queue.service import settings_of
from console.services.models import Service
from console.words import local_time

CHAIN = ("whoever is on duty", "the service's mailbox", "the team managers")
TOLD = ("whoever is on duty is told", "the service's mailbox is told", "the team managers are told")


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
    """Raise an alert for a condition unless one is open for its kind and subject (1 if raised, else 0; an open one
    takes the condition's words as they are now). Its first step is due at once. An alert that resolved and whose
    condition is back (a post taken, then given back or left when its hold ran out; someone signed on, then off) is
    raised again: its chain starts again from the start, and what happened before stays in whom it reached."""
    held = db.session.execute(sa.select(Alert.id, Alert.state, Alert.summary).where(
        Alert.kind == condition.kind, Alert.subject == condition.subject)).first()
    if held is not None:
        if held.state != AlertState.RESOLVED:
            if held.summary != condition.summary:  # its words follow the condition: "has waited 46 min", not 16
                db.session.execute(sa.update(Alert).where(Alert.id == held.id).values(summary=condition.summary))
                db.session.commit()
            return 0
        again = db.session.execute(sa.update(Alert).where(Alert.id == held.id, Alert.state == AlertState.RESOLVED)
                                   .values(state=AlertState.RAISED.value, summary=condition.summary, raised_at=now,
                                           next_step_at=now, steps_done=0, resolved_at=None, acknowledged_at=None,
                                           acknowledged_by_id=None,
                                           told=Alert.told + f"{local_time(now)}: raised again\n")).rowcount
        db.session.commit()
        return again
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


# --- Where an alert stands, in words (its page, the dashboard and its emails say the same) ----------------------

def who_acknowledged(alert: Alert) -> str:
    """"Acknowledged by Ella Robinson at 14:02 on Mon 07 Dec." or "Nobody has acknowledged this alert yet." """
    if alert.acknowledged_at is None:
        return "Nobody has acknowledged this alert yet."
    name = alert.acknowledged_by.name if alert.acknowledged_by else "someone no longer here"
    return f"Acknowledged by {name} at {local_time(alert.acknowledged_at)}."


def what_next(alert: Alert, step: int, at: datetime | None) -> str:
    """What happens while the condition holds, given the chain's next step and its time: "Still nobody signed on:
    the team managers are told at 14:30 on Mon 07 Dec unless that changes first." """
    still = kind_of(alert).still
    if step < len(CHAIN) and at is not None:
        return f"{still}: {TOLD[step]} at {local_time(at)} unless that changes first."
    return (f"{still}, and it has reached everyone in the service's alert chain. It resolves by itself once that "
            "changes.")


def who_may_acknowledge(alert: Alert) -> str:
    """The rule in words: "Only someone on duty for Eating disorders now, or its team managers, can acknowledge
    this alert." """
    return kind_of(alert).rule(alert.service)


def _email(alert: Alert, step: int) -> tuple[str, str]:
    """An alert email's subject and text: the words of the alert and links, never a post or anyone's identity."""
    later = what_next(alert, step + 1, step_due(alert, step + 1) if step + 1 < len(CHAIN) else None)
    rule = "" if alert.acknowledged_at else (f"{who_may_acknowledge(alert)} Acknowledging says you are dealing with "
                                             "it; it does not stop the alert while what it is about still holds.\n\n")
    text = (f"{alert.summary}\n\n{who_acknowledged(alert)} {later}\n\n{rule}"
            f"See the alert (sign in first):\n{public_url('alerts.show', alert_id=alert.id)}\n\n"
            f"What it is about:\n{about_link(alert)}\n\n"
            "This email holds no post and nothing about who anyone is.")
    return f"Alert for {alert.service.name}: {kind_of(alert).title}", text


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
    """Take the alert's due steps, each once, acknowledged or not while it is open: claimed by a conditional update
    on how many steps were done, in the transaction that queues its emails, so a second run at the same moment
    finds nothing to do. When nobody is on duty, the mailbox is told at once. Returns the number of steps taken."""
    taken = 0
    while True:
        alert = db.session.get(Alert, alert_id)
        db.session.refresh(alert)
        if not (alert.state in OPEN_ALERT_STATES and alert.next_step_at is not None
                and alert.next_step_at <= now and alert.steps_done < len(CHAIN)):
            return taken
        step = alert.steps_done
        # An acknowledged alert stays acknowledged: the state is worked out in the update, so an acknowledgement
        # made a moment before the claim is kept.
        claimed = db.session.execute(sa.update(Alert).where(Alert.id == alert.id, Alert.steps_done == step,
                                                            Alert.state.in_(OPEN_ALERT_STATES))
                                     .values(steps_done=step + 1, state=sa.case(
                                         (Alert.state == AlertState.RAISED.value, AlertState.NOTIFIED.value),
                                         else_=Alert.state))).rowcount
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
    """Open alerts with a step of their chain due, oldest first."""
    return list(db.session.scalars(sa.select(Alert.id).where(Alert.state.in_(OPEN_ALERT_STATES),
                                                             Alert.next_step_at <= now).order_by(Alert.raised_at)))


def resolve_cleared(current: set[tuple[str, str]], kinds: set[str], now: datetime) -> int:
    """Resolve open alerts of these kinds whose condition is no longer found; how many were resolved."""
    open_alerts = db.session.scalars(sa.select(Alert).where(Alert.state.in_(OPEN_ALERT_STATES),
                                                            Alert.kind.in_(kinds)))
    resolved = 0
    for alert in open_alerts:
        if (alert.kind, alert.subject) not in current:
            alert.state, alert.resolved_at, alert.next_step_at = AlertState.RESOLVED.value, now, None
            alert.told += f"{local_time(now)}: resolved: {kind_of(alert).cleared}\n"
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


def may_acknowledge(viewer, alert: Alert, now: datetime) -> bool:
    """Whether the viewer can act on what the alert is about, and so may acknowledge it: the one rule behind its
    Acknowledge button and the acknowledgement itself (its kind's rule, for someone in the service's chain)."""
    return in_chain(viewer, alert.service) and kind_of(alert).can_act(viewer, alert, now)


def _already(alert: Alert) -> UserError:
    """Why an alert resolved or acknowledged already cannot be acknowledged."""
    if alert.state == AlertState.RESOLVED:
        return UserError(f"This alert has resolved already: {kind_of(alert).cleared}.")
    return UserError(f"{alert.acknowledged_by.name if alert.acknowledged_by else 'Someone'} acknowledged this "
                     f"alert at {local_time(alert.acknowledged_at)}.")


def acknowledge(viewer, *, alert_id: int) -> Alert:
    """Acknowledge an alert: say "I am dealing with it", refused (in words) to anyone who cannot act on it. Its
    chain goes on while the condition holds. A conditional update, so an alert resolved or acknowledged a moment
    ago is not overwritten."""
    alert = alert_or_raise(viewer, alert_id=alert_id)
    if alert.state not in NOT_ACKNOWLEDGED:
        raise _already(alert)
    if not may_acknowledge(viewer, alert, utcnow()):
        raise UserError(who_may_acknowledge(alert))
    done = db.session.execute(sa.update(Alert).where(Alert.id == alert.id, Alert.state.in_(NOT_ACKNOWLEDGED)).values(
        state=AlertState.ACKNOWLEDGED.value, acknowledged_at=utcnow(), acknowledged_by_id=viewer.id)).rowcount
    if done != 1:
        db.session.rollback()
        db.session.refresh(alert)
        raise _already(alert)
    audit.record("alert.acknowledged", target=f"alert:{alert.id}", details={"kind": alert.kind})
    db.session.commit()
    db.session.refresh(alert)
    return alert
