"""Emails to a service's monitored mailbox about its posts (console.alerts keeps the safety alerts' chain), through the
email outbox (console.notifications): an email is written in the same transaction as the post that caused it, so an
outage loses nothing.

An email holds the link to the item and the service's name only: never the post's words, the terms it
matched or anything about the person who wrote it.
"""

from console.links import public_url
from console.notifications.models import OutboxEmail
from console.notifications.service import queue_email
from console.services.models import Service


def item_link(post_id: int) -> str:
    """Where an alert sends staff for an item: under PUBLIC_URL, not the address the platform posts to."""
    return public_url("queue.item", post_id=post_id)


def critical_post(service: Service, post_id: int, *, by_lists: bool = True) -> OutboxEmail:
    """Queue the alert for a critical post (the caller commits with the post): `by_lists` when it matched the
    critical list, else the risk model rated it critical."""
    why = "matched the service's critical word list" if by_lists else "was rated critical by the risk model"
    return queue_email(
        to=service.mailbox, subject=f"Critical post waiting: {service.name}",
        body=(f"A post in {service.name} {why} and is at the top of the moderation queue.\n\n"
              f"Open it in the moderation console:\n{item_link(post_id)}\n\n"
              "This email does not contain the post. Sign in to read it and act on it.\n"))
