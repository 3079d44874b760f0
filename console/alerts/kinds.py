"""Each kind of alert: its title, what still holds while it is open, and who can act on it, in code and in words.

Acknowledging an alert says "I am dealing with it", so only someone who can act on what it is about may do it:
for a service's presence or checks, whoever is on duty for it now (rostered, from 15 minutes before a shift, or
signed on) or its team managers; for a post, a moderator of the service who can take the post, or one of its
clinicians; for an escalation step or the review of a reveal made without a second clinician's approval, the
service's clinicians (a reveal is reviewed by a clinician other than the one who made it).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from console.accounts.teams import team_managers_of
from console.alerts.models import Alert
from console.extensions import db
from console.queue import shifts, work
from console.queue.models import Post
from console.services.models import Service
from escalation_pathways.models import RevealRequest


def _subject_id(alert: Alert) -> int | None:
    """The id at the end of an alert's subject ("post:12", "reveal:3"), as conditions.py writes it."""
    last = alert.subject.rsplit(":", 1)[-1]
    return int(last) if last.isdigit() else None


def _managing(viewer, alert: Alert, now: datetime) -> bool:
    return any(manager.id == viewer.id for manager in team_managers_of(alert.service))


def _on_duty_or_managing(viewer, alert: Alert, now: datetime) -> bool:
    return _on_duty(viewer, alert, now) or _managing(viewer, alert, now)


def _clinician(viewer, alert: Alert, now: datetime) -> bool:
    return viewer.can("case.clinical") and alert.service in viewer.services


def _on_duty(viewer, alert: Alert, now: datetime) -> bool:
    return any(person.id == viewer.id for person in shifts.on_duty(alert.service, now))


def _taking_the_post(viewer, alert: Alert, now: datetime) -> bool:
    """On duty for the service now and able to take the post, or one of its clinicians: a moderator at home, off
    duty, is not dealing with it, whatever they could take."""
    post = db.session.get(Post, _subject_id(alert) or 0)
    return (post is not None and _on_duty(viewer, alert, now) and work.can_take(viewer, post, now)) \
        or _clinician(viewer, alert, now)


def _second_clinician(viewer, alert: Alert, now: datetime) -> bool:
    request = db.session.get(RevealRequest, _subject_id(alert) or 0)
    return _clinician(viewer, alert, now) and (request is None or request.requested_by_id != viewer.id)


@dataclass(frozen=True)
class Kind:
    """One kind of alert: its title, what still holds while it is open ("Still nobody signed on"), what ends it
    ("someone signed on"), who can act on it in code, and the same rule in words ("Only someone on duty for Eating
    disorders now, or its team managers, can acknowledge this alert.")."""

    title: str
    still: str
    cleared: str
    can_act: Callable[[object, Alert, datetime], bool]
    rule: Callable[[Service], str]


def _on_duty_rule(service: Service) -> str:
    return f"Only someone on duty for {service.name} now, or its team managers, can acknowledge this alert."


KINDS: dict[str, Kind] = {
    "post_waiting": Kind(
        "A critical or risk post waiting past its deadline", "Still nobody has acted on the post",
        "someone took the post or acted on it (if it is given back or left, the alert is raised again)",
        _taking_the_post,
        lambda service: f"Only a moderator on duty for {service.name} now who can take the post, or one of its "
                        "clinicians, can acknowledge this alert."),
    "checks_due": Kind("Checks due soon", "Still no moderation check", "a moderation check was logged",
                       _on_duty_or_managing, _on_duty_rule),
    "checks_missed": Kind("Checks overdue", "Still no moderation check", "a moderation check was logged",
                          _on_duty_or_managing, _on_duty_rule),
    "nobody_on": Kind("Nobody signed on", "Still nobody signed on", "someone signed on", _on_duty_or_managing,
                      _on_duty_rule),
    "step_overdue": Kind(
        "An escalation step overdue", "The step is still not done", "the step was done", _clinician,
        lambda service: f"Only a clinician of {service.name} can acknowledge this alert."),
    "review_overdue": Kind(
        "A reveal not reviewed by a second clinician", "The reveal is still not reviewed", "the reveal was reviewed",
        _second_clinician,
        lambda service: f"Only a clinician of {service.name} other than the one who made the reveal can acknowledge "
                        "this alert."),
}
# An alert of a kind no longer looked for (raised before a release removed it) still opens: its managers act on it.
OTHER = Kind("An alert", "What it is about still holds", "what it was about no longer holds", _managing,
             lambda service: f"Only the team managers of {service.name} can acknowledge this alert.")


def kind_of(alert: Alert) -> Kind:
    """The alert's kind, or OTHER for one this release no longer knows."""
    return KINDS.get(alert.kind, OTHER)
