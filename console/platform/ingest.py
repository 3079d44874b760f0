"""Posts from the platform, in: each service's ingest secrets and the signature check, a post's fields checked one
by one, its words matched against the service's risk lists and read by the risk model, its priority set (the
higher of the two), stored once (a repeat changes nothing), and a platform's edit matched again and put back in the
queue. A critical post emails the service's mailbox in the same transaction (console.queue.mailbox)."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from console import crypto, identifiers
from console.audit import service as audit
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.queue import mailbox, risk_signals, terms
from console.queue.matching import matcher
from console.queue.models import OPEN_STATES, Action, IngestSecret, ModerationEvent, PlatformVersion, Post, Priority
from console.services.models import Service

HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
SECRET_OVERLAP = timedelta(hours=24)  # a rotated-out secret keeps working this long, while the platform switches
MAX_FIELD = {"external_id": 120, "thread_id": 120, "author_pseudonym": 80}
MAX_BODY = 20_000
KINDS = ("post", "reply")


# --- Ingest secrets --------------------------------------------------------------------------

def new_secret(service: Service, *, secret: str | None = None) -> str:
    """Give a service a new ingest secret (returned once, to show); the old ones keep working for 24 hours."""
    now = utcnow()
    for old in db.session.scalars(sa.select(IngestSecret).where(IngestSecret.service_id == service.id,
                                                                IngestSecret.expires_at.is_(None))):
        old.expires_at = now + SECRET_OVERLAP
    secret = secret or secrets.token_urlsafe(32)
    db.session.add(IngestSecret(service_id=service.id, sealed=crypto.seal(secret), created_at=now))
    audit.record("ingest.secret_made", target=f"service:{service.id}")
    db.session.commit()
    return secret


def secret_status(service: Service) -> tuple[datetime | None, int]:
    """When the current secret was made, and how many older ones still work."""
    now = utcnow()
    rows = db.session.scalars(sa.select(IngestSecret).where(IngestSecret.service_id == service.id)).all()
    current = [r.created_at for r in rows if r.expires_at is None]
    return max(current, default=None), sum(1 for r in rows if r.expires_at is not None and r.expires_at > now)


def signature_ok(service: Service, body: bytes, header: str | None) -> bool:
    """Whether `X-Signature: sha256=<hex>` is the HMAC-SHA256 of the raw body under a working secret."""
    if not header or not header.startswith("sha256="):
        return False
    given, now = header.removeprefix("sha256=").strip().lower(), utcnow()
    if not HEX_DIGEST.fullmatch(given):  # compare_digest takes only ASCII text
        return False
    for row in db.session.scalars(sa.select(IngestSecret).where(IngestSecret.service_id == service.id)):
        if row.expires_at is not None and row.expires_at <= now:
            continue
        secret = crypto.unseal(row.sealed)
        if secret and hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), given):
            return True
    return False


# --- Posts -----------------------------------------------------------------------------------

class IngestError(UserError):
    """A post the console cannot take; names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Ingested:
    """A post as stored, and whether this request created it (False: a repeat of the same external_id)."""

    post_id: int
    external_id: str
    priority: Priority
    created: bool
    requeued: bool = False  # an edit on the platform put it back in the queue
    stale: bool = False  # an edit older than the words held: left alone

    @property
    def status(self) -> str:
        """The API's word for what happened: created, edited (back in the queue), stale (an older edit, left
        alone) or repeat (nothing changed)."""
        return "created" if self.created else "edited" if self.requeued else "stale" if self.stale else "repeat"

    @property
    def changed(self) -> bool:
        """Whether the request stored a post or put one back in the queue."""
        return self.created or self.requeued


IDENTIFIERS = ("external_id", "thread_id", "author_pseudonym")


def _text(item: dict, name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise IngestError(where + name, f"{name} is required and must be text")
    halves = identifiers.lone_surrogates(value)
    if halves:  # checked first: saving one would fail in the database driver, after everything else passed
        raise IngestError(where + name, f"{name} holds half of a UTF-16 surrogate pair without its other half "
                                        f"({', '.join(dict.fromkeys(halves))}): it is no character and cannot be "
                                        "stored; send the text as UTF-8")
    if name in IDENTIFIERS:
        try:
            value = identifiers.normalised(value)
        except identifiers.IdentifierError as problem:
            raise IngestError(where + name, f"{name} {problem}") from problem
    if name in MAX_FIELD and len(value) > MAX_FIELD[name]:
        raise IngestError(where + name, f"{name} is longer than {MAX_FIELD[name]} characters")
    if name == "body" and len(value) > MAX_BODY:
        raise IngestError(where + name, f"body is longer than {MAX_BODY} characters")
    if "\x00" in value:
        raise IngestError(where + name, f"{name} holds a NUL character")
    return value


def _parse(item: object, where: str = "") -> dict:
    """One item checked field by field; IngestError names the first bad field."""
    if not isinstance(item, dict):
        raise IngestError(where.rstrip(".") or "body", "each post must be a JSON object")
    fields = {name: _text(item, name, where) for name in ("external_id", "thread_id", "author_pseudonym", "body")}
    if item.get("kind") not in KINDS:
        raise IngestError(where + "kind", 'kind must be "post" or "reply"')
    return {**fields, "kind": item["kind"], "created_at": platform_time(item.get("created_at"), "created_at", where)}


EARLIEST_POST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)  # a platform's clock may run ahead a little; further ahead is a mistake


def platform_time(raw: object, name: str, where: str = "") -> datetime:
    """A time the platform sent (`name`: when the post was written, or saved): an ISO 8601 time with its offset,
    from 2000 to a day from now; IngestError names the field otherwise."""
    try:
        parsed = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        moment = parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # OverflowError: a year 1 or 9999 time moved to UTC leaves the calendar
        moment = None
    if moment is None:
        raise IngestError(where + name, f"{name} must be an ISO 8601 time with its offset, "
                                        "e.g. 2026-11-25T14:05:00+00:00")
    if not EARLIEST_POST <= moment <= utcnow() + CLOCK_SKEW:
        raise IngestError(where + name, f"{name} must be a time from 2000 up to now (the platform's "
                                        "clock may be at most a day ahead)")
    return moment


def _flagged(find, judge, body: str) -> tuple[Priority, list[dict], dict | None]:
    """A post's priority: the higher of the service's lists' (`find`, a matcher's) and the risk model's (`judge`,
    console.queue.risk_signals.judge), with why: the terms it matched and what the model raised it to."""
    found = find(body)
    lists = {m.list for m in found}
    by_lists = Priority.CRITICAL if "critical" in lists else Priority.RISK if lists else Priority.NORMAL
    verdict = judge(body)
    priority = min(by_lists, risk_signals.LEVEL_PRIORITY[verdict.level])  # a lower number is more urgent
    return priority, [{"term": m.term, "list": m.list} for m in found], verdict.as_json()


def _critical_by_lists(matched: list[dict]) -> bool:
    return any(m["list"] == "critical" for m in matched)


def ingest(service: Service, items: list, *, version: PlatformVersion | None = None) -> list[Ingested]:
    """Store posts, all or none: each checked, matched against the service's terms and prioritised; a critical one
    queues an alert to the service's mailbox in the same transaction. A repeat of a stored external_id changes
    nothing. `version`: which of its versions on the platform a single post is (a Discourse event's)."""
    parsed = [_parse(item, f"items[{i}]." if len(items) > 1 else "") for i, item in enumerate(items)]
    ids = [p["external_id"] for p in parsed]
    if len(set(ids)) != len(ids):
        raise IngestError("external_id", "the same external_id appears twice in one batch")
    find, judge = matcher(terms.phrases_of(service)).find, risk_signals.judge(service)
    for attempt in range(2):  # a concurrent request may store one of these first: then they are repeats
        stored = {external_id: (post_id, priority) for external_id, post_id, priority in db.session.execute(
            sa.select(Post.external_id, Post.id, Post.priority).where(Post.service_id == service.id,
                                                                      Post.external_id.in_(ids)))}
        rows = []
        for fields in parsed:
            if fields["external_id"] in stored:
                continue
            priority, matched, model_flag = _flagged(find, judge, fields["body"])
            rows.append({**fields, "service_id": service.id, "priority": priority.value, "state": "open",
                         "received_at": utcnow(), "matched": matched, "model_flag": model_flag,
                         "platform_version": version.number if version else None,
                         "platform_saved_at": version.saved_at if version else None})
        try:
            # One multi-row INSERT: a batch of 500 costs about one statement, not 500 ORM objects.
            new_ids = db.session.scalars(sa.insert(Post).returning(Post.id, sort_by_parameter_order=True),
                                         rows).all() if rows else []
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue
        created = {row["external_id"]: (post_id, row["priority"]) for row, post_id in zip(rows, new_ids, strict=True)}
        for row, post_id in zip(rows, new_ids, strict=True):
            if row["priority"] == Priority.CRITICAL:
                mailbox.critical_post(service, post_id, by_lists=_critical_by_lists(row["matched"]))
        db.session.commit()
        return [Ingested(post_id, external_id, Priority(priority), external_id in created)
                for external_id in ids for post_id, priority in [created.get(external_id) or stored[external_id]]]
    raise AssertionError("unreachable")


def _higher(before: dict | None, after: dict | None) -> dict | None:
    """Of the model's flags on the words before an edit and after it, the higher (the earlier on a tie)."""
    rank = {None: 2, "risk": 1, "critical": 0}
    return min(before, after, key=lambda flag: rank[flag["level"] if flag else None])


KEPT = {Priority.CRITICAL: "still critical", Priority.RISK: "still a risk item"}


def ingest_edit(service: Service, item: object, *, version: PlatformVersion | None = None) -> Ingested:
    """The platform's edit of a post: its new words matched again, its priority set again, and the item back in
    the queue (an alert goes to the mailbox if the new words are critical), whatever was decided before; the edit
    is in the item's history. An item someone had acted on is back as if it had just arrived, its deadline
    counting from the edit; one nobody has acted on yet keeps its deadline, so editing it again and again never
    puts off its deadline or the alert when it passes. An edit of a post
    the console never had stores it as new; an edit that leaves the words as they were changes nothing.

    An edit older than the words held (`version`, when both are known) arrived late or was sent again: it is stale
    and changes nothing. While an item waits for a moderator's decision, an edit never lowers its priority: words
    taken back may still need a moderator's eyes, so it keeps its level and why until someone decides."""
    fields = _parse(item)
    post = db.session.scalar(sa.select(Post).where(Post.service_id == service.id,
                                                   Post.external_id == fields["external_id"]).with_for_update(of=Post))
    if post is None:
        return ingest(service, [item], version=version)[0]
    held = post.version
    if version is not None and held is not None and version < held:
        db.session.rollback()
        return Ingested(post.id, post.external_id, Priority(post.priority), False, stale=True)
    if version is not None and (held is None or version > held):
        post.platform_version, post.platform_saved_at = version.number, version.saved_at
    if post.body == fields["body"]:
        db.session.commit()  # the newer version, if any: an older edit sent later is then stale
        return Ingested(post.id, post.external_id, Priority(post.priority), False)
    priority, matched, model_flag = _flagged(matcher(terms.phrases_of(service)).find, risk_signals.judge(service),
                                             fields["body"])
    now, reason = utcnow(), ""
    if post.state in OPEN_STATES and post.priority < priority:  # a lower number is more urgent
        reason = f"{KEPT[Priority(post.priority)]}, as the words before the edit were, until a moderator decides"
        matched = [*post.matched, *(m for m in matched if m not in post.matched)]
        model_flag = _higher(post.model_flag, model_flag)
        alert, priority = False, Priority(post.priority)
    else:
        alert = priority == Priority.CRITICAL
    if not (post.state in OPEN_STATES and post.first_action_at is None):  # else still waiting for anyone to act
        post.edited_at = post.received_at = now
        post.first_action_at = None
    words_before = post.body
    post.body, post.matched, post.model_flag, post.priority = fields["body"], matched, model_flag, priority
    post.state, post.parked_until = "open", None
    post.claimed_by_id = post.claim_expires_at = None
    db.session.add(ModerationEvent(post_id=post.id, actor_id=None, action=Action.EDITED.value, reason=reason,
                                   words_before=words_before, created_at=now))
    if alert:
        mailbox.critical_post(service, post.id, by_lists=_critical_by_lists(matched))
    db.session.commit()
    return Ingested(post.id, post.external_id, priority, False, requeued=True)

