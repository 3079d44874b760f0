"""The alerts job the scheduler runs each minute: look for every condition, raise and resolve alerts, and take
each chain step that is due."""

from datetime import datetime

from console.alerts import conditions, kinds
from console.alerts import service as alerts
from console.scheduled import Outcome, each


def watch_alerts(now: datetime) -> Outcome:
    """Raise an alert for each condition found, resolve the ones whose condition cleared, and take every chain
    step that is due (an acknowledged alert's too: only its condition clearing stops it). If any part of the
    looking failed, nothing is resolved this time: an alert is never closed because its condition could not be
    seen."""
    found: list = []

    def look(finder) -> int:
        found.extend(finder[1](now))
        return 0

    outcome = each(conditions.finders(), look, what=lambda finder: f"looking at {finder[0]}")
    outcome.add(each(found, lambda condition: alerts.raise_alert(condition, now),
                     what=lambda condition: f"raising {condition.kind} {condition.subject}"))
    if not outcome.failed:
        resolved = alerts.resolve_cleared({(c.kind, c.subject) for c in found}, set(kinds.KINDS), now)
        if resolved:
            outcome.notes.append(f"{resolved} resolved")
    outcome.add(each(alerts.due_steps(now), lambda alert_id: alerts.take_steps(alert_id, now),
                     what=lambda alert_id: f"alert {alert_id}"))
    return outcome
