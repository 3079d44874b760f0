"""Coverage standards by risk tier: the defaults a service starts from, what makes one valid, and how far
ahead rotas are in place (at least 4 weeks).

Defaults follow the SHaRON model: a low-risk service has at least 4 checks a day between 08:00 and
22:00, none more than 4 hours apart; a high-risk service has a moderator present 08:00-22:00 every
day, service staff until 17:00 and digital champions or volunteers after, and no overnight cover.
Managers edit both (e.g. weekend segments with peers), and check_standard says what is wrong.
"""

from rota.domain import MINUTES_PER_DAY, ChecksStandard, PresenceSegment, Service, Window

ROLES = frozenset({"clinical", "non_clinical", "peer", "champion", "volunteer"})
SERVICE_STAFF = frozenset({"clinical", "non_clinical"})
EVENING_COVER = frozenset({"champion", "volunteer"})
CHECKERS = frozenset({"clinical", "non_clinical", "peer", "champion"})
EVERY_DAY = frozenset(range(7))
MIN_HORIZON_DAYS = 28  # rotas are in place at least 4 weeks ahead


class StandardError(ValueError):
    """A standard that cannot be used; the message says why."""


def default_presence() -> tuple[PresenceSegment, ...]:
    """High risk: service staff 08:00-17:00 and champions or volunteers 17:00-22:00, every day."""
    return (PresenceSegment(Window(EVERY_DAY, 8 * 60, 17 * 60), SERVICE_STAFF),
            PresenceSegment(Window(EVERY_DAY, 17 * 60, 22 * 60), EVENING_COVER))


def default_checks() -> ChecksStandard:
    """Low risk: 4 checks of 30 minutes a day between 08:00 and 22:00, at most 4 hours apart."""
    return ChecksStandard(per_day=4, max_gap=4 * 60, window_start=8 * 60, window_end=22 * 60, minutes=30,
                          roles=CHECKERS)


def service_for_tier(service_id: str, name: str, tier: str) -> Service:
    """A new service with its tier's default standard."""
    if tier == "high":
        return Service(service_id, name, tier, presence=default_presence())
    if tier == "low":
        return Service(service_id, name, tier, checks=default_checks())
    raise StandardError(f"risk tier must be \"low\" or \"high\", not {tier!r}")


def check_standard(service: Service) -> list[str]:
    """Everything wrong with a service's coverage standard, in words; empty when it can be used."""
    problems = []
    if not service.presence and service.checks is None:
        problems.append(f"{service.name} has no coverage standard: add presence segments or a checks standard")
    for i, segment in enumerate(service.presence, 1):
        window = segment.window
        if not segment.window.days:
            problems.append(f"presence segment {i} has no days")
        if not 0 <= window.start < window.end <= MINUTES_PER_DAY:
            problems.append(f"presence segment {i} must start before it ends, within one day (no overnight span)")
        if not segment.roles or not segment.roles <= ROLES:
            problems.append(f"presence segment {i} needs roles from: {', '.join(sorted(ROLES))}")
        if segment.min < 1:
            problems.append(f"presence segment {i} needs at least 1 person")
    checks = service.checks
    if checks is not None:
        span = checks.window_end - checks.window_start
        if not 0 <= checks.window_start < checks.window_end <= MINUTES_PER_DAY:
            problems.append("the checks window must start before it ends, within one day")
        if checks.per_day < 1:
            problems.append("at least 1 check a day is needed")
        if checks.minutes <= 0 or checks.per_day * checks.minutes > span:
            problems.append(f"{checks.per_day} checks of {checks.minutes} minutes do not fit in the checks window")
        if checks.max_gap < checks.minutes:
            problems.append("the longest gap between checks must be at least one check long")
        if not checks.roles or not checks.roles <= ROLES:
            problems.append(f"checks need roles from: {', '.join(sorted(ROLES))}")
    return problems
