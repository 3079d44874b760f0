"""What each area's `scheduled.py` builds its jobs from: a job's body takes the moment it runs for, works through its
items with `each`, and returns an `Outcome`. The scheduler (`scheduler/jobs.py`) decides when each body runs, and
records what it did.

An item is acted on in a transaction of its own, so one item failing is logged and counted and the rest go on.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from console.extensions import db

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one run did: how many things it acted on, how many items failed, and a line in words."""

    acted: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: "Outcome") -> "Outcome":
        """This outcome with another's counts and notes added."""
        self.acted, self.failed = self.acted + other.acted, self.failed + other.failed
        self.notes += other.notes
        return self


def each(items: Iterable, act: Callable[[object], int], *, what: Callable[[object], str]) -> Outcome:
    """Act on each item in a transaction of its own (act commits and returns how many things it did); an item
    that fails is rolled back, logged by `what` (an id, never a post's words or anyone's identity) and counted."""
    outcome = Outcome()
    for item in items:
        label = what(item)
        try:
            outcome.acted += act(item)
        except Exception:  # noqa: BLE001 - one item's failure must not stop the others
            db.session.rollback()
            log.exception("scheduler: %s failed; going on with the rest", label)
            outcome.failed += 1
            outcome.notes.append(f"{label} failed")
    return outcome
