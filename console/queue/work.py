"""Working the queue: claims that are leases, the next item, actions recorded as events, response deadlines.

A claim is a lease (10 minutes by default) won by exactly one moderator: a conditional update that only
succeeds while nobody else holds an unexpired claim, so two moderators racing for one item cannot both
win, on SQLite or PostgreSQL. "Next item" on PostgreSQL picks with FOR UPDATE SKIP LOCKED, so moderators
asking at the same moment are handed different items.

Every action is an append-only moderation event; the item's state is derived from its events
(`state_after`), and kept on the post in the same transaction so the queue can be sorted on it. A hidden post is
shown again only by someone at least as senior as whoever hid it, and by clinical staff if it was critical
(`why_not_shown_again`); a refusal changes nothing and sends the platform nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.permissions import SENIORITY, Role, most_senior, seniority
from console.platform import service as platform
from console.queue.models import OPEN_STATES, Action, ModerationEvent, Post, Priority, QueueSettings
from console.queue.service import post_or_raise, settings_of, urgency, workable_services
from console.words import local_time

LEASE = timedelta(minutes=10)
FINAL = {Action.APPROVED: "approved", Action.HIDDEN: "hidden", Action.REPLY_NOTED: "replied",
         Action.ESCALATED: "escalated"}
MOVES = {Action.NEEDS_REPLY: "needs_reply", Action.PARKED: "parked"}
NEEDS_REASON = {Action.HIDDEN: "Say why the post is hidden.", Action.NOTE: "Write the note.",
                Action.UNHIDDEN: "Say why the post is shown again.",
                Action.PARKED: "Say what the follow-up is for.",
                Action.ESCALATED: "Say why it is escalated: the clinician picks the case up from there."}
# Who may show again a post hidden by someone of each rank (console.permissions.SENIORITY).
SHOWN_AGAIN_BY = {3: "clinical staff", 2: "clinical or non-clinical staff", 1: "any moderator"}


def state_after(events: list[ModerationEvent]) -> str:
    """An item's state from its events, oldest first: open until approved, hidden or replied to; approved when a
    hidden post is shown again; open again after the platform's edit of the post, whatever was decided before."""
    state = "open"
    for event in events:
        action = Action(event.action)
        if action == Action.EDITED:
            state = "open"
        elif action == Action.UNHIDDEN and state == "hidden":
            state = "approved"  # shown again: the post stands, as if approved
        elif state in OPEN_STATES:
            state = FINAL.get(action) or MOVES.get(action) or state
    return state


def deadline(post: Post, settings: QueueSettings | None = None) -> datetime:
    """When the item should have had a moderator's action: its service's deadline for its priority (by default
    critical 15 minutes, risk 1 hour, others 4 hours), from when it was written or last edited."""
    settings = settings or settings_of(post.service)
    return post.waiting_since + timedelta(minutes=settings.response(post.priority))


@dataclass(frozen=True)
class Due:
    """How an item stands against its response deadline."""

    at: datetime
    breached: bool


def due(post: Post, now: datetime, settings: QueueSettings | None = None) -> Due | None:
    """The deadline of an item nobody has acted on yet (None once acted on or closed)."""
    if post.first_action_at is not None or post.state not in OPEN_STATES:
        return None
    at = deadline(post, settings)
    return Due(at, now > at)


def _record(post: Post, moderator, action: Action, reason: str = "", due_at: datetime | None = None) -> None:
    role = most_senior(moderator.roles)
    db.session.add(ModerationEvent(post_id=post.id, actor_id=moderator.id, actor_role=role.value if role else None,
                                   action=action.value, reason=reason, due_at=due_at, created_at=utcnow()))


def claim(moderator, *, post_id: int) -> Post:
    """Take an item for 10 minutes; refused while someone else holds it."""
    post = post_or_raise(moderator, post_id=post_id)
    if post.state not in OPEN_STATES:
        raise UserError(f"This item is already {post.state.replace('_', ' ')}.")
    now = utcnow()
    won = db.session.execute(
        sa.update(Post).where(Post.id == post.id, sa.or_(Post.claimed_by_id.is_(None), Post.claim_expires_at < now,
                                                         Post.claimed_by_id == moderator.id))
        .values(claimed_by_id=moderator.id, claim_expires_at=now + LEASE,
                first_picked_at=sa.func.coalesce(Post.first_picked_at, now))
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.rollback()
        db.session.refresh(post)
        holder = post.claimed_by.name if post.claimed_by else "Another moderator"
        raise UserError(f"{holder} is working on this item (until {local_time(post.claim_expires_at)}).")
    _record(post, moderator, Action.CLAIMED)
    db.session.commit()
    db.session.refresh(post)
    return post


def can_take(moderator, post: Post, now: datetime) -> bool:
    """Whether the moderator could claim an item now, as `claim` lets them: a moderator of its active service, the
    item still open and nobody else holding it."""
    held_by_another = post.claimed_by_id not in (None, moderator.id) and post.claim_expires_at is not None \
        and post.claim_expires_at >= now
    return moderator.can("queue.work") and post.state in OPEN_STATES and not held_by_another \
        and post.service_id in {service.id for service in workable_services(moderator)}


def next_waiting(moderator, *, service_id: int, after: int) -> Post | None:
    """The most urgent open item of a service nobody holds, other than the one just dealt with: where a moderator
    goes next (it is not claimed until they take it)."""
    if service_id not in {s.id for s in workable_services(moderator)}:
        return None
    now = utcnow()
    return db.session.scalar(sa.select(Post).where(
        Post.service_id == service_id, Post.state == "open", Post.id != after,
        sa.or_(Post.claimed_by_id.is_(None), Post.claim_expires_at < now, Post.claimed_by_id == moderator.id))
        .order_by(Post.priority, Post.created_at).limit(1))


def next_item(moderator, *, service_slug: str | None = None) -> Post | None:
    """Claim the most urgent unclaimed item of one of my services' queues (or of all of them): parked items whose
    follow-up is due first, then critical, then risk, then the oldest."""
    services = [s.id for s in workable_services(moderator) if service_slug in (None, s.slug)]
    if not services:
        return None
    now = utcnow()
    free = sa.or_(Post.claimed_by_id.is_(None), Post.claim_expires_at < now)
    back = (sa.select(Post.id, Post.priority).where(Post.service_id.in_(services), Post.state == "parked",
                                                    Post.parked_until <= now, free)
            .order_by(Post.parked_until).limit(5))
    query = (sa.select(Post.id, Post.priority).where(Post.service_id.in_(services), Post.state == "open", free)
             .order_by(Post.priority, Post.created_at).limit(5))
    if db.engine.dialect.name == "postgresql":
        back, query = (q.with_for_update(skip_locked=True, of=Post) for q in (back, query))
    returned = db.session.execute(back).all()
    rows = returned + [row for row in db.session.execute(query).all() if row not in returned]
    for post_id, _priority in sorted(rows, key=lambda row: urgency(row.priority, row in returned)):
        try:
            return claim(moderator, post_id=post_id)
        except UserError:
            continue  # someone else won it a moment ago: try the next
    db.session.rollback()
    return None


def _held(moderator, post_id: int) -> Post:
    post = post_or_raise(moderator, post_id=post_id)
    now = utcnow()
    if post.claimed_by_id not in (None, moderator.id) and post.claim_expires_at and post.claim_expires_at > now:
        raise UserError(f"{post.claimed_by.name} is working on this item; wait for them or for their claim to end.")
    return post


def release(moderator, *, post_id: int) -> None:
    """Give an item back to the queue."""
    post = _held(moderator, post_id)
    post.claimed_by_id = post.claim_expires_at = None
    _record(post, moderator, Action.RELEASED)
    db.session.commit()


def act(moderator, *, post_id: int, action: Action, reason: str = "", due_at: datetime | None = None) -> Post:
    """Approve, hide (with a reason), mark as needing a reply, note the reply, park until a time, or add a note.
    Escalating opens a case as well: escalation_pathways.service.escalate_item does both in one transaction."""
    if action == Action.ESCALATED:
        raise ValueError("an item is escalated through escalation_pathways.service.escalate_item")
    post = checked_action(moderator, post_id=post_id, action=action, reason=reason, due_at=due_at)
    record_action(post, moderator, action, reason, due_at)
    db.session.commit()
    return post


def checked_action(moderator, *, post_id: int, action: Action, reason: str = "",
                   due_at: datetime | None = None) -> Post:
    """The item, if the moderator may take this action on it now; otherwise a UserError saying why. Changes
    nothing."""
    post = _held(moderator, post_id)
    reason = reason.strip()
    if action in NEEDS_REASON and not reason:
        raise UserError(NEEDS_REASON[action])
    if action == Action.PARKED and (due_at is None or due_at <= utcnow()):
        raise UserError("Choose when to follow it up: a time in the future.")
    if action == Action.UNHIDDEN:
        if post.state != "hidden":
            raise UserError("Only a hidden post can be shown again.")
        refusal = why_not_shown_again(moderator, post)
        if refusal:
            raise UserError(refusal)
    elif action not in (Action.NOTE,) and post.state not in OPEN_STATES:
        raise UserError(f"This item is already {post.state.replace('_', ' ')}.")
    return post


def why_not_shown_again(moderator, post: Post) -> str | None:
    """Why the moderator may not show this hidden post again, in words, or None when they may: it takes someone at
    least as senior as whoever hid it (console.permissions.SENIORITY), and clinical staff for a post hidden while
    critical."""
    hidden = db.session.scalar(sa.select(ModerationEvent).where(
        ModerationEvent.post_id == post.id, ModerationEvent.action == Action.HIDDEN.value)
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc()).limit(1))
    if hidden is None or hidden.actor is None:
        return None
    # Only the platform's edit changes a post's priority, and it puts the post back in the queue: a post hidden now
    # has the priority it was hidden at.
    who = "You" if hidden.actor_id == moderator.id else hidden.actor.name
    if post.priority == Priority.CRITICAL and not moderator.can("queue.show_critical_again"):
        return (f"{who} hid this post while it was critical: only clinical staff can show it again. If it should "
                f"be shown, ask a clinician of {post.service.name}.")
    role = Role(hidden.actor_role) if hidden.actor_role else most_senior(hidden.actor.roles)  # older: roles now
    if role is not None and SENIORITY[role] > seniority(moderator.roles):
        label = role.label.lower()
        return (f"{who} hid this post as {'an' if label[0] in 'aeiou' else 'a'} {label}: only "
                f"{SHOWN_AGAIN_BY[SENIORITY[role]]} can show it again. If it should be shown, ask one of them.")
    return None


def record_action(post: Post, moderator, action: Action, reason: str = "", due_at: datetime | None = None) -> None:
    """Record a checked action as an event and move the item on, in the caller's transaction."""
    _record(post, moderator, action, reason.strip(), due_at)
    platform.queue_decision(post, action, reason)
    db.session.flush()
    post.state = state_after(history(post))
    if action != Action.NOTE:
        post.first_action_at = post.first_action_at or utcnow()
        post.parked_until = due_at if action == Action.PARKED else None
        post.claimed_by_id = post.claim_expires_at = None  # done with it: back to the queue or closed


def bulk(moderator, *, post_ids: list[int], action: Action, reason: str = "") -> int:
    """Approve or hide several non-critical items at once; refused whole if any is critical or held by someone
    else."""
    if action not in (Action.APPROVED, Action.HIDDEN):
        raise UserError("Only approve and hide can be done for several items at once.")
    if not post_ids:
        raise UserError("Tick the items first.")
    posts = [_held(moderator, post_id) for post_id in post_ids]
    # Every check before the first change, so a refusal leaves every item as it was.
    if any(p.priority == Priority.CRITICAL for p in posts):
        raise UserError("Critical items are dealt with one at a time: untick them.")
    if any(p.state not in OPEN_STATES for p in posts):
        raise UserError("Some of the ticked items are already closed: reload the queue.")
    if action in NEEDS_REASON and not reason.strip():
        raise UserError(NEEDS_REASON[action])
    for post in posts:
        act(moderator, post_id=post.id, action=action, reason=reason)
    return len(posts)


def history(post: Post) -> list[ModerationEvent]:
    """Everything done to an item, oldest first."""
    return list(db.session.scalars(sa.select(ModerationEvent).where(ModerationEvent.post_id == post.id)
                                   .order_by(ModerationEvent.created_at, ModerationEvent.id)))
