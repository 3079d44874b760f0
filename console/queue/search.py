"""Searching a moderator's services' posts, open and closed: words (PostgreSQL's full-text search, elsewhere pieces
of the text), pseudonym and its look-alikes, thread, state, risk and London dates, newest first, a page at a time."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from console import identifiers
from console.database import LONDON
from console.extensions import db
from console.queue.models import Post, Priority
from console.queue.service import workable_services

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

