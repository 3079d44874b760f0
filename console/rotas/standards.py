"""Each service's coverage standard as its managers set it (else its risk tier's default), and whether agreed
swaps are applied without a manager."""

from console.accounts.teams import services_managed_by
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.rotas.models import CoverageStandard
from console.rotas.problem import standard_of
from console.services.models import Service
from console.words import clock, duration, period
from rota import domain
from rota.scenario import service_to_dict
from rota.standards import check_standard


# The engine's roles as a team manager names them.
ROLE_WORDS = {"clinical": "clinical moderators", "non_clinical": "non-clinical moderators",
              "peer": "peer moderators", "champion": "digital champions", "volunteer": "volunteers"}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def days_words(days) -> str:
    """Weekdays as a person writes them: "every day", "Mon–Fri", "Sat, Sun", "Mon, Wed–Fri"."""
    days = sorted(days)
    if len(days) == 7:
        return "every day"
    runs, start = [], None
    for position, day in enumerate(days):
        start = day if start is None else start
        if position + 1 == len(days) or days[position + 1] != day + 1:
            runs.append(DAY_NAMES[start] if start == day else f"{DAY_NAMES[start]}, {DAY_NAMES[day]}"
                        if day == start + 1 else f"{DAY_NAMES[start]}–{DAY_NAMES[day]}")
            start = None
    return ", ".join(runs)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _roles_words(roles) -> str:
    names = [ROLE_WORDS.get(role, role) for role in ROLE_WORDS if role in roles]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def in_words(standard: domain.Service) -> list[str]:
    """A coverage standard as sentences: each presence row, then the checks."""
    lines = [f"{_first_upper(days_words(s.window.days))} {period(s.window.start, s.window.end)}: "
             f"at least {s.min} {'person' if s.min == 1 else 'people'} on duty ({_roles_words(s.roles)})."
             for s in standard.presence]
    if standard.checks is not None:
        checks = standard.checks
        lines.append(f"At least {checks.per_day} moderation checks a day between {clock(checks.window_start)} "
                     f"and {clock(checks.window_end)}, never more than {duration(checks.max_gap)} apart, each "
                     f"taking {duration(checks.minutes)} ({_roles_words(checks.roles)}).")
    return lines


def managed_service_or_raise(manager, *, service_id: int) -> Service:
    """A service whose rota this manager keeps, or NotFound."""
    service = next((s for s in services_managed_by(manager) if s.id == service_id), None)
    if service is None:
        raise NotFound("There is no service at this address whose rota you manage.")
    return service


def current(service: Service) -> tuple[domain.Service, bool, bool]:
    """The service's standard, whether it is the tier default, and whether agreed swaps apply at once."""
    row = db.session.get(CoverageStandard, service.id)
    return standard_of(service), row is None, bool(row and row.auto_approve_swaps)


def auto_approves_swaps(service: Service) -> bool:
    """Whether a swap both people agreed is applied without a manager when it breaks no rule."""
    row = db.session.get(CoverageStandard, service.id)
    return bool(row and row.auto_approve_swaps)


def save(service: Service, standard: domain.Service, *, auto_approve_swaps: bool) -> None:
    """Keep a service's standard; refused, with every reason, when it cannot be used."""
    problems = check_standard(standard)
    if problems:
        raise UserError("The standard cannot be used: " + "; ".join(problems) + ".")
    document = {key: value for key, value in service_to_dict(standard).items() if key in ("presence", "checks")}
    row = db.session.get(CoverageStandard, service.id) or CoverageStandard(service_id=service.id)
    row.document, row.auto_approve_swaps, row.updated_at = document, auto_approve_swaps, utcnow()
    db.session.add(row)
    audit.record("standard.updated", target=f"service:{service.id}",
                 details={**document, "auto_approve_swaps": auto_approve_swaps})
    db.session.commit()


def reset(service: Service) -> None:
    """Go back to the risk tier's default standard."""
    row = db.session.get(CoverageStandard, service.id)
    if row is None:
        raise UserError(f"{service.name} already has its tier's default standard.")
    db.session.delete(row)
    audit.record("standard.reset", target=f"service:{service.id}")
    db.session.commit()
