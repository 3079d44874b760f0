"""What the scheduler looks for each minute, each found condition keyed by its kind and subject."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from console.alerts.service import Condition
from console.database import LONDON
from console.extensions import db
from console.queue import shifts, work
from console.queue.models import OPEN_STATES, ModerationCheck, Post, Priority
from console.rotas import problem as problems
from console.services.models import Service
from console.words import duration, local_time
from escalation_pathways import flows as reveals
from escalation_pathways import service as escalations

CHECKS_WARNING = timedelta(minutes=30)  # a low-risk service is warned this long before its gap limit
NOBODY_ON_GRACE = timedelta(minutes=15)  # a covered window with nobody signed on this long raises an alert


def posts_waiting(now: datetime) -> list[Condition]:
    """Critical and risk posts nobody has acted on or holds, past their service's response deadline."""
    posts = db.session.scalars(sa.select(Post).join(Service).where(
        Service.active, Post.state.in_(OPEN_STATES), Post.priority.in_((Priority.CRITICAL, Priority.RISK)),
        Post.first_action_at.is_(None)))
    found = []
    for post in posts:
        due = work.due(post, now)
        held = post.claim_expires_at is not None and post.claim_expires_at > now
        if due is None or not due.breached or held:
            continue
        level = "critical" if post.priority == Priority.CRITICAL else "risk"
        waited = (now - post.waiting_since).total_seconds() / 60
        found.append(Condition(
            post.service, "post_waiting", f"post:{post.id}",
            f"A {level} post in {post.service.name} has waited {duration(waited)}"
            f" with nobody acting on it: its deadline was {local_time(due.at)}.",
            "queue.item", {"post_id": post.id}))
    return found


def _today_at(now: datetime, minute: int) -> datetime:
    local = now.astimezone(LONDON)
    return datetime.combine(local.date(), time(), LONDON) + timedelta(minutes=minute)


def checks_late(service: Service, now: datetime) -> list[Condition]:
    """A checks standard's gap limit close (30 minutes before) or passed since the last check today, inside the
    day's checks window."""
    standard = problems.standard_of(service).checks
    if standard is None:
        return []
    opens, closes = _today_at(now, standard.window_start), _today_at(now, standard.window_end)
    if not opens <= now < closes:
        return []
    last = db.session.scalar(sa.select(sa.func.max(ModerationCheck.checked_at)).where(
        ModerationCheck.service_id == service.id, ModerationCheck.checked_at >= opens))
    since = max(last or opens, opens)
    limit = since + timedelta(minutes=standard.max_gap)
    subject = f"{service.id}:{since.astimezone(LONDON):%Y-%m-%dT%H:%M}"
    gap = duration(standard.max_gap)
    last_words = f"the last check was at {local_time(since)}" if last else "there has been no check yet today"
    if now >= limit:
        return [Condition(service, "checks_missed", subject,
                          f"{service.name} has gone past its {gap} limit between moderation checks: {last_words}.",
                          "queue.checks_page", {})]
    if now >= limit - CHECKS_WARNING:
        return [Condition(service, "checks_due", subject,
                          f"{service.name} needs a moderation check by {local_time(limit)} to keep within its "
                          f"{gap} limit between checks: {last_words}.", "queue.checks_page", {})]
    return []


def _span_around(windows: list[tuple[int, int]], minute: int) -> tuple[int, int] | None:
    """The stretch of back-to-back or overlapping windows (minutes of the day) that holds a minute, if any: 08:00-17:00
    for staff and 17:00-22:00 for volunteers are one stretch, 08:00-22:00."""
    span = None
    for start, end in sorted(windows):
        if span is not None and start <= span[1]:
            span = (span[0], max(span[1], end))
        elif span is not None and span[0] <= minute < span[1]:
            break
        else:
            span = (start, end)
    return span if span is not None and span[0] <= minute < span[1] else None


def nobody_on(service: Service, now: datetime) -> list[Condition]:
    """A service whose standard asks for someone present now, with nobody signed on for 15 minutes or more."""
    local = now.astimezone(LONDON)
    span = _span_around([(segment.window.start, segment.window.end)
                         for segment in problems.standard_of(service).segments_on(local.weekday())],
                        local.hour * 60 + local.minute)
    if span is None or shifts.signed_on(service):
        return []
    opened = _today_at(now, span[0])
    since = max(opened, shifts.last_signed_off(service, since=opened) or opened)
    if now - since < NOBODY_ON_GRACE:
        return []
    return [Condition(service, "nobody_on", f"{service.id}:{since.astimezone(LONDON):%Y-%m-%dT%H:%M}",
                      f"Nobody has been signed on to moderate {service.name} since {local_time(since)}, and its "
                      "standard asks for a moderator present now.", "dashboard.service_detail",
                      {"slug": service.slug})]


def escalations_late(now: datetime) -> list[Condition]:
    """Required escalation steps past their deadline, and reveals made without a second clinician's approval (break
    glass, direct) not reviewed by one within 24 hours."""
    found = [Condition(case.service, "step_overdue", f"case:{case.id}:{step['key']}",
                       f"Escalation case {case.id} in {case.service.name}: the step \u201c{step['title']}\u201d is "
                       "overdue.", "escalation.case", {"case_id": case.id})
             for case, steps in escalations.overdue_steps(now=now) for step in steps]
    found += [Condition(request.case.service, "review_overdue", f"reveal:{request.id}",
                        ("An emergency reveal" if request.kind == "break_glass" else
                         "A reveal made without a second clinician") +
                        f" in escalation case {request.case.id} ({request.case.service.name}) has "
                        f"not been reviewed by a second clinician: the review was due at "
                        f"{local_time(request.review_due_at)}.", "escalation.case", {"case_id": request.case.id})
              for request in reveals.reviews_overdue(now=now)]
    return found


def finders() -> list[tuple[str, object]]:
    """What to look at, each with a label for the log: the queue and escalations across services, then each
    active service's checks and presence (so one service's fault does not hide another's)."""
    found = [("waiting posts", posts_waiting), ("escalations", escalations_late)]
    for service in db.session.scalars(sa.select(Service).where(Service.active).order_by(Service.name)):
        found.append((f"service {service.id}", lambda now, service=service: checks_late(service, now)
                      + nobody_on(service, now)))
    return found

