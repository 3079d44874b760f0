"""Searching a moderator's services' posts, open and closed: words in any form (each database's full-text search,
read the same way on both), pseudonym (any case, its start, its look-alikes), thread, state, risk and London dates,
newest first, a page at a time."""

import re
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
# On SQLite, the FTS5 index of the posts' words (Porter stemmer) that migration 0026 makes and its triggers keep.
POSTS_FTS = sa.table("posts_fts", sa.column("rowid", sa.Integer), sa.column("posts_fts", sa.Text))
# The words PostgreSQL's english configuration leaves out of a search (its english.stop, Snowball's list): left out
# of a search on SQLite too, so "the walk" finds the same posts on both.
STOP_WORDS = frozenset("""
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it
    its itself they them their theirs themselves what which who whom this that these those am is are was were be been
    being have has had having do does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some such no nor not only
    own same so than too very s t can will just don should now""".split())
# What a person types in the words box, as PostgreSQL's websearch_to_tsquery reads it: "a phrase", -left out, or.
QUERY_PARTS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


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


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts5_words(said: str) -> str:
    """A word or phrase typed, as FTS5 is asked for it: the words PostgreSQL leaves out are left out of it, and a
    phrase that held some still finds its other words near each other ("walked by the river": "walked" and "river"
    at most two words apart), as PostgreSQL finds them at that distance. "" when no word is left."""
    parts = re.findall(r"\w+", said)
    kept = [part for part in parts if part.casefold() not in STOP_WORDS]
    if not kept:
        return ""
    if len(kept) == len(parts) or len(kept) == 1:
        return _fts5_string(said if len(kept) == len(parts) else kept[0])
    return f"NEAR({' '.join(_fts5_string(part) for part in kept)}, {len(parts) - len(kept)})"


def _sqlite_words(text: str):
    """The words box on SQLite, read as PostgreSQL's websearch_to_tsquery reads it: every word (in any form, by the
    FTS5 index's Porter stemmer), a phrase in quotes, "or" between two words, "-" to leave a word or phrase out; the
    words PostgreSQL leaves out (STOP_WORDS) left out here too."""
    wanted, left_out, joiner = [], [], " "
    for minus, phrase, word in QUERY_PARTS.findall(text):
        if word and word.casefold() == "or":
            joiner = " OR " if wanted else " "
            continue
        if word.startswith("-") and len(word) > 1:
            minus, word = "-", word[1:]
        asked = _fts5_words(phrase or word)
        if not asked:
            continue  # no word left that PostgreSQL would look for (none at all, or only words it leaves out)
        if minus:
            left_out.append(asked)
        else:
            wanted.append((joiner if wanted else "") + asked)
        joiner = " "
    if not wanted and not left_out:
        return sa.false()  # nothing left to look for, as PostgreSQL finds nothing for an empty query
    conditions = [Post.id.in_(sa.select(POSTS_FTS.c.rowid).where(POSTS_FTS.c.posts_fts.op("MATCH")("".join(wanted))))
                  ] if wanted else []
    conditions += [Post.id.not_in(sa.select(POSTS_FTS.c.rowid).where(POSTS_FTS.c.posts_fts.op("MATCH")(words)))
                   for words in left_out]
    return sa.and_(*conditions)


def _text_condition(text: str):
    """Posts whose words match, each database's full-text search read the same way: every word, in any form
    ("hopeless" finds "hopelessness", "cuts" finds "cutting"); quotes for a phrase, "-" to leave a word out."""
    if db.engine.dialect.name == "postgresql":
        return BODY_WORDS.op("@@")(sa.func.websearch_to_tsquery(sa.literal_column("'english'::regconfig"), text))
    return _sqlite_words(text)


def search(viewer, filters: SearchFilters, page: int = 1) -> SearchResults:
    """Posts of the moderator's services matching every filter, newest first, a page at a time."""
    allowed = {s.id for s in workable_services(viewer)}
    chosen = [i for i in filters.service_ids if i in allowed] or sorted(allowed)
    conditions = [Post.service_id.in_(chosen)]
    if filters.text.strip():
        conditions.append(_text_condition(filters.text.strip()))
    if filters.pseudonym.strip():
        # In any case, by its start, and its look-alikes too: "blue" finds "Bluebird", "Willow" finds "Wіllow" with
        # a Cyrillic і, and "willow".
        key = identifiers.look_alike_key(identifiers.normalised(filters.pseudonym))
        conditions.append(Post.author_key.startswith(key, autoescape=True))
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

