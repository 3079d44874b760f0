"""What the queue's pages show, built here so templates only print it: a moderator's queue (and its live
updates), one item, a page of search results, the checks page, and a service's queue settings."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from wtforms.fields.choices import SelectChoice

from console import words
from console.queue import checks, reasons, risk_model, risk_signals, search, shifts, terms, work
from console.queue import service as queue
from console.queue.forms import ACTIONS, CRITICAL_ORDER, USUAL_ORDER, QueueSettingsForm, ReasonsForm, \
    RiskSensitivityForm, TermsForm
from console.queue.models import (OPEN_STATES, Action, CannedReason, ModerationEvent, ModeratorSession, Post, Priority,
                                  RiskMark, RiskTerm)
from console.services.models import Service

# --- The queue -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    """How urgent an item is, as its tag shows it: "Critical" (red), "Risk" (amber) or "Normal" (no tag)."""

    label: str
    tag: str  # the tag's style; "" for no tag


LEVELS = {Priority.CRITICAL: Level("Critical", "tag--high"), Priority.RISK: Level("Risk", "tag--warning"),
          Priority.NORMAL: Level("Normal", "")}


@dataclass(frozen=True)
class Deadline:
    """An item's response deadline as its badge shows it; queue-countdown.js counts it down in the browser."""

    at: datetime
    breached: bool
    words: str  # "due in 12 min", "overdue by 1 h 5 min"


def deadline(due: work.Due | None, now: datetime) -> Deadline | None:
    """The badge of an item's deadline (None once someone has acted on it or it is closed)."""
    if due is None:
        return None
    seconds = (due.at - now).total_seconds()
    said = f"overdue by {words.duration(-seconds // 60)}" if due.breached else f"due in {words.duration(seconds // 60)}"
    return Deadline(due.at, due.breached, said)


def _state(state: str) -> str:
    return state.replace("_", " ")


def _held_by(post: Post, now: datetime) -> str:
    """Who holds the item now ("" when nobody does)."""
    held = post.claimed_by and post.claim_expires_at and post.claim_expires_at > now
    return post.claimed_by.name if held else ""


@dataclass(frozen=True)
class Tab:
    """A service's tab above the queue: its name and how many items wait ("1000+" past COUNT_UP_TO)."""

    service: Service
    total: str
    critical: str  # "" when none is critical
    current: bool


def _up_to(count: int) -> str:
    return f"{count}+" if count >= queue.COUNT_UP_TO else str(count)


@dataclass(frozen=True)
class Row:
    """One item in the queue's table."""

    post: Post
    level: Level
    tickable: bool  # may be approved or hidden with others (not critical)
    deadline: Deadline | None
    look_alike: queue.LookAlike | None
    state: str  # "needs reply"
    held_by: str  # who holds it now; "" when nobody does
    follow_up_due: bool  # parked, and its follow-up time has come


@dataclass(frozen=True)
class CriticalElsewhere:
    """Another of the moderator's services with critical items waiting, as the banner above the tabs says it."""

    service: Service
    words: str  # "1 critical item is waiting in Eating disorders"


def _critical_elsewhere(service: Service, count: int) -> CriticalElsewhere:
    items = f"{_up_to(count)} critical items are" if count > 1 else "1 critical item is"
    return CriticalElsewhere(service, f"{items} waiting in {service.name}")


@dataclass(frozen=True)
class QueueView:
    """A moderator's queue as the page and its live updates show it: a tab for each of their services (signed on
    for some of them or not), a banner for each other service with critical items waiting, the chosen service's
    items most urgent first, and a version that changes whenever any of them does (not with the clock: the
    deadlines count down in the browser)."""

    session: ModeratorSession | None
    services: list[Service]  # every service whose queue the moderator may open
    signed_on: list[Service]  # those the moderator's session covers (none when not signed on)
    tabs: list[Tab]
    critical_elsewhere: list[CriticalElsewhere]
    chosen: Service | None
    rows: list[Row]
    version: str


def queue_view(viewer, slug: str | None, *, now: datetime) -> QueueView:
    """The queue of one of the moderator's services: the one asked for (by slug), else the most urgent (critical
    items first, then the services signed on for, then the busiest). Signing on for some services never hides the
    others: their tabs stay, and a critical item waiting in one of them is said in a banner."""
    session = shifts.current(viewer)
    mine = queue.workable_services(viewer)
    signed_on = shifts.services_of(session, viewer) if session else []
    counts = queue.open_counts(mine)
    # One queue per service, so users of different services never mix.
    chosen = next((s for s in mine if s.slug == slug), None) or min(
        mine, key=lambda s: (-counts[s.id].critical, s not in signed_on, -counts[s.id].total, s.name), default=None)
    posts = queue.waiting_posts([chosen]) if chosen else []
    settings = queue.settings_of(chosen) if chosen else None
    state = [(s.id, counts[s.id].total, counts[s.id].critical) for s in mine] + [
        (p.id, p.state, p.priority, p.claimed_by_id, str(p.claim_expires_at), str(p.parked_until)) for p in posts]
    version = hashlib.sha256(repr((chosen.id if chosen else None, state)).encode()).hexdigest()[:32]
    look_alikes = queue.look_alikes(posts)
    tabs = [Tab(s, _up_to(counts[s.id].total), _up_to(counts[s.id].critical) if counts[s.id].critical else "",
                s == chosen) for s in mine]
    rows = [Row(p, LEVELS[Priority(p.priority)], p.priority != Priority.CRITICAL,
                deadline(work.due(p, now, settings), now), look_alikes.get(p.id), _state(p.state), _held_by(p, now),
                bool(p.parked_until and p.parked_until <= now)) for p in posts]
    elsewhere = [_critical_elsewhere(s, counts[s.id].critical) for s in mine if s != chosen and counts[s.id].critical]
    return QueueView(session, mine, signed_on, tabs, elsewhere, chosen, rows, version)


@dataclass(frozen=True)
class QueuePage:
    """The queue page: the queue, whether the moderator is signed on (and for which services) or rostered now, and
    the chosen service's unanswered posts."""

    view: QueueView
    signed_on_for: str  # the services of the moderator's session, by name
    rostered: bool  # the published rota has them on duty now (so signing on needs no reason)
    unanswered: list[Post]


def queue_page(viewer, slug: str | None, *, now: datetime) -> QueuePage:
    """The queue page of one of the moderator's services (see queue_view)."""
    view = queue_view(viewer, slug, now=now)
    return QueuePage(view, words.listed(s.name for s in view.signed_on), bool(shifts.rostered_now(viewer, now)),
                     queue.unanswered([view.chosen], now=now) if view.chosen else [])


# --- An item ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Button:
    """One of an item's action buttons: the action, its label and its style."""

    value: str
    label: str
    style: str  # "button--warning", "button--secondary" or "" (the first, usual action)


def buttons(post: Post, *, may_show_again: bool) -> list[Button]:
    """The item's action buttons: protective actions first, and marked, on a critical item; a hidden post can only
    be shown again (by someone as senior as who hid it) or noted."""
    labels = {choice.value: choice.label for choice in ACTIONS}
    if post.state == "hidden":
        values = (["unhidden"] if may_show_again else []) + ["note"]
    else:
        values = CRITICAL_ORDER if post.priority == Priority.CRITICAL else USUAL_ORDER
    critical = post.priority == Priority.CRITICAL
    return [Button(value, labels[value], "button--warning" if critical and value in ("hidden", "escalated") else
                   "button--secondary" if index else "") for index, value in enumerate(values)]


@dataclass(frozen=True)
class PostLine:
    """A post in a list (the author's other posts, search results), with what was decided on it."""

    post: Post
    state: str
    level: Level
    thread: str  # the thread, named by its first post's opening words
    when: str = ""  # beside another post: "2 h before this one", "1 day after this one"


@dataclass(frozen=True)
class HistoryLine:
    """Something done to an item, in words: who did what (or the author's edit on the platform)."""

    event: ModerationEvent
    what: str


def _line(post: Post, openings: dict[tuple[int, str], str], beside: Post | None = None) -> PostLine:
    when = ""
    if beside is not None:
        apart = (post.created_at - beside.created_at).total_seconds() / 60
        when = "at the same time as this one" if abs(apart) < 1 else \
            f"{words.duration(apart)} {'after' if apart > 0 else 'before'} this one"
    return PostLine(post, _state(post.state), LEVELS[Priority(post.priority)],
                    openings.get((post.service_id, post.thread_id), ""), when)


# What a moderator did, as the item's history says it ("Chloe Davies hid the post").
DONE = {Action.CLAIMED: "took the item", Action.RELEASED: "gave the item back", Action.APPROVED: "approved the post",
        Action.HIDDEN: "hid the post", Action.NEEDS_REPLY: "marked it as needing a reply",
        Action.REPLY_NOTED: "replied", Action.PARKED: "parked it", Action.ESCALATED: "escalated it",
        Action.NOTE: "added a note", Action.UNHIDDEN: "showed the post again"}


def _history(events: list[ModerationEvent]) -> list[HistoryLine]:
    return [HistoryLine(event, f"{event.actor.name} {DONE[Action(event.action)]}" if event.actor else
                        "the author edited the post on the platform: matched again and back in the queue")
            for event in events]


@dataclass(frozen=True)
class TakenBack:
    """An open item that keeps the level of words its author has since edited away: when they edited it, and what
    they had written, which is what was flagged."""

    edited_at: datetime
    words: str


def taken_back(post: Post, events: list[ModerationEvent]) -> TakenBack | None:
    """The words an item was flagged for, when its author has edited them away since anyone last decided on it and
    the item kept its level (a moderator still has to read what was taken back)."""
    if post.state not in OPEN_STATES:
        return None
    since = [event for event in events if event.actor_id is None or Action(event.action) not in
             (Action.CLAIMED, Action.RELEASED, Action.NOTE)]
    decided = max((i for i, event in enumerate(since) if event.actor_id is not None), default=-1)
    kept = [event for event in since[decided + 1:] if Action(event.action) == Action.EDITED and event.reason
            and event.words_before is not None]
    return TakenBack(kept[0].created_at, kept[0].words_before) if kept else None


def _poster_summary(poster: queue.PosterHistory) -> str:
    """The author's other posts in a sentence: "5 other posts in 2 threads: 3 hidden, 2 open; the 4 written last
    below, newest first"."""
    said = f"{words.counted(poster.total, 'other post')} in {words.counted(poster.threads, 'thread')}"
    if poster.by_state:
        said += ": " + ", ".join(f"{count} {_state(state)}" for state, count in sorted(poster.by_state.items()))
    if poster.total > len(poster.posts):
        return said + f"; the {len(poster.posts)} written last below, newest first"
    return said + ("; newest first" if poster.total > 1 else "")


REASON_HINT = ("Needed to hide, show again, escalate, park and for a note. A hidden post's reason goes to the "
               "platform; the rest are seen by moderators only.")
CANNED_HINT = " Start typing or press the down arrow for the service's canned reasons."


@dataclass(frozen=True)
class ItemPage:
    """One item as a moderator sees it: the post, why it is flagged, its deadline, who holds it, what they may do
    with it, its thread, its author's other posts and open cases, and everything done to it."""

    post: Post
    level: Level
    state: str
    deadline: Deadline | None
    look_alike: queue.LookAlike | None
    case: object | None  # the escalation case opened from it
    claim: str  # "mine" (until claim_expires_at), "held" (by held_by), "free" (may be taken), "" (closed)
    held_by: str
    reasons: dict[str, list[CannedReason]]
    reason_hint: str
    buttons: list[Button]
    not_shown_again: str | None  # why the moderator may not show a hidden post again
    after: int | None  # the item dealt with just before, to go back to
    thread: list[Post]
    poster: queue.PosterHistory
    poster_summary: str  # "5 other posts in 2 threads: 3 hidden, 2 open; the 4 written last below, newest first"
    poster_posts: list[PostLine]
    poster_cases: list  # the author's open escalation cases in the service
    poster_cases_counted: str  # "2 open escalation cases"
    history: list[HistoryLine]
    taken_back: TakenBack | None  # the flagged words its author has edited away since the last decision
    model_reason: str  # what the risk model rated it and the words that weighed most; "" when it did not raise it
    marks: list[str]  # moderators' marks: "Chloe Davies: the flag was wrong: an ordinary post (18:04 on Sat 05 Dec)"
    mark_choices: list[risk_signals.MarkChoice]


def item_page(viewer, post: Post, *, case, poster_cases: list, after: int | None, now: datetime) -> ItemPage:
    """An item's page for a moderator; `case` and `poster_cases` come from escalation_pathways (the item's case, its
    author's open cases), `after` is the item dealt with just before."""
    not_shown_again = work.why_not_shown_again(viewer, post) if post.state == "hidden" else None
    held_by = _held_by(post, now)
    claim = "mine" if held_by and post.claimed_by_id == viewer.id else "held" if held_by else \
        "free" if post.state in OPEN_STATES else ""
    item_reasons = reasons.reasons_of(post.service)
    poster = queue.poster_history(post)
    openings = queue.thread_openings(poster.posts)
    events, marks = work.history(post), risk_signals.marks_of(post)
    return ItemPage(
        post=post, level=LEVELS[Priority(post.priority)], state=_state(post.state),
        deadline=deadline(work.due(post, now), now), look_alike=queue.look_alikes([post]).get(post.id), case=case,
        claim=claim, held_by=held_by, reasons=item_reasons,
        reason_hint=REASON_HINT + (CANNED_HINT if item_reasons["hide"] or item_reasons["reply"] else ""),
        buttons=buttons(post, may_show_again=not_shown_again is None), not_shown_again=not_shown_again,
        after=after, thread=queue.thread_of(post), poster=poster, poster_summary=_poster_summary(poster),
        poster_posts=[_line(other, openings, beside=post) for other in poster.posts],
        poster_cases=poster_cases, poster_cases_counted=words.counted(len(poster_cases), "open escalation case"),
        history=_history(events), taken_back=taken_back(post, events), model_reason=risk_signals.model_reason(post),
        marks=[f"{m.marked_by.name}: {risk_signals.VERDICTS[m.verdict]} ({words.local_time(m.marked_at)})"
               for m in marks],
        mark_choices=risk_signals.mark_choices(post, next((m.verdict for m in marks if m.marked_by_id == viewer.id),
                                                          None)))


# --- Search ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchPage:
    """A page of search results: which posts they are, each with what was decided on it, and the pages either
    side."""

    heading: str  # "Posts 51 to 100 of more, newest first", "No post matches"
    first: int  # the number of the page's first post among all that match
    lines: list[PostLine]
    newer_page: int | None
    older_page: int | None


def search_page(results: search.SearchResults) -> SearchPage:
    """What a page of search results shows."""
    last = results.first + len(results.posts) - 1
    heading = "No post matches" if not results.posts else \
        "1 post" if results.first == last == 1 and not results.more else \
        f"Posts {results.first} to {last}{' of more' if results.more else ''}, newest first"
    openings = queue.thread_openings(results.posts)
    return SearchPage(heading, results.first, [_line(post, openings) for post in results.posts],
                      results.page - 1 if results.page > 1 else None, results.next_page)


# --- Checks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChecksLine:
    """One service's checks against its standard, in words."""

    service: Service
    standard: str  # "4 checks a day, 08:00–22:00, at most 4 h apart"
    today: str  # "1 check of 4 (08:30)"
    short_today: bool
    gap_done: str  # "12 h so far"
    gap_over: str  # "over the 4 h allowed", or ""
    planned: str  # "4 checks planned, at most 3 h 30 min apart", "none in the published rota for today"
    days_met: str  # "standard met on 1 of 28 days"
    may_record: bool


@dataclass(frozen=True)
class ChecksPage:
    """The checks page: a line a service, how many whole days the last column counts, and whether the viewer only
    reads it (a manager who moderates none of the services)."""

    lines: list[ChecksLine]
    days_heading: str  # "Last 28 days"
    read_only: bool


def _checks_line(row: checks.ServiceChecks) -> ChecksLine:
    times = f" ({', '.join(row.today_times)})" if row.today_times else ""
    planned = f"{words.counted(row.planned, 'check')} planned, at most {words.duration(row.longest_gap_planned)} " \
        "apart" if row.longest_gap_planned is not None else "none in the published rota for today"
    return ChecksLine(
        service=row.service,
        standard=f"{words.counted(row.per_day, 'check')} a day, {words.period(*row.window)}, at most "
                 f"{words.duration(row.max_gap)} apart",
        today=f"{row.today} of {words.counted(row.per_day, 'check')}{times}", short_today=row.short_today,
        gap_done=f"{words.duration(row.longest_gap_done)} so far" if row.longest_gap_done is not None else
                 f"none yet: the window opens at {words.clock(row.window[0])}",
        gap_over=f"over the {words.duration(row.max_gap)} allowed"
                 if row.longest_gap_done is not None and row.longest_gap_done > row.max_gap else "",
        planned=planned, days_met=f"standard met on {row.days_met} of {words.counted(row.days, 'day')}",
        may_record=row.may_record)


def checks_page(viewer, *, now: datetime) -> ChecksPage:
    """The checks of every service the viewer moderates or manages, with a checks standard."""
    lines = [_checks_line(row) for row in checks.report(viewer, now=now)]
    return ChecksPage(lines, f"Last {checks.DAYS} days", not any(line.may_record for line in lines))


# --- A service's settings --------------------------------------------------------------------

SETTINGS_PARTS = "queue.settings_parts"  # where the app keeps other areas' parts of the settings page


def add_settings_part(app: Flask, name: str, template: str, values: Callable[..., object]) -> None:
    """Show another area's part on every service's queue settings page, after the queue's own (the platform's: its
    ingest secret and where decisions go). `values(service, **given)` is what `template` shows as `part.values`;
    `given` is what that area's own routes pass (a form sent back with mistakes, a secret to show once). The area
    registers its part, so the queue imports nothing of it."""
    app.extensions.setdefault(SETTINGS_PARTS, {})[name] = (template, values)


@dataclass(frozen=True)
class SettingsPart:
    """Another area's part of the settings page: its template and what it shows."""

    template: str
    values: object


@dataclass(frozen=True)
class SettingsPage:
    """A service's queue settings: its risk word lists, canned reasons and times, each with its form, then the parts
    other areas keep."""

    service: Service
    terms: dict[str, list[RiskTerm]]
    terms_form: TermsForm
    reasons: dict[str, list[CannedReason]]
    reason_kinds: dict[str, str]
    reasons_form: ReasonsForm
    times_form: QueueSettingsForm
    parts: list[SettingsPart]
    risk_model: "RiskModelPart"


@dataclass(frozen=True)
class RiskModelPart:
    """The risk model on a service's settings: what it catches and misses at the service's sensitivity, the choice
    of sensitivity, the moderators' recent marks and the latest retraining runs."""

    measured: str  # its figures on the held-out set at the service's sensitivity, in words
    trained: str  # what it learnt from, and when a retrained model replaced the shipped one
    form: RiskSensitivityForm
    marks: list[RiskMark]
    verdicts: dict[str, str]
    runs: list


def sensitivity_form(service: Service) -> RiskSensitivityForm:
    """The sensitivity choice (the service's, or what was sent), each option with what it caught on the held-out
    set."""
    form = RiskSensitivityForm(data={"sensitivity": risk_signals.sensitivity_of(service)})
    held_out = risk_signals.model().figures.get("held_out", {})
    form.sensitivity.choices = [SelectChoice(name, f"{label}. {risk_signals.in_brief(held_out.get(name))}")
                                for name, label in risk_model.SENSITIVITY_LABELS.items()]
    return form


def _risk_model_part(service: Service, form: RiskSensitivityForm | None) -> RiskModelPart:
    model = risk_signals.model()
    since = risk_signals.in_use_since()
    trained = (f"Learnt from {model.trained_on.get('corpus_posts', 0):,} posts written for the purpose"
               + (f" and {model.trained_on.get('service_posts', 0):,} of the trust's own decided posts, retrained "
                  f"{words.local_time(since)}" if since else ", as shipped with the console") + ".")
    return RiskModelPart(
        risk_signals.measured(model.figures.get("held_out", {}).get(risk_signals.sensitivity_of(service))),
        trained, form or sensitivity_form(service), risk_signals.recent_marks(service), risk_signals.VERDICTS,
        risk_signals.runs())


def settings_page(service: Service, *, terms_form: TermsForm | None = None, reasons_form: ReasonsForm | None = None,
                  times_form: QueueSettingsForm | None = None, sensitivity_form: RiskSensitivityForm | None = None,
                  **given: dict) -> SettingsPage:
    """A service's settings page, with any form sent back with mistakes; `given` holds what each other area's part
    is given, by the part's name (`platform={"secret": ...}`)."""
    parts = current_app.extensions.get(SETTINGS_PARTS, {})
    return SettingsPage(
        service=service, terms=terms.terms_of(service), terms_form=terms_form or TermsForm(),
        reasons=reasons.reasons_of(service), reason_kinds=reasons.REASON_KINDS,
        reasons_form=reasons_form or ReasonsForm(),
        times_form=times_form or QueueSettingsForm(obj=queue.settings_of(service)),
        parts=[SettingsPart(template, values(service, **given.get(name, {})))
               for name, (template, values) in parts.items()],
        risk_model=_risk_model_part(service, sensitivity_form))
