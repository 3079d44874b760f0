"""What the platform's pages show: a service's connection to its platform (the ingest secret, where decisions go),
shown at the foot of its queue settings page, and the decisions sent to it."""

from dataclasses import dataclass
from datetime import datetime

from console.accounts import step_up
from console.forms import StepUpForm
from console.platform import addresses, ingest
from console.platform import service as platform
from console.platform.forms import WebhookForm
from console.platform.models import PlatformEvent, PlatformWebhook
from console.services.models import Service
from console.words import counted, local_time


@dataclass(frozen=True)
class Connection:
    """A service's connection to its platform, as its settings page shows it: the ingest secret (a new one shown
    once), where decisions go with the form that changes it, and the decisions waiting."""

    service: Service
    secret: str | None  # a new ingest secret, shown once
    secret_made: datetime | None
    older_secrets: str  # how many older ingest secrets still work while the platform switches, in words
    secret_button: str
    sending_to: str  # where decisions go, in words
    waiting: str  # how many decisions wait to be delivered, in words ("" when none)
    webhook_form: WebhookForm
    webhook_secret: str | None  # a new signing secret, shown once
    signing_secret_button: str  # "" for a Discourse forum, which takes an API key instead
    step_up_form: StepUpForm
    fresh: bool  # an MFA code was given lately: changing where decisions go asks for none
    address_hint: str


def _sending_to(hook: PlatformWebhook | None) -> str:
    if hook and hook.kind == platform.DISCOURSE and hook.url and hook.sealed_secret:
        return (f"A post hidden here is hidden on the Discourse forum at {hook.url}, by {hook.api_username}, through "
                "its API (a staff flag that hides it at once). Other decisions are the console's own.")
    if hook and hook.url and hook.sealed_secret:
        return f"Decisions are sent to {hook.url}."
    if hook and hook.url:
        return "Make a signing secret: nothing is sent until there is one."
    return "Decisions are not sent anywhere: the platform's moderators have to act on them again themselves."


def _waiting(service: Service) -> str:
    waiting, failing = platform.waiting(service)
    if not waiting:
        return ""
    failed = f", {failing} after a failed attempt" if failing else ""
    return f"{counted(waiting, 'decision')} waiting to be delivered{failed}."


def connection(service: Service, *, secret: str | None = None, webhook_form: WebhookForm | None = None,
               webhook_secret: str | None = None) -> Connection:
    """The service's connection as its settings page shows it, with a form that was sent back with mistakes or a
    new secret to show once."""
    made, older = ingest.secret_status(service)
    hook = platform.webhook_of(service)
    discourse = hook is not None and hook.kind == platform.DISCOURSE
    return Connection(
        service=service, secret=secret, secret_made=made,
        older_secrets=f"{counted(older, 'older secret')} still {'works' if older == 1 else 'work'} while the platform "
                      "switches." if older else "",
        secret_button="Make a new secret" if made else "Make a secret", sending_to=_sending_to(hook),
        waiting=_waiting(service),
        webhook_form=webhook_form or WebhookForm(kind=hook.kind if hook else "webhook", url=hook.url if hook else "",
                                                 api_username=hook.api_username if hook else ""),
        webhook_secret=webhook_secret,
        signing_secret_button="" if discourse else
        "Make a new signing secret" if hook and hook.sealed_secret else "Make a signing secret",
        step_up_form=StepUpForm(), fresh=step_up.mfa_is_fresh(), address_hint=addresses.rules())


@dataclass(frozen=True)
class Delivery:
    """One decision on the deliveries page, in words."""

    event: PlatformEvent
    decision: str  # "Hidden", "Needs reply", ...
    tries: str  # "1 try", "3 tries"
    button: str  # "Send now", or "Send again" once delivered; "" once a later decision on the post replaced it
    replaced: str  # "Replaced by a later decision (Unhidden at 21:09 on Fri 04 Dec)", when it was


@dataclass(frozen=True)
class DeliveriesPage:
    """The decisions sent to a service's platform, newest first, and whether it is sending."""

    service: Service
    sending: bool
    deliveries: list[Delivery]
    summary: str  # how many decisions are listed, in words
    items_linked: bool  # the viewer works the queue, so each item is a link


def _delivery(event: PlatformEvent, newest: PlatformEvent) -> Delivery:
    """One decision in words; `newest` is the newest decision on the same post, which replaced it if it is later."""
    later = newest if event.delivered_at and newest.sequence > event.sequence else None
    tries = f"{event.attempts} {'try' if event.attempts == 1 else 'tries'}"
    return Delivery(event, platform.decision_words(event), tries,
                    "" if later else "Send again" if event.delivered_at else "Send now",
                    f"Replaced by a later decision ({platform.decision_words(later)} at "
                    f"{local_time(later.decided_at)})" if later else "")


def _summary(shown: int) -> str:
    if shown == 1:
        return "The one decision so far."
    return f"The latest {shown} decisions{' (older ones are not shown)' if shown == platform.SHOWN else ''}, " \
           "newest first."


def deliveries_page(service: Service, viewer) -> DeliveriesPage:
    """The service's latest decisions for the platform, delivered, waiting or failing, as a viewer sees them."""
    events = platform.deliveries(service)
    # Newest first: a post's first event in the list is its newest (a later one has a higher id, so it is listed
    # whenever an earlier one is): what replaced each is known without asking the database again for every row.
    newest: dict[int, PlatformEvent] = {}
    for event in events:
        newest.setdefault(event.post_id, event)
    return DeliveriesPage(
        service=service, sending=platform.sending(service),
        deliveries=[_delivery(event, newest[event.post_id]) for event in events],
        summary=_summary(len(events)), items_linked=viewer.can("queue.work"))
