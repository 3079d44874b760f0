"""What the escalation pages show beyond their rows: the owner's list of open cases across the trust.

That list names no one a case is about and shows nothing of the post or the reason it was opened: a case's service,
how long it has been open, the step it waits for and who last worked on it.
"""

from dataclasses import dataclass
from datetime import datetime

from console.words import duration
from escalation_pathways import service as escalations
from escalation_pathways.models import Case

READY_TO_CLOSE = "Every required step is done: waiting to be closed"
NOT_PICKED_UP = "Nobody yet"


@dataclass(frozen=True)
class OpenCase:
    """One open case as the owner reads it."""

    reference: str  # "Case 12", as the clinicians' emails name it
    service: str
    age: str  # "4 days 2 h"
    step: str  # the first required step neither done nor skipped, in words
    overdue: bool  # that step is past its deadline
    worked_by: str  # who last recorded a step or wrote a note, or NOT_PICKED_UP


def _waiting_step(case: Case, recorded: set[str], now: datetime) -> tuple[str, bool]:
    """The step the case waits for, and whether it is overdue."""
    step = next((s for s in case.plan.steps if s["required"] and s["key"] not in recorded), None)
    if step is None:
        return READY_TO_CLOSE, False
    return step["title"], escalations.is_overdue(case, step, False, now)


def trust_open_cases(viewer, *, now: datetime) -> list[OpenCase]:
    """Every open case of the viewer's services (the whole trust for an owner), the oldest first."""
    cases = escalations.all_open_cases(viewer)
    recorded, worked_by = escalations.recorded_steps(cases), escalations.last_worked_by(cases)
    rows = []
    for case in cases:
        step, overdue = _waiting_step(case, recorded[case.id], now)
        age = duration((now - case.opened_at).total_seconds() / 60)
        rows.append(OpenCase(f"Case {case.id}", case.service.name, age, step, overdue,
                             worked_by.get(case.id, NOT_PICKED_UP)))
    return rows
