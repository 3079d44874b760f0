"""A person's own published work: their shifts in force over a period, and their activity record (their work by
month and service over the last two years)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from console.rotas import problem as problems
from console.rotas.models import Shift


def my_shifts(staff_id: int, *, start: date, days: int) -> list[Shift]:
    """A person's shifts in force over a period."""
    return problems.published_shifts(start=start, last=start + timedelta(days=days - 1), staff_ids=[staff_id])


@dataclass(frozen=True)
class ActivityRow:
    """One month's published work of a person for one service."""

    month: date  # the first of the month
    service: str
    duty_shifts: int
    duty_minutes: int
    checks: int
    on_call_minutes: int


ACTIVITY_MONTHS = 24


def activity(staff_id: int, *, today: date) -> list[ActivityRow]:
    """A person's published work by month and service, over the last two years up to today, oldest first."""
    first = (today.replace(day=1) - timedelta(days=ACTIVITY_MONTHS * 31)).replace(day=1)
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for shift in problems.published_shifts(start=first, last=today, staff_ids=[staff_id]):
        row = totals[(shift.day.replace(day=1), shift.service.name)]
        minutes = shift.end_minute - shift.start_minute
        if shift.kind == "presence":
            row[0] += 1
            row[1] += minutes
        elif shift.kind == "check":
            row[2] += 1
        else:
            row[3] += minutes
    return [ActivityRow(month, service, *figures) for (month, service), figures in sorted(totals.items())]
