"""Signing on and off: a moderator's queue opens on the services the published rota has them on now."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from console.audit import service as audit
from console.database import LONDON, utcnow
from console.errors import UserError
from console.extensions import db
from console.queue.models import ModeratorSession
from console.rotas import problem as problems
from console.services.models import Service

EARLY = timedelta(minutes=15)  # signing on this long before a shift starts counts as on time


def rostered_now(moderator, now: datetime) -> list[Service]:
    """Services the published rota has this person on duty, checking or on call for at this moment."""
    local = now.astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    early = EARLY.total_seconds() // 60
    ids = {s.service_id for s in problems.published_shifts(start=local.date(), last=local.date(),
                                                            staff_ids=[moderator.id], rows_only=True)
           if s.start_minute - early <= minute < s.end_minute}
    return [service for service in moderator.services if service.id in ids and service.active]


def current(moderator) -> ModeratorSession | None:
    """The moderator's open session, if signed on."""
    return db.session.scalar(sa.select(ModeratorSession).where(ModeratorSession.staff_id == moderator.id,
                                                               ModeratorSession.ended_at.is_(None)))


def sign_on(moderator) -> ModeratorSession:
    """Start a session on the services rostered now; refused without a shift now."""
    if current(moderator) is not None:
        raise UserError("You are already signed on.")
    now = utcnow()
    services = rostered_now(moderator, now)
    if not services:
        raise UserError("The published rota has no shift for you now (you can sign on from 15 minutes before one "
                        "starts). Ask your team manager if you are covering.")
    session = ModeratorSession(staff_id=moderator.id, service_ids=[s.id for s in services], started_at=now)
    db.session.add(session)
    audit.record("queue.signed_on", details={"services": [s.slug for s in services]})
    db.session.commit()
    return session


def sign_off(moderator) -> ModeratorSession:
    """End the open session."""
    session = current(moderator)
    if session is None:
        raise UserError("You are not signed on.")
    session.ended_at = utcnow()
    audit.record("queue.signed_off", details={"minutes": int((session.ended_at - session.started_at)
                                                             .total_seconds() // 60)})
    db.session.commit()
    return session


def services_of(session: ModeratorSession, moderator) -> list[Service]:
    """The services a session covers that the moderator still belongs to and that are still active, read on every
    request: taking someone off a service, or closing it, takes it off their queue at once, mid-shift."""
    covered = set(session.service_ids)
    return [service for service in moderator.services if service.id in covered and service.active]
