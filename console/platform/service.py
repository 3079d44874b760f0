"""Decisions go back to the platform: a post hidden in the console is hidden for the people reading it too,
without anyone acting twice.

Each decision on an item (approved, hidden, needs a reply, replied to, parked, escalated, shown again) is written
to the outbox (`PlatformEvent`) in the same transaction as the decision, when the service has a webhook. The
outbox's sender (console.outbox), woken once the decision is committed and by the scheduler's decisions job every
minute, delivers each post's events in order: a later event of a post waits until the earlier ones are delivered.
A failed delivery (an error answer, no answer within the timeout, no connection) waits longer each time (1, 2,
4 ... minutes, at most an hour) and is never dropped. Only a platform on the internet is sent to
(console.platform.addresses, checked again at each sending), and a saved secret or key only ever to the site it was
given for: a new address elsewhere forgets it.

An event is one JSON object, signed with the service's own webhook secret:

    POST <the webhook's address>
    Content-Type: application/json
    X-Signature: sha256=<hex HMAC-SHA256 of the raw body under the secret>
    X-Event-Id: <the event's id>
    X-Event-Timestamp: <when this attempt was sent, in Unix seconds>

    {"id": "...", "type": "post.hidden", "service": "<slug>", "sequence": 2, "decided_at": "...",
     "sent_at": "...", "post": {"external_id": "...", "thread_id": "..."}, "reason": "..."}

The id and the time of sending are in the signed body as well as the headers, so a receiver can refuse an old
request played again (the timestamp) and take each event once (the id): a delivery whose answer was lost is sent
again with the same id. Only a hidden post's reason is sent: what a moderator writes when parking or escalating an
item is for the service's own staff. Nothing about who a pseudonym is, and no post's words, is ever sent.
"""

import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from console import crypto, outbox
from console.audit import service as audit
from console.database import utcnow
from console.errors import UserError, child_or_404
from console.extensions import db
from console.platform import addresses
from console.platform.models import PlatformEvent, PlatformWebhook
from console.queue.models import Action, Post
from console.services.models import Service
from console.words import local_time

DELIVER_TASK = "platform.deliver"
EVENT_TYPES = {Action.APPROVED: "post.approved", Action.HIDDEN: "post.hidden", Action.NEEDS_REPLY: "post.needs_reply",
               Action.REPLY_NOTED: "post.replied", Action.PARKED: "post.parked", Action.ESCALATED: "post.escalated",
               Action.UNHIDDEN: "post.unhidden"}
WEBHOOK, DISCOURSE = "webhook", "discourse"
DISCOURSE_POST = re.compile(r"discourse-post-(\d{1,18})")
DISCOURSE_FLAG = 4  # Discourse's post action type "inappropriate": with take_action, a staff flag hides the post
COULD_NOT_CONNECT = "Could not connect to the platform."
NOT_THERE = "Not sent: the platform's address leads to a network the console does not send to."


# --- The webhook ------------------------------------------------------------------------------

def webhook_of(service: Service) -> PlatformWebhook | None:
    """The service's webhook settings, if it has ever had any."""
    return db.session.get(PlatformWebhook, service.id)


def _webhook(service: Service) -> PlatformWebhook:
    hook = webhook_of(service)
    if hook is None:
        hook = PlatformWebhook(service_id=service.id, url="", sealed_secret="")
        db.session.add(hook)
    return hook


def _described(hook: PlatformWebhook) -> dict:
    """Where decisions go, as the audit log keeps it: the address's site only (a path may hold a token)."""
    return {"platform_address": addresses.origin(hook.url), "platform_kind": hook.kind or WEBHOOK,
            "discourse_user": hook.api_username or ""}


def save_url(service: Service, url: str) -> bool:
    """Send the service's decisions to this address from now on (an empty one stops sending; events already waiting
    stay waiting until there is an address again). True when the saved signing secret was forgotten: it belongs to
    the address it was made for, so an address elsewhere (another scheme, host or port) needs a new one."""
    url = addresses.checked_url(url) if url.strip() else ""
    hook = _webhook(service)
    before = _described(hook)
    moved = addresses.origin(url) != addresses.origin(hook.url)
    # Events signed with the old secret would reach the new address, which could play them to the old platform as
    # genuine; and a forum's API key is no signing secret at all.
    forgotten = moved and hook.kind != DISCOURSE and bool(hook.sealed_secret)
    if hook.kind == DISCOURSE or forgotten:
        hook.kind, hook.sealed_secret, hook.api_username = WEBHOOK, "", ""
    hook.url, hook.updated_at = url, utcnow()
    audit.record("platform.webhook_set" if url else "platform.webhook_off", target=f"service:{service.id}",
                 details={"before": before, "after": _described(hook),
                          **({"signing_secret": "forgotten"} if forgotten else {})})
    db.session.commit()
    return forgotten


def new_secret(service: Service) -> str:
    """Give the service's webhook a new signing secret (returned once, to show); events from now on are signed with
    it, retries of older ones included."""
    hook = _webhook(service)
    if hook.kind == DISCOURSE:
        raise UserError("Decisions go to a Discourse forum, which takes an API key, not a signing secret.")
    secret = secrets.token_urlsafe(32)
    hook.sealed_secret, hook.updated_at = crypto.seal(secret), utcnow()
    audit.record("platform.secret_made", target=f"service:{service.id}",
                 details={"platform_address": addresses.origin(hook.url)})
    db.session.commit()
    return secret


def sending(service: Service) -> bool:
    """Whether the service's decisions are sent to its platform: an address and a secret (for Discourse, its API
    key and user)."""
    return _sends(webhook_of(service))


def _sends(hook: PlatformWebhook | None) -> bool:
    return bool(hook and hook.url and hook.sealed_secret and (hook.kind != DISCOURSE or hook.api_username))


def connect_discourse(service: Service, *, url: str, api_username: str, api_key: str) -> None:
    """Send the service's hidden posts to a Discourse forum's API from now on: its address, the user the console
    acts as (a moderator's or "system") and an API key for that user (empty: keep the one saved, which only ever
    goes to the address it was given for)."""
    url = addresses.checked_url(url).rstrip("/")
    api_username, api_key = api_username.strip(), api_key.strip()
    if not api_username:
        raise UserError("Give the Discourse user the console acts as (for example system, or a moderator's name).")
    hook = _webhook(service)
    before = _described(hook)
    saved_key = hook.kind == DISCOURSE and bool(hook.sealed_secret)
    old, new = addresses.origin(hook.url), addresses.origin(url)
    # A forum's key often reaches every member's email and IP address: it never follows an address elsewhere.
    if not api_key and saved_key and old != new:
        raise UserError(f"Give the API key again: the address changed from {old} to {new}, and a saved key only "
                        "ever goes to the address it was given for.")
    if not api_key and not saved_key:
        raise UserError("Give an API key: make one in Discourse (Admin, API, New API key) for that user.")
    hook.kind, hook.url, hook.api_username, hook.updated_at = DISCOURSE, url, api_username, utcnow()
    if api_key:
        hook.sealed_secret = crypto.seal(api_key)
    audit.record("platform.discourse_set", target=f"service:{service.id}",
                 details={"before": before, "after": _described(hook), "api_key": "new" if api_key else "kept"})
    db.session.commit()


# --- Events -------------------------------------------------------------------------------------

def queue_decision(post: Post, action: Action, reason: str = "") -> PlatformEvent | None:
    """Put a decision on the post in the outbox, in the caller's transaction (nothing when the service sends its
    decisions nowhere, or for what is not a decision, such as a note)."""
    hook = webhook_of(post.service)
    if action not in EVENT_TYPES or not _sends(hook):
        return None
    if hook.kind == DISCOURSE and (action not in (Action.HIDDEN, Action.UNHIDDEN) or discourse_post_id(post) is None):
        return None  # Discourse shows a post until it is hidden: the other decisions have nothing to do there
    last = db.session.scalar(sa.select(sa.func.max(PlatformEvent.sequence)).where(PlatformEvent.post_id == post.id))
    event = PlatformEvent(event_id=str(uuid.uuid4()), service_id=post.service_id, post_id=post.id,
                          sequence=(last or 0) + 1, action=action.value,
                          reason=reason.strip() if action == Action.HIDDEN else "", decided_at=utcnow())
    db.session.add(event)
    outbox.wake_after_commit(EVENTS)
    return event


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def body_of(event: PlatformEvent, sent_at: datetime) -> bytes:
    """The event as the platform receives it (see the module's description)."""
    data = {"id": event.event_id, "type": EVENT_TYPES[Action(event.action)], "service": event.service.slug,
            "sequence": event.sequence, "decided_at": _iso(event.decided_at), "sent_at": _iso(sent_at),
            "post": {"external_id": event.post.external_id, "thread_id": event.post.thread_id}}
    if event.action == Action.HIDDEN:
        data["reason"] = event.reason
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-Signature header's value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def discourse_post_id(post: Post) -> int | None:
    """The Discourse post a queue item came from (console.platform.discourse names them discourse-post-<id>)."""
    match = DISCOURSE_POST.fullmatch(post.external_id)
    return int(match[1]) if match else None


def _request(event: PlatformEvent, hook: PlatformWebhook, secret: str) -> dict:
    """What to send for an event: to the platform's webhook, the signed event; to Discourse, the API call that
    hides the post (a staff member's flag with "take action", which hides it at once) or shows it again."""
    if hook.kind == DISCOURSE and event.action == Action.UNHIDDEN:
        return {"method": "PUT", "url": f"{hook.url}/posts/{discourse_post_id(event.post)}/unhide",
                "headers": {"Api-Key": secret, "Api-Username": hook.api_username, "Accept": "application/json",
                            "User-Agent": "moderation-console"}}
    if hook.kind == DISCOURSE:
        return {"method": "POST", "url": f"{hook.url}/post_actions.json",
                "data": {"id": str(discourse_post_id(event.post)), "post_action_type_id": str(DISCOURSE_FLAG),
                         "take_action": "true"},
                "headers": {"Api-Key": secret, "Api-Username": hook.api_username, "Accept": "application/json",
                            "User-Agent": "moderation-console"}}
    sent_at = utcnow()
    body = body_of(event, sent_at)
    return {"method": "POST", "url": hook.url, "content": body,
            "headers": {"Content-Type": "application/json", "X-Signature": signature(secret, body),
                        "X-Event-Id": event.event_id, "X-Event-Timestamp": str(int(sent_at.timestamp())),
                        "User-Agent": "moderation-console"}}


def _post_event(event: PlatformEvent, hook: PlatformWebhook) -> tuple[int | None, str]:
    """Send one event; (the HTTP status, "") when the platform answered 2xx, else (status or None, why not)."""
    secret = crypto.unseal(hook.sealed_secret)
    if not hook.url or not secret:
        return None, "The service has no webhook address or secret: set them on its queue settings page."
    seconds = current_app.config["PLATFORM_TIMEOUT_SECONDS"]
    try:
        answer = addresses.send(timeout=seconds, **_request(event, hook, secret))
    except addresses.NameNotFound:
        return None, COULD_NOT_CONNECT
    except UserError:  # said in general terms: the page tells nobody what is at an address inside the network
        return None, NOT_THERE
    except httpx.TimeoutException:
        return None, f"No answer within {seconds:g} s."
    except httpx.ConnectError:
        return None, COULD_NOT_CONNECT
    except httpx.HTTPError as error:
        return None, f"The request failed ({type(error).__name__})."
    if 200 <= answer.status_code < 300:
        return answer.status_code, ""
    return answer.status_code, f"The platform answered HTTP {answer.status_code}."


def _send(event: PlatformEvent) -> str:
    """Deliver one event: "" when the platform took it, else why not (both kept on the event)."""
    hook = webhook_of(event.service) or PlatformWebhook(url="", sealed_secret="")
    event.last_status, event.last_error = _post_event(event, hook)
    return event.last_error


def _waits_for_earlier():
    """Events of a post with an earlier event still undelivered: they wait for it."""
    earlier = aliased(PlatformEvent)
    return sa.exists().where(earlier.post_id == PlatformEvent.post_id, earlier.id < PlatformEvent.id,
                             earlier.delivered_at.is_(None))


# A sender claims an event before sending it for this long; if it dies half-way, another sends it after this (at
# least once, never lost: the receiver takes each event id once).
EVENTS = outbox.Kind(task=DELIVER_TASK, table=PlatformEvent, done="delivered_at", claim=timedelta(minutes=2),
                     send=_send, about=lambda event: f"platform event {event.event_id} (item {event.post_id})",
                     waits_for_earlier=_waits_for_earlier)


def deliver_due() -> tuple[int, int]:
    """Deliver the events that are due, each post's in order, going on while there are more (a post's next event
    follows its earlier one at once); returns (delivered, failed)."""
    return outbox.send_due(EVENTS)


# --- What administrators see --------------------------------------------------------------------

SHOWN = 100


def deliveries(service: Service) -> list[PlatformEvent]:
    """The service's latest events, newest first."""
    return list(db.session.scalars(sa.select(PlatformEvent).where(PlatformEvent.service_id == service.id)
                                   .order_by(PlatformEvent.id.desc()).limit(SHOWN)))


def waiting(service: Service) -> tuple[int, int]:
    """How many of the service's events are not delivered yet, and how many of those have failed at least once."""
    rows = db.session.execute(sa.select(PlatformEvent.attempts).where(PlatformEvent.service_id == service.id,
                                                                      PlatformEvent.delivered_at.is_(None))).all()
    return len(rows), sum(1 for (attempts,) in rows if attempts)


def replaced_by(event: PlatformEvent) -> PlatformEvent | None:
    """The latest decision on the same post after this one, if any: once it is made, sending this one again would
    undo it on the platform (a post shown again, hidden once more)."""
    return db.session.scalar(sa.select(PlatformEvent).where(PlatformEvent.post_id == event.post_id,
                                                            PlatformEvent.sequence > event.sequence)
                             .order_by(PlatformEvent.sequence.desc()).limit(1))


# A decision as the deliveries page names it, in the words the item's buttons use.
DECISION_WORDS = {Action.APPROVED: "Approved", Action.HIDDEN: "Hidden", Action.NEEDS_REPLY: "Needs a reply",
                  Action.REPLY_NOTED: "Replied to", Action.PARKED: "Parked", Action.ESCALATED: "Escalated",
                  Action.UNHIDDEN: "Shown again"}


def decision_words(event: PlatformEvent) -> str:
    """A decision as the deliveries page names it: "Hidden", "Shown again", "Needs a reply"."""
    return DECISION_WORDS[Action(event.action)]


def send_again(service: Service, *, event_id: int) -> PlatformEvent:
    """Send an event again now: one still waiting goes without waiting for its next attempt; one delivered goes
    once more with the same id (a receiver that takes each id once ignores it)."""
    event = child_or_404(PlatformEvent, event_id, service_id=service.id,
                         missing="There is no decision at this address for this service.")
    later = replaced_by(event)
    if event.delivered_at is not None and later is not None:
        raise UserError(f"A later decision on this post replaced this one ({decision_words(later)} at "
                        f"{local_time(later.decided_at)}): sending this one again would undo it on the platform.")
    if not sending(service):
        raise UserError("Set the webhook's address and secret first: there is nowhere to send it.")
    event.delivered_at, event.next_attempt_at = None, utcnow()
    audit.record("platform.event_resent", target=f"service:{service.id}",
                 details={"platform_address": addresses.origin(webhook_of(service).url)})
    outbox.wake_after_commit(EVENTS)
    db.session.commit()
    return event
