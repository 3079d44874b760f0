"""The queue's way to escalation: escalating an item opens a clinical case, and an item's page shows its case and
its author's open cases. That work is escalation_pathways', which builds on the queue; it registers its functions
here when the app starts, so the queue itself imports nothing of it."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from console.queue.models import Post
from console.services.models import Service

EXTENSION = "queue.escalations"  # where the app keeps them (app.extensions)


@dataclass(frozen=True)
class Escalations:
    """What the queue asks of escalation: the case opened from an item, a pseudonym's open cases in a service, and
    escalating an item (the item's escalation and its case in one transaction)."""

    case_for_post: Callable[[Post], object | None]
    open_cases_for: Callable[[Service, str], list]
    escalate_item: Callable[..., object]


def register(app: Flask, escalations: Escalations) -> None:
    """Give the queue its way to escalation (escalation_pathways does this as the app starts)."""
    app.extensions[EXTENSION] = escalations


def escalations() -> Escalations:
    """The app's way to escalation."""
    return current_app.extensions[EXTENSION]
