"""Numbers, moments and lists as people read them on a page or in an email: moments in London time, clock times
and periods of a day, lengths of time in days, hours and minutes, counts of things, lists joined with "and". The
templates reach them as filters (console/__init__.py); the engine's file format keeps its own times
(rota.scenario.format_time)."""

from datetime import date, datetime

from markupsafe import Markup

from console.database import LONDON


def local_time(moment: datetime) -> str:
    """A moment as people here read it: 14:35 on Tue 24 Nov."""
    return moment.astimezone(LONDON).strftime("%H:%M on %a %d %b")


def clock(minutes: int) -> str:
    """A time of day given in minutes after midnight, as a clock shows it: "08:00", "17:30", "24:00" (the day's end)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def period(start: int, end: int, day: date | None = None) -> str:
    """Part of a day from start to end (minutes after midnight): "17:00–22:00", or on a day "Mon 07 Dec 17:00–22:00"."""
    hours = f"{clock(start)}–{clock(end)}"
    return f"{day:%a %d %b} {hours}" if day else hours


def duration(minutes: float) -> str:
    """A length of time: "45 min", "3 h", "3 h 30 min", "4 days 2 h" (minutes dropped past a day)."""
    minutes = int(round(abs(minutes)))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def hours(minutes: float) -> str:
    """Working hours added up, however many: "1,234 h", "12 h 30 min" (never turned into days)."""
    whole, rest = divmod(int(round(minutes)), 60)
    return f"{whole:,} h" + (f" {rest} min" if rest else "")


def duration_seconds(seconds: float) -> str:
    """A short length of time, to the second: "45 s", "2 min", "2 min 5 s"."""
    whole = max(1, round(seconds))
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if minutes and rest else f"{minutes} min" if minutes else f"{rest} s"


def days_span(days: int) -> str:
    """A number of days as weeks and days: "4 weeks 2 days", "6 days", "1 week"."""
    weeks, rest = divmod(days, 7)
    parts = ([f"{weeks} week{'s' if weeks != 1 else ''}"] if weeks else []) + \
        ([f"{rest} day{'s' if rest != 1 else ''}"] if rest or not weeks else [])
    return " ".join(parts)


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A number of things, the noun in the plural unless there is one: "no hours", "1 hour", "12 hours", and with
    its plural given, "33 people"."""
    many = plural or f"{noun}s"
    return f"1 {noun}" if number == 1 else f"no {many}" if number == 0 else f"{number:,} {many}"


def listed(items) -> str:
    """Items as a sentence lists them: "name", "name and services", "Latin and Cyrillic", "name, roles and
    services". Items made safe for a page (Markup) stay so: the commas and "and" are joined as Markup."""
    items = list(items)
    if len(items) < 2:
        return items[0] if items else ""
    comma, last = (Markup(", "), Markup(" and ")) if isinstance(items[0], Markup) else (", ", " and ")
    return comma.join(items[:-1]) + last + items[-1]
