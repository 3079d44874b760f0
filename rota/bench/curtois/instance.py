"""The Curtois & Qu benchmark's instance and roster files.

Instance files (schedulingbenchmarks.org; shared/benchmarks/curtois/README) have CRLF line endings,
`#` comments and these sections, one record a line, comma-separated:
SECTION_HORIZON (the number of days, from a Monday); SECTION_SHIFTS (id, minutes, ids that cannot
follow it, `|`-separated); SECTION_STAFF (id, MaxShifts as `D=14|N=0`, MaxTotalMinutes,
MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends);
SECTION_DAYS_OFF (id, then day indexes); SECTION_SHIFT_ON_REQUESTS and SECTION_SHIFT_OFF_REQUESTS
(id, day, shift, weight); SECTION_COVER (day, shift, requirement, weight under, weight over).
A roster is one line per employee, tab-separated: the id, then the shift worked each day or `-`.
"""

from dataclasses import dataclass, field
from pathlib import Path

OFF = "-"


class InstanceError(ValueError):
    """An instance or roster file that does not follow the format; the message names the line."""


@dataclass(frozen=True)
class Employee:
    """One employee's limits."""

    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A wish to work (on) or not work (off) a shift on a day, with the penalty for not granting it."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """How many employees a shift needs on a day, and the penalty per person short or over."""

    day: int
    shift: str
    requirement: int
    under: int
    over: int


@dataclass
class Instance:
    """A whole benchmark instance."""

    name: str
    days: int
    minutes: dict[str, int]  # shift id -> length
    cannot_follow: dict[str, set[str]]  # shift id -> shifts that may not be worked the next day
    employees: dict[str, Employee]
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)

    @property
    def shifts(self) -> list[str]:
        """Shift ids in file order."""
        return list(self.minutes)


Roster = dict[str, list[str]]  # employee id -> shift id (or OFF) per day


def _sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line, [])
        elif current is None:
            raise InstanceError(f"line {number}: data before the first SECTION_ heading")
        else:
            current.append((number, [part.strip() for part in line.split(",")]))
    return sections


def _int(value: str, number: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise InstanceError(f"line {number}: {value!r} is not a whole number") from None


def parse_instance(text: str, name: str = "") -> Instance:
    """An instance from the text of its file."""
    sections = _sections(text)
    try:
        ((number, (days,)),) = sections["SECTION_HORIZON"]
        instance = Instance(name=name, days=_int(days, number), minutes={}, cannot_follow={}, employees={})
        for number, (shift, minutes, *forbidden) in sections["SECTION_SHIFTS"]:
            instance.minutes[shift] = _int(minutes, number)
            instance.cannot_follow[shift] = {s for part in forbidden for s in part.split("|") if s}
        for number, (eid, max_shifts, *limits) in sections["SECTION_STAFF"]:
            pairs = [item.split("=") for item in max_shifts.split("|") if item]
            values = [_int(v, number) for v in limits]
            instance.employees[eid] = Employee(eid, {s: _int(n, number) for s, n in pairs}, *values)
        for number, (eid, *days_off) in sections.get("SECTION_DAYS_OFF", []):
            instance.days_off[eid] = {_int(d, number) for d in days_off if d}
        for key, requests in (("SECTION_SHIFT_ON_REQUESTS", instance.on_requests),
                              ("SECTION_SHIFT_OFF_REQUESTS", instance.off_requests)):
            for number, (eid, day, shift, weight) in sections.get(key, []):
                requests.append(Request(eid, _int(day, number), shift, _int(weight, number)))
        for number, (day, shift, requirement, under, over) in sections["SECTION_COVER"]:
            instance.cover.append(Cover(_int(day, number), shift, _int(requirement, number), _int(under, number),
                                        _int(over, number)))
    except KeyError as missing:
        raise InstanceError(f"{name or 'instance'}: missing {missing.args[0]}") from None
    except (TypeError, ValueError) as error:  # a record with too few or too many fields
        if isinstance(error, InstanceError):
            raise
        raise InstanceError(f"{name or 'instance'}: a record has the wrong number of fields ({error})") from None
    return instance


def load_instance(path: str | Path) -> Instance:
    """Read an instance file."""
    return parse_instance(Path(path).read_text(), Path(path).name)


def format_roster(instance: Instance, roster: Roster) -> str:
    """A roster in the benchmark's tab-separated form."""
    return "".join("\t".join([eid, *roster[eid]]) + "\n" for eid in instance.employees)


def parse_roster(instance: Instance, text: str) -> Roster:
    """A roster from its tab-separated text."""
    roster = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        eid, *days = line.rstrip("\r").split("\t")
        if eid not in instance.employees or len(days) != instance.days:
            raise InstanceError(f"roster line {number}: unknown employee or not {instance.days} days")
        roster[eid] = days
    return roster
