"""Posts from the platform: ingest secrets, signature checks, validation, risk terms, priority and alerts."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from console import crypto, identifiers, words
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.notifications import service as outbox
from console.queue import mailbox
from console.queue.lexicon import DEFAULT_TERMS
from console.queue.matching import matcher
from console.queue.models import OPEN_STATES, QUEUE_DEFAULTS, Action, CannedReason, IngestSecret, ModerationEvent, \
    PlatformVersion, Post, Priority, QueueSettings, RiskTerm
from console.services.models import Service

HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
SECRET_OVERLAP = timedelta(hours=24)  # a rotated-out secret keeps working this long, while the platform switches
MAX_FIELD = {"external_id": 120, "thread_id": 120, "author_pseudonym": 80}
MAX_BODY = 20_000
KINDS = ("post", "reply")
LISTS = ("critical", "risk")


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


def _terms(service: Service) -> tuple[tuple[str, str], ...]:
    rows = db.session.execute(sa.select(RiskTerm.phrase, RiskTerm.list).where(RiskTerm.service_id == service.id)
                              .order_by(RiskTerm.id)).all()
    return tuple((phrase, name) for phrase, name in rows)


def _flagged(find, body: str) -> tuple[Priority, list[dict]]:
    """A post's priority from the service's lists (`find`, a matcher's), and the terms it matched: why it is
    flagged."""
    found = find(body)
    lists = {m.list for m in found}
    priority = Priority.CRITICAL if "critical" in lists else Priority.RISK if lists else Priority.NORMAL
    return priority, [{"term": m.term, "list": m.list} for m in found]


def ingest(service: Service, items: list, *, version: PlatformVersion | None = None) -> list[Ingested]:
    """Store posts, all or none: each checked, matched against the service's terms and prioritised; a critical one
    queues an alert to the service's mailbox in the same transaction. A repeat of a stored external_id changes
    nothing. `version`: which of its versions on the platform a single post is (a Discourse event's)."""
    parsed = [_parse(item, f"items[{i}]." if len(items) > 1 else "") for i, item in enumerate(items)]
    ids = [p["external_id"] for p in parsed]
    if len(set(ids)) != len(ids):
        raise IngestError("external_id", "the same external_id appears twice in one batch")
    find = matcher(_terms(service)).find
    for attempt in range(2):  # a concurrent request may store one of these first: then they are repeats
        stored = {external_id: (post_id, priority) for external_id, post_id, priority in db.session.execute(
            sa.select(Post.external_id, Post.id, Post.priority).where(Post.service_id == service.id,
                                                                      Post.external_id.in_(ids)))}
        rows = []
        for fields in parsed:
            if fields["external_id"] in stored:
                continue
            priority, matched = _flagged(find, fields["body"])
            rows.append({**fields, "service_id": service.id, "priority": priority.value, "state": "open",
                         "received_at": utcnow(), "matched": matched,
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
        critical = [post_id for post_id, priority in created.values() if priority == Priority.CRITICAL]
        for post_id in critical:
            mailbox.critical_post(service, post_id)
        db.session.commit()
        if critical:
            outbox.send_soon()
        return [Ingested(post_id, external_id, Priority(priority), external_id in created)
                for external_id in ids for post_id, priority in [created.get(external_id) or stored[external_id]]]
    raise AssertionError("unreachable")


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
    priority, matched = _flagged(matcher(_terms(service)).find, fields["body"])
    now, reason = utcnow(), ""
    if post.state in OPEN_STATES and post.priority < priority:  # a lower number is more urgent
        reason = f"{KEPT[Priority(post.priority)]}, as the words before the edit were, until a moderator decides"
        matched = [*post.matched, *(m for m in matched if m not in post.matched)]
        alert, priority = False, Priority(post.priority)
    else:
        alert = priority == Priority.CRITICAL
    if not (post.state in OPEN_STATES and post.first_action_at is None):  # else still waiting for anyone to act
        post.edited_at = post.received_at = now
        post.first_action_at = None
    words_before = post.body
    post.body, post.matched, post.priority = fields["body"], matched, priority
    post.state, post.parked_until = "open", None
    post.claimed_by_id = post.claim_expires_at = None
    db.session.add(ModerationEvent(post_id=post.id, actor_id=None, action=Action.EDITED.value, reason=reason,
                                   words_before=words_before, created_at=now))
    if alert:
        mailbox.critical_post(service, post.id)
    db.session.commit()
    if alert:
        outbox.send_soon()
    return Ingested(post.id, post.external_id, priority, False, requeued=True)


# --- Risk terms ------------------------------------------------------------------------------

def terms_of(service: Service) -> dict[str, list[RiskTerm]]:
    """A service's terms by list, alphabetically."""
    rows = db.session.scalars(sa.select(RiskTerm).where(RiskTerm.service_id == service.id)
                              .order_by(RiskTerm.phrase)).all()
    return {name: [r for r in rows if r.list == name] for name in LISTS}


def _add_lines(service: Service, model, kind: tuple[str, str], text_column: str, lines, longest: int) -> int:
    """Put lines of text on one of a service's lists (risk terms, canned reasons: `model`, whose `kind` is (its
    column, the list's value)), spaces tidied, leaving out those it has in any case; returns how many were new.
    The caller commits."""
    column, value = kind
    have = {getattr(row, text_column).casefold() for row in db.session.scalars(
        sa.select(model).where(model.service_id == service.id, getattr(model, column) == value))}
    added = 0
    for line in lines:
        text = " ".join(line.split())
        if not text:
            continue
        if len(text) > longest:
            raise UserError(f'"{text[:40]}..." is longer than {longest} characters.')
        if text.casefold() not in have:
            db.session.add(model(service_id=service.id, **{column: value, text_column: text}))
            have.add(text.casefold())
            added += 1
    return added


def _add_phrases(service: Service, list_name: str, phrases) -> int:
    """Put phrases on one of a service's risk word lists; returns how many were new. The caller commits."""
    return _add_lines(service, RiskTerm, ("list", list_name), "phrase", phrases, 120)


def add_terms(service: Service, *, list_name: str, text: str) -> int:
    """Add terms, one per line, to a list; returns how many were new."""
    if list_name not in LISTS:
        raise UserError("Choose the critical or the risk list.")
    added = _add_phrases(service, list_name, text.splitlines())
    audit.record("risk_terms.added", target=f"service:{service.id}", details={"list": list_name, "added": added})
    db.session.commit()
    return added


def add_default_terms(service: Service) -> int:
    """Put the default lists' phrases (console.queue.lexicon) that a service lacks on its lists, in the caller's
    transaction (a new service starts with them); returns how many were new."""
    added = sum(_add_phrases(service, list_name, phrases) for list_name, phrases in DEFAULT_TERMS.items())
    audit.record("risk_terms.defaults_added", target=f"service:{service.id}", details={"added": added})
    return added


def restore_default_terms(service: Service) -> int:
    """Put back the default phrases a service's lists lack (an administrator's button); returns how many."""
    added = add_default_terms(service)
    db.session.commit()
    return added


def remove_term(service: Service, *, term_id: int) -> RiskTerm:
    """Take a term off its list."""
    term = db.session.get(RiskTerm, term_id)
    if term is None or term.service_id != service.id:
        raise UserError("That term is not on this service's lists.")
    db.session.delete(term)
    audit.record("risk_terms.removed", target=f"service:{service.id}", details={"list": term.list,
                                                                                "phrase": term.phrase})
    db.session.commit()
    return term


# --- Canned reasons --------------------------------------------------------------------------

REASON_KINDS = {"hide": "Hiding a post", "reply": "Replies"}
# Offered to every new list by "Add the suggested reasons": the usual grounds in peer-support community guidelines,
# and the replies moderators most often give.
DEFAULT_REASONS = {
    "hide": ["Shares personal details (a phone number, an address, a full name)",
             "Hostile or abusive to another member", "Describes methods of self-harm or suicide",
             "Spam or advertising", "Not suitable for this service: moved on with a note to the author"],
    "reply": ["Signposted to urgent support: Samaritans 116 123, NHS 111 (option 2 for mental health), or 999",
              "Checked in with the author and offered support", "Reminded the thread of the community guidelines"],
}


def reasons_of(service: Service) -> dict[str, list[CannedReason]]:
    """A service's canned reasons by kind, in the order added."""
    rows = db.session.scalars(sa.select(CannedReason).where(CannedReason.service_id == service.id)
                              .order_by(CannedReason.id)).all()
    return {kind: [r for r in rows if r.kind == kind] for kind in REASON_KINDS}


def _add_reasons(service: Service, kind: str, texts) -> int:
    if kind not in REASON_KINDS:
        raise UserError("Choose what the reason is for: hiding a post or a reply.")
    return _add_lines(service, CannedReason, ("kind", kind), "text", texts, 300)


def add_reasons(service: Service, *, kind: str, text: str) -> int:
    """Add canned reasons of a kind, one per line; returns how many were new."""
    added = _add_reasons(service, kind, text.splitlines())
    audit.record("canned_reasons.added", target=f"service:{service.id}", details={"kind": kind, "added": added})
    db.session.commit()
    return added


def add_suggested_reasons(service: Service) -> int:
    """Add the suggested reasons a service's lists lack, in the caller's transaction; returns how many."""
    return sum(_add_reasons(service, kind, texts) for kind, texts in DEFAULT_REASONS.items())


def restore_suggested_reasons(service: Service) -> int:
    """Add the suggested reasons a service's lists lack (an administrator's button); returns how many."""
    added = add_suggested_reasons(service)
    audit.record("canned_reasons.added", target=f"service:{service.id}", details={"kind": "suggested",
                                                                                 "added": added})
    db.session.commit()
    return added


def remove_reason(service: Service, *, reason_id: int) -> None:
    """Take a canned reason off the service's list."""
    reason = db.session.get(CannedReason, reason_id)
    if reason is None or reason.service_id != service.id:
        raise UserError("That reason is not on this service's list.")
    db.session.delete(reason)
    audit.record("canned_reasons.removed", target=f"service:{service.id}", details={"kind": reason.kind})
    db.session.commit()


# --- Reading the queue -----------------------------------------------------------------------

def workable_services(viewer) -> list[Service]:
    """Active services whose posts this moderator reads: the ones they belong to."""
    return [service for service in viewer.services if service.active]


COUNT_UP_TO = 1000  # a tab says "1000+" past this: counting a huge backlog exactly would slow every page


@dataclass(frozen=True)
class OpenCount:
    """How many items a service's queue holds, and how many of them are critical (each at most COUNT_UP_TO)."""

    total: int = 0
    critical: int = 0


def _count(*conditions) -> int:
    capped = sa.select(sa.literal(1)).where(Post.state.in_(OPEN_STATES), *conditions).limit(COUNT_UP_TO).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))


def open_counts(services: list[Service]) -> dict[int, OpenCount]:
    """Open items per service (by service id), read from the index of open items."""
    return {service.id: OpenCount(_count(Post.service_id == service.id),
                                  _count(Post.service_id == service.id, Post.priority == Priority.CRITICAL))
            for service in services}


def urgency(priority: int, due_back: bool) -> tuple[int, int]:
    """Where an item stands in its queue: critical items first, then parked items whose follow-up is due, then
    risk items, then the rest (each group in its own order: the oldest first)."""
    return (0, 0) if priority == Priority.CRITICAL else (1, 0) if due_back else (1, priority)


def due_back(services: list[Service], *, now: datetime, limit: int = 200) -> list[Post]:
    """Parked items whose follow-up time has come: back at the top of their queue, the longest due first."""
    found = []
    for service in services:
        found += db.session.scalars(sa.select(Post).where(Post.service_id == service.id, Post.state == "parked",
                                                          Post.parked_until <= now)
                                    .order_by(Post.parked_until).limit(limit))
    return sorted(found, key=lambda post: post.parked_until)[:limit]


def waiting_posts(services: list[Service], *, limit: int = 200, now: datetime | None = None) -> list[Post]:
    """Items of these services still to deal with, in `urgency` order: critical, then parked items whose follow-up
    is due, then risk, then the rest, each the oldest first.

    One query a service, each read in order from the index of open items, then merged: a million closed
    items are never read.
    """
    back = due_back(services, now=now or utcnow(), limit=limit)
    found = []
    for service in services:
        found += db.session.scalars(sa.select(Post).where(Post.service_id == service.id, Post.state.in_(OPEN_STATES))
                                    .order_by(Post.priority, Post.created_at).limit(limit))
    returned = {post.id for post in back}
    rest = sorted((post for post in found if post.id not in returned), key=lambda post: (post.priority,
                                                                                         post.created_at))
    return sorted(back + rest, key=lambda post: urgency(post.priority, post.id in returned))[:limit]


def post_or_raise(viewer, *, post_id: int) -> Post:
    """A post of a service the moderator belongs to, or NotFound."""
    post = db.session.get(Post, post_id)
    if post is None or post.service_id not in {s.id for s in workable_services(viewer)}:
        raise NotFound("There is no item at this address in your services' queues.")
    return post


def thread_of(post: Post) -> list[Post]:
    """The post's thread in its service, oldest first."""
    return list(db.session.scalars(sa.select(Post).where(Post.service_id == post.service_id,
                                                         Post.thread_id == post.thread_id)
                                   .order_by(Post.created_at, Post.id)))


@dataclass(frozen=True)
class PosterHistory:
    """What a pseudonym has written elsewhere in the service, and what was decided: so a moderator sees a
    pattern (several hidden posts, an earlier escalation) and not one post at a time."""

    posts: list[Post]  # their other posts, newest first (at most SHOWN_HISTORY)
    total: int  # all their other posts in the service
    by_state: dict[str, int]  # of those, how many in each state ("hidden": 3, ...)
    threads: int  # how many threads they have written in


SHOWN_HISTORY = 20


def poster_history(post: Post) -> PosterHistory:
    """The author's other posts in the same service, across threads."""
    theirs = sa.and_(Post.service_id == post.service_id, Post.author_pseudonym == post.author_pseudonym,
                     Post.id != post.id)
    shown = list(db.session.scalars(sa.select(Post).where(theirs).order_by(Post.created_at.desc(), Post.id.desc())
                                    .limit(SHOWN_HISTORY)))
    counts = dict(db.session.execute(sa.select(Post.state, sa.func.count()).where(theirs).group_by(Post.state)).all())
    threads = db.session.scalar(sa.select(sa.func.count(sa.distinct(Post.thread_id))).where(
        Post.service_id == post.service_id, Post.author_pseudonym == post.author_pseudonym))
    return PosterHistory(shown, sum(counts.values()), counts, threads or 0)


@dataclass(frozen=True)
class LookAlike:
    """Why a pseudonym may pass for another: the service's other pseudonyms that look like it, and the alphabets it
    mixes as a disguise does."""

    others: tuple[str, ...]
    scripts: tuple[str, ...]

    @property
    def warning(self) -> str:
        """What a moderator is told, in words."""
        said = []
        if self.others:
            said.append(f"Looks like {words.listed(self.others)}, another poster in this service.")
        if self.scripts:
            said.append(f"Mixes {words.listed(self.scripts)} letters, as a disguised name can.")
        return " ".join(said)


SHOWN_LOOK_ALIKES = 3


def look_alikes(posts: list[Post]) -> dict[int, LookAlike]:
    """The posts (by id) whose pseudonym looks like another poster's in the same service or mixes alphabets; one
    query for a whole page of posts."""
    keys = {(post.service_id, post.author_key) for post in posts}
    spellings: dict[tuple[int, str], set[str]] = {}
    if keys:
        for service_id, key, pseudonym in db.session.execute(
                sa.select(Post.service_id, Post.author_key, Post.author_pseudonym).distinct()
                .where(sa.tuple_(Post.service_id, Post.author_key).in_(sorted(keys)))):
            spellings.setdefault((service_id, key), set()).add(pseudonym)
    found = {}
    for post in posts:
        others = sorted(spellings.get((post.service_id, post.author_key), set()) - {post.author_pseudonym})
        look_alike = LookAlike(tuple(others[:SHOWN_LOOK_ALIKES]), tuple(identifiers.mixed_scripts(post.author_pseudonym)))
        if look_alike.others or look_alike.scripts:
            found[post.id] = look_alike
    return found


# --- Search ----------------------------------------------------------------------------------

SEARCH_PAGE = 50
SEARCH_PAGES = 200  # deeper than this, narrow the search
SEARCH_STATES = {"open": ("open", "needs_reply"), "parked": ("parked",), "hidden": ("hidden",),
                 "escalated": ("escalated",), "approved": ("approved",), "replied": ("replied",)}
SEARCH_LEVELS = {"critical": Priority.CRITICAL, "risk": Priority.RISK, "normal": Priority.NORMAL}
# The words of a post as PostgreSQL's full-text search reads them: the same expression as the GIN index
# ix_posts_body_search (migration 0019), the language a literal, so the planner can use the index.
BODY_WORDS = sa.func.to_tsvector(sa.literal_column("'english'::regconfig"), Post.body)


@dataclass(frozen=True)
class SearchFilters:
    """What a moderator looks for; empty fields do not filter."""

    text: str = ""
    pseudonym: str = ""
    thread: str = ""
    states: tuple[str, ...] = ()  # keys of SEARCH_STATES
    levels: tuple[str, ...] = ()  # keys of SEARCH_LEVELS
    since: date | None = None  # London days, both included
    until: date | None = None
    service_ids: tuple[int, ...] = ()  # among the moderator's services; none: all of them


@dataclass(frozen=True)
class SearchResults:
    """A page of results: its posts, its number, and whether more posts match than this page and those before."""

    posts: list[Post]
    page: int
    more: bool

    @property
    def first(self) -> int:
        """The number of the page's first post among all that match."""
        return (self.page - 1) * SEARCH_PAGE + 1

    @property
    def next_page(self) -> int | None:
        """The next page's number, when there is one to show (no further than SEARCH_PAGES)."""
        return self.page + 1 if self.more and self.page < SEARCH_PAGES else None


def _text_condition(text: str):
    """Posts whose words match: PostgreSQL's full-text search (every word, in any form: "hopeless" finds
    "hopelessness"; quotes for a phrase, "-" to leave a word out); elsewhere every word as a piece of the text."""
    if db.engine.dialect.name == "postgresql":
        return BODY_WORDS.op("@@")(sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text))
    conditions = []
    for word in text.split():
        left_out = word.startswith("-") and len(word) > 1
        word = word.lstrip("-") if left_out else word
        word = word.strip('"').replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if word:
            found = Post.body.ilike(f"%{word}%", escape="\\")
            conditions.append(~found if left_out else found)
    return sa.and_(sa.true(), *conditions)


def search(viewer, filters: SearchFilters, page: int = 1) -> SearchResults:
    """Posts of the moderator's services matching every filter, newest first, a page at a time."""
    allowed = {s.id for s in workable_services(viewer)}
    chosen = [i for i in filters.service_ids if i in allowed] or sorted(allowed)
    conditions = [Post.service_id.in_(chosen)]
    if filters.text.strip():
        conditions.append(_text_condition(filters.text.strip()))
    if filters.pseudonym.strip():
        # Its look-alikes too: "Willow" finds "Wіllow" with a Cyrillic і, and "willow".
        conditions.append(Post.author_key == identifiers.look_alike_key(identifiers.normalised(filters.pseudonym)))
    if filters.thread.strip():
        conditions.append(Post.thread_id == identifiers.normalised(filters.thread))
    if filters.states:
        conditions.append(Post.state.in_([state for key in filters.states for state in SEARCH_STATES[key]]))
    if filters.levels:
        conditions.append(Post.priority.in_([SEARCH_LEVELS[key].value for key in filters.levels]))
    if filters.since:
        conditions.append(Post.created_at >= datetime.combine(filters.since, time(), LONDON).astimezone(UTC))
    if filters.until:
        conditions.append(Post.created_at < datetime.combine(filters.until + timedelta(days=1), time(), LONDON)
                          .astimezone(UTC))
    page = max(1, min(page, SEARCH_PAGES))
    rows = list(db.session.scalars(sa.select(Post).where(*conditions)
                                   .order_by(Post.created_at.desc(), Post.id.desc())
                                   .offset((page - 1) * SEARCH_PAGE).limit(SEARCH_PAGE + 1)))
    return SearchResults(rows[:SEARCH_PAGE], page, more=len(rows) > SEARCH_PAGE)


UNANSWERED_WITHIN = timedelta(days=7)  # older posts have left the widget (they stay in search and reports)


def settings_of(service: Service) -> QueueSettings:
    """A service's deadlines and unanswered threshold (the defaults until an administrator sets them)."""
    return db.session.get(QueueSettings, service.id) or QueueSettings(service_id=service.id, **QUEUE_DEFAULTS)


def save_settings(service: Service, **minutes: int) -> None:
    """Keep a service's deadlines, unanswered threshold and alert delays (minutes, each at least 1)."""
    if any(value < 1 for value in minutes.values()):
        raise UserError("Every time must be at least one minute.")
    if not minutes["critical_minutes"] <= minutes["risk_minutes"] <= minutes["normal_minutes"]:
        raise UserError("A critical item's deadline comes first, then a risk item's, then the others'.")
    if not minutes["alert_mailbox_minutes"] < minutes["alert_managers_minutes"]:
        raise UserError("An alert goes to the service's mailbox before it goes to the team managers.")
    row = db.session.get(QueueSettings, service.id) or QueueSettings(service_id=service.id)
    for name, value in minutes.items():
        setattr(row, name, value)
    db.session.add(row)
    audit.record("queue.settings_saved", target=f"service:{service.id}", details=minutes)
    db.session.commit()


def unanswered(services: list[Service], *, now: datetime, limit: int = 20) -> list[Post]:
    """Posts (not replies) of the last week with no reply in their thread after the service's threshold (two hours
    unless set), oldest first."""
    if len(services) != 1:
        return [post for service in services for post in unanswered([service], now=now, limit=limit)][:limit]
    after = timedelta(minutes=settings_of(services[0]).unanswered_minutes)
    reply = aliased(Post)
    later_reply = sa.select(reply.id).where(reply.service_id == Post.service_id, reply.thread_id == Post.thread_id,
                                            reply.kind == "reply", reply.created_at > Post.created_at).exists()
    return list(db.session.scalars(
        sa.select(Post).where(Post.service_id.in_([s.id for s in services]), Post.kind == "post",
                              Post.created_at.between(now - UNANSWERED_WITHIN, now - after),
                              Post.state != "hidden", ~later_reply)
        .order_by(Post.created_at).limit(limit)))
