"""Signing on and off: a moderator's queue opens on the services the published rota has them on now."""

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.errors import UserError
from console.extensions import db
from console.queue.models import ModeratorSession
from console.rotas import problem as problems
from console.services.models import Service

EARLY = timedelta(minutes=15)  # signing on this long before a shift starts counts as on time


def shifts_now(now: datetime, **which) -> list:
    """Published shifts in force at this moment (from 15 minutes before they start), as rows; `which` narrows them
    as published_shifts does (service_ids=..., staff_ids=...)."""
    local = now.astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    early = EARLY.total_seconds() // 60
    return [shift for shift in problems.published_shifts(start=local.date(), last=local.date(), rows_only=True,
                                                         **which)
            if shift.start_minute - early <= minute < shift.end_minute]


def rostered_now(moderator, now: datetime) -> list[Service]:
    """Services the published rota has this person on duty, checking or on call for at this moment."""
    ids = {shift.service_id for shift in shifts_now(now, staff_ids=[moderator.id])}
    return [service for service in moderator.services if service.id in ids and service.active]


def on_duty(service: Service, now: datetime) -> list[StaffMember]:
    """Who is on duty for a service at this moment: on its published rota now (from 15 minutes before a shift), or
    signed on to it; active people who still belong to the service, by name."""
    ids = {shift.staff_id for shift in shifts_now(now, service_ids=[service.id])}
    ids |= {session.staff_id for session in signed_on(service)}
    people = db.session.scalars(sa.select(StaffMember).where(StaffMember.id.in_(ids), StaffMember.active)
                                .order_by(StaffMember.name)) if ids else []
    return [person for person in people if service in person.services]


def signed_on(service: Service) -> list[ModeratorSession]:
    """The open sessions covering a service now."""
    sessions = db.session.scalars(sa.select(ModeratorSession).where(ModeratorSession.ended_at.is_(None)))
    return [session for session in sessions if service.id in session.service_ids]


def last_signed_off(service: Service, *, since: datetime) -> datetime | None:
    """When the last session covering the service ended, if one ended since a time."""
    ended = db.session.scalars(sa.select(ModeratorSession).where(ModeratorSession.ended_at >= since))
    return max((session.ended_at for session in ended if service.id in session.service_ids), default=None)


def current(moderator) -> ModeratorSession | None:
    """The moderator's open session, if signed on."""
    return db.session.scalar(sa.select(ModeratorSession).where(ModeratorSession.staff_id == moderator.id,
                                                               ModeratorSession.ended_at.is_(None)))


MIN_COVER_REASON = 10
GIVE_A_REASON = "Give a reason for covering: your team managers see it."


def sign_on(moderator, *, cover_reason: str = "", cover_service_ids: Iterable[int] = ()) -> ModeratorSession:
    """Start a session on the services rostered now; without a shift now, to cover chosen services of one's own
    with a reason (team managers see it, and the time counts as presence)."""
    if current(moderator) is not None:
        raise UserError("You are already signed on.")
    now, reason = utcnow(), cover_reason.strip()
    services = rostered_now(moderator, now)
    covering = not services
    if covering and not reason and cover_service_ids:
        raise UserError(GIVE_A_REASON)
    if covering and not reason:
        raise UserError("The published rota has no shift for you now (you can sign on from 15 minutes before one "
                        "starts). If you are covering, choose the services and say why, then sign on to cover.")
    if covering:
        if len(reason) < MIN_COVER_REASON:
            raise UserError(f"Say why you are covering in at least {MIN_COVER_REASON} characters; your team "
                            "managers see it.")
        wanted = set(cover_service_ids)
        services = [s for s in moderator.services if s.active and s.id in wanted]
        if not services:
            raise UserError("Choose the services you are covering.")
    session = ModeratorSession(staff_id=moderator.id, service_ids=[s.id for s in services], started_at=now,
                               cover_reason=reason if covering else None)
    db.session.add(session)
    audit.record("queue.signed_on_to_cover" if session.cover_reason else "queue.signed_on",
                 details={"services": [s.slug for s in services]})
    db.session.commit()
    return session


def cover_sessions(services: list[Service], *, since: datetime) -> list[tuple[ModeratorSession, list[str]]]:
    """Sign-ons to cover (no shift on the rota) for any of these services since a time, newest first, each with
    the names of those of these services it covered."""
    names = {service.id: service.name for service in services}
    sessions = db.session.scalars(sa.select(ModeratorSession).where(
        ModeratorSession.cover_reason.is_not(None), ModeratorSession.started_at >= since)
        .order_by(ModeratorSession.started_at.desc()))
    return [(session, covered) for session in sessions
            if (covered := [names[i] for i in session.service_ids if i in names])]


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
