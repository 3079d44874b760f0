"""What the alert pages and the dashboard's list of alerts show the person looking at them."""

from dataclasses import dataclass
from datetime import datetime

from console.alerts import service as alerts
from console.alerts.kinds import kind_of
from console.alerts.models import NOT_ACKNOWLEDGED, Alert, AlertState


@dataclass(frozen=True)
class AlertView:
    """One alert as one person sees it: what it is, who acknowledged it, what happens next while it holds ("" once
    resolved), whether they may acknowledge it, and if they may not while nobody has, who can (in words)."""

    alert: Alert
    title: str
    cleared: str
    acknowledged: str
    next: str
    can_acknowledge: bool
    rule: str


def view_of(viewer, alert: Alert, now: datetime) -> AlertView:
    """An alert as the viewer sees it at this moment."""
    waiting = alert.state in NOT_ACKNOWLEDGED
    can_acknowledge = waiting and alerts.may_acknowledge(viewer, alert, now)
    return AlertView(
        alert=alert, title=kind_of(alert).title, cleared=kind_of(alert).cleared,
        acknowledged=alerts.who_acknowledged(alert),
        next="" if alert.state == AlertState.RESOLVED else alerts.what_next(alert, alert.steps_done,
                                                                             alert.next_step_at),
        can_acknowledge=can_acknowledge,
        rule=alerts.who_may_acknowledge(alert) if waiting and not can_acknowledge else "")


def open_alerts(viewer, now: datetime) -> list[AlertView]:
    """The open alerts of the services whose chain the viewer is in, newest first, as the viewer sees them."""
    return [view_of(viewer, alert, now) for alert in alerts.open_for(viewer)]
