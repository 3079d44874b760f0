"""How fast the queue is worked: per service over the last 28 days, time from a post arriving to a moderator
picking it up and to their first action, and the share acted on within the service's deadline."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from console.extensions import db
from console.queue.models import Post, Priority
from console.queue.service import settings_of
from console.services.models import Service

DAYS = 28


@dataclass(frozen=True)
class ServiceTimes:
    """One service's times to action."""

    service: Service
    items: int
    acted: int
    median_to_pick_up: float | None  # minutes
    median_to_action: float | None
    within_deadline: int  # items acted on within their priority's deadline
    critical: int
    critical_within: int


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def time_to_action(services: list[Service], *, now: datetime) -> list[ServiceTimes]:
    """Per service: items received in the last 28 days and how soon they were picked up and acted on."""
    rows = []
    for service in services:
        limits = settings_of(service)
        posts = db.session.execute(sa.select(Post.priority, Post.received_at, Post.first_picked_at,
                                             Post.first_action_at).where(
            Post.service_id == service.id, Post.received_at >= now - timedelta(days=DAYS))).all()
        picked = [(p.first_picked_at - p.received_at).total_seconds() / 60 for p in posts if p.first_picked_at]
        acted = [(p.priority, (p.first_action_at - p.received_at).total_seconds() / 60)
                 for p in posts if p.first_action_at]
        within = [priority for priority, minutes in acted if minutes <= limits.response(priority)]
        rows.append(ServiceTimes(
            service=service, items=len(posts), acted=len(acted), median_to_pick_up=_median(picked),
            median_to_action=_median([minutes for _, minutes in acted]), within_deadline=len(within),
            critical=sum(1 for p in posts if p.priority == Priority.CRITICAL),
            critical_within=sum(1 for priority in within if priority == Priority.CRITICAL)))
    return rows
