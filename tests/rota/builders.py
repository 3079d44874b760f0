"""Small rota problems for tests: one week from Monday 22 March 2027 (the clocks change on Sunday 28)."""

from datetime import date

from rota.domain import (
    Assignment,
    ChecksStandard,
    Commitment,
    Contract,
    Kind,
    Preference,
    PresenceSegment,
    Problem,
    Rota,
    Service,
    Staff,
    Window,
)

MONDAY = date(2027, 3, 22)
EVERY_DAY = frozenset(range(7))
H = 60


def high_risk(service_id: str = "h1", *, day_roles=("clinical", "non_clinical"),
              evening_roles=("champion", "volunteer", "peer")) -> Service:
    """Presence 08:00-17:00 by staff and 17:00-22:00 by champions and volunteers, every day."""
    return Service(service_id, "Eating disorders", "high", presence=(
        PresenceSegment(Window(EVERY_DAY, 8 * H, 17 * H), frozenset(day_roles)),
        PresenceSegment(Window(EVERY_DAY, 17 * H, 22 * H), frozenset(evening_roles)),
    ))


def low_risk(service_id: str = "l1") -> Service:
    """Four 30-minute checks a day between 08:00 and 22:00, no gap over 4 hours."""
    return Service(service_id, "Carers", "low", checks=ChecksStandard(
        per_day=4, max_gap=4 * H, window_start=8 * H, window_end=22 * H, minutes=30,
        roles=frozenset({"clinical", "non_clinical", "champion", "peer"})))


def person(staff_id: str, role: str = "clinical", services=("h1",), *, start: int = 8 * H, end: int = 22 * H,
           days=EVERY_DAY, leave=(), contract: Contract | None = None, preferences=(), unavailable=(),
           committed=()) -> Staff:
    """A person available every day (by default) between start and end."""
    return Staff(staff_id, staff_id.title(), role, frozenset(services), (Window(frozenset(days), start, end),),
                 leave=frozenset(leave), contract=contract or Contract(max_days_week=7, max_consecutive_days=7,
                                                                     max_hours_week=80, max_weekends=4,
                                                                     min_rest_hours=11),
                 preferences=tuple(preferences), unavailable=tuple(unavailable), committed=tuple(committed))


def elsewhere(day: int, start: float, end: float, where: str = "Psychosis") -> Commitment:
    """Work already rostered for another service, with times in hours."""
    return Commitment(day, round(start * H), round(end * H), where)


def problem(services, staff, *, days: int = 7) -> Problem:
    """A problem from services and staff lists."""
    return Problem(name="test", start=MONDAY, days=days, services={s.id: s for s in services},
                   staff={p.id: p for p in staff})


def shift(staff: str, day: int, start: float, end: float, service: str = "h1", kind: Kind = Kind.PRESENCE):
    """An assignment with times in hours (e.g. 8.5 is 08:30)."""
    return Assignment(day, round(start * H), round(end * H), staff, service, kind)


def rota(*assignments: Assignment) -> Rota:
    """A rota of the given assignments."""
    return Rota(tuple(assignments))


def avoid_evenings(weight: int = 3) -> Preference:
    """Avoid 17:00-22:00 every day."""
    return Preference("avoid", Window(EVERY_DAY, 17 * H, 22 * H), weight)
