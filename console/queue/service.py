"""Reading the queue: the services a moderator works, how many items each holds, what is waiting and in which
order, one item with its thread and its author's other posts (and names that look like another poster's), unanswered
posts, and each service's deadlines and alert delays."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import aliased

from console import identifiers, words
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.queue.models import OPEN_STATES, QUEUE_DEFAULTS, Post, Priority, QueueSettings
from console.services.models import Service


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


OPENING_WORDS = 60  # characters of a thread's first post that name the thread on a page


def opening_words(body: str) -> str:
    """The start of a post, to name its thread by: up to OPENING_WORDS characters, cut at a word, with "…" when
    there is more."""
    said = " ".join(body.split())
    if len(said) <= OPENING_WORDS:
        return said
    cut = said[:OPENING_WORDS + 1].rsplit(" ", 1)[0] if " " in said[:OPENING_WORDS + 1] else said[:OPENING_WORDS]
    return cut.rstrip(",;:.") + "…"


def thread_openings(posts: list[Post]) -> dict[tuple[int, str], str]:
    """Each of these posts' threads, by (service id, thread id), named by the opening words of its first post (the
    platform's thread ids, "t-walk-4", mean nothing to a moderator); one query for a page of posts."""
    keys = sorted({(post.service_id, post.thread_id) for post in posts if post.thread_id is not None})
    if not keys:
        return {}
    first = sa.select(Post.service_id, Post.thread_id, sa.func.min(Post.created_at).label("at")).where(
        sa.tuple_(Post.service_id, Post.thread_id).in_(keys)).group_by(Post.service_id, Post.thread_id).subquery()
    rows = db.session.execute(sa.select(Post.service_id, Post.thread_id, Post.body).join(first, sa.and_(
        Post.service_id == first.c.service_id, Post.thread_id == first.c.thread_id, Post.created_at == first.c.at))
        .order_by(Post.id.desc()))
    return {(service_id, thread_id): opening_words(body) for service_id, thread_id, body in rows}


@dataclass(frozen=True)
class PosterHistory:
    """What a pseudonym has written elsewhere in the service, and what was decided: so a moderator sees a
    pattern (several hidden posts, an earlier escalation) and not one post at a time."""

    posts: list[Post]  # their other posts, newest written first (at most SHOWN_HISTORY)
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
    threads = db.session.scalar(sa.select(sa.func.count(sa.distinct(Post.thread_id))).where(theirs))
    return PosterHistory(shown, sum(counts.values()), counts, threads or 0)


@dataclass(frozen=True)
class LookAlike:
    """Why a pseudonym may pass for another: the service's other pseudonyms that look like it, and the alphabets it
    mixes as a disguise does."""

    name: str
    others: tuple[str, ...]
    scripts: tuple[str, ...]

    @property
    def warning(self) -> Markup:
        """What a moderator is told, in words, each name with its letters of another alphabet marked."""
        said = []
        if self.others:
            names = words.listed(identifiers.marked(other) for other in self.others)
            said.append(Markup("Looks like {}, another poster in this service.").format(names))
        if self.scripts:
            foreign = sorted(set(identifiers.foreign_letters(self.name).values()))
            said.append(Markup("{} mixes {} letters, as a disguised name can: the marked letters are {}.").format(
                identifiers.marked(self.name), words.listed(self.scripts), words.listed(foreign)))
        return Markup(" ").join(said)


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
        look_alike = LookAlike(post.author_pseudonym, tuple(others[:SHOWN_LOOK_ALIKES]),
                               tuple(identifiers.mixed_scripts(post.author_pseudonym)))
        if look_alike.others or look_alike.scripts:
            found[post.id] = look_alike
    return found


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
