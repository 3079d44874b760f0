"""Reading and writing the `modrota/1` scenario format and `modrota-solution/1` solutions.

The format is defined in shared/benchmarks/moderation/FORMAT.md. In short: a scenario is
{"format": "modrota/1", "name", "timezone", "start" (a Monday), "days" (a multiple of 7),
"rules": {presence_shift_hours: [min, max], granularity_minutes, supervised_roles,
supervisor_roles}, "services": [...], "staff": [...]}; times are local "HH:MM" and "24:00" is
the midnight ending the day (preferences may run past it, e.g. "26:00"). A solution is
{"format": "modrota-solution/1", "assignments": [{"staff", "service", "kind", "start", "end"}]}
with local ISO times "YYYY-MM-DDTHH:MM"; an end at midnight is written as the next day's T00:00.

Two optional staff fields go beyond FORMAT.md, for what the console records: "unavailable", a
list of one-off times off ({"date": "2027-03-30", "start": "12:00", "end": "18:00"}, all day
without start and end), and a "service" on a preference, so that only work for that service counts.
"""

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rota.domain import (
    MINUTES_PER_DAY,
    Assignment,
    ChecksStandard,
    Contract,
    Kind,
    Preference,
    PresenceSegment,
    Problem,
    Rota,
    Rules,
    Service,
    Staff,
    Unavailable,
    Window,
)

SCENARIO_FORMAT = "modrota/1"
SOLUTION_FORMAT = "modrota-solution/1"


class ScenarioError(ValueError):
    """A scenario or solution file that does not follow the format; the message names the place."""


def _need(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ScenarioError(f"{where}: missing \"{key}\"")
    return data[key]


def parse_time(text: Any, where: str, *, beyond_midnight: bool = False) -> int:
    """"HH:MM" as minutes after midnight; 24:00 is allowed, later only when beyond_midnight."""
    if not isinstance(text, str) or len(text.split(":")) != 2:
        raise ScenarioError(f"{where}: {text!r} is not a time like \"08:00\"")
    hours, minutes = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and int(minutes) < 60):
        raise ScenarioError(f"{where}: {text!r} is not a time like \"08:00\"")
    value = int(hours) * 60 + int(minutes)
    limit = 2 * MINUTES_PER_DAY if beyond_midnight else MINUTES_PER_DAY
    if value > limit:
        raise ScenarioError(f"{where}: {text!r} is later than {'48:00' if beyond_midnight else '24:00'}")
    return value


def format_time(minutes: int) -> str:
    """Minutes after midnight as "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(value: Any, where: str) -> frozenset[int]:
    if not isinstance(value, list) or not value or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ScenarioError(f"{where}: \"days\" must be a list of weekdays 0 (Monday) to 6 (Sunday)")
    return frozenset(value)


def _window(data: dict, where: str, *, beyond_midnight: bool = False) -> Window:
    start = parse_time(_need(data, "start", where), f"{where}.start")
    end = parse_time(_need(data, "end", where), f"{where}.end", beyond_midnight=beyond_midnight)
    if end <= start:
        raise ScenarioError(f"{where}: ends at {format_time(end)}, not after its start {format_time(start)}")
    return Window(days=_days(_need(data, "days", where), where), start=start, end=end)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: {value!r} is not a number")
    return float(value)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: {value!r} is not a whole number")
    return value


def _roles(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        raise ScenarioError(f"{where}: \"roles\" must be a list of role names")
    return frozenset(value)


def service_from_dict(data: dict, where: str = "service") -> Service:
    """A service and its coverage standard from the format's service object, or ScenarioError naming the field."""
    presence = tuple(
        PresenceSegment(window=_window(segment, f"{where}.presence[{i}]"),
                        roles=_roles(_need(segment, "roles", f"{where}.presence[{i}]"), f"{where}.presence[{i}]"),
                        min=_whole(segment.get("min", 1), f"{where}.presence[{i}].min"))
        for i, segment in enumerate(data.get("presence") or [])
    )
    checks = None
    if data.get("checks"):
        raw, here = data["checks"], f"{where}.checks"
        window = _need(raw, "window", here)
        if not isinstance(window, list) or len(window) != 2:
            raise ScenarioError(f"{here}.window: must be [\"HH:MM\", \"HH:MM\"]")
        checks = ChecksStandard(
            per_day=_whole(_need(raw, "per_day", here), f"{here}.per_day"),
            max_gap=round(_number(_need(raw, "max_gap_hours", here), f"{here}.max_gap_hours") * 60),
            window_start=parse_time(window[0], f"{here}.window"), window_end=parse_time(window[1], f"{here}.window"),
            minutes=_whole(_need(raw, "minutes", here), f"{here}.minutes"),
            roles=_roles(_need(raw, "roles", here), here))
    if not presence and checks is None:
        raise ScenarioError(f"{where}: a service needs \"presence\" segments or a \"checks\" standard")
    return Service(id=str(_need(data, "id", where)), name=str(data.get("name", data["id"])),
                   tier=str(data.get("tier", "high" if presence else "low")), presence=presence, checks=checks)


def _staff(data: dict, where: str, service_ids: set[str]) -> Staff:
    services = frozenset(_need(data, "services", where))
    unknown = services - service_ids
    if unknown:
        raise ScenarioError(f"{where}: trained for {'an unknown service' if len(unknown) == 1 else 'unknown services'} "
                            f"{', '.join(sorted(unknown))}")
    raw_contract = data.get("contract") or {}
    contract = Contract(**{key: raw_contract[key] for key in Contract.__dataclass_fields__ if key in raw_contract})
    try:
        leave = frozenset(date.fromisoformat(day) for day in data.get("leave", []))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{where}.leave: dates must be like \"2027-03-30\" ({error})") from error
    preferences = tuple(_preference(pref, f"{where}.preferences[{i}]", service_ids)
                        for i, pref in enumerate(data.get("preferences", [])))
    unavailable = tuple(_unavailable(raw, f"{where}.unavailable[{i}]")
                        for i, raw in enumerate(data.get("unavailable", [])))
    return Staff(
        id=str(_need(data, "id", where)), name=str(data.get("name", data["id"])), role=str(_need(data, "role", where)),
        services=services, leave=leave, contract=contract, preferences=preferences, unavailable=unavailable,
        availability=tuple(_window(window, f"{where}.availability[{i}]")
                           for i, window in enumerate(data.get("availability", []))),
    )


def _preference(data: dict, where: str, service_ids: set[str]) -> Preference:
    kind = _need(data, "kind", where)
    if kind not in ("prefer", "avoid"):
        raise ScenarioError(f"{where}.kind: {kind!r} is neither \"prefer\" nor \"avoid\"")
    service = data.get("service")
    if service is not None and service not in service_ids:
        raise ScenarioError(f"{where}.service: {service!r} is not a service of the scenario")
    return Preference(kind=kind, window=_window(data, where, beyond_midnight=True), weight=int(data.get("weight", 1)),
                      service=service)


def _unavailable(data: dict, where: str) -> Unavailable:
    try:
        when = date.fromisoformat(_need(data, "date", where))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"{where}.date: not a date like \"2027-03-30\" ({error})") from error
    start = parse_time(data.get("start", "00:00"), f"{where}.start")
    end = parse_time(data.get("end", "24:00"), f"{where}.end")
    if end <= start:
        raise ScenarioError(f"{where}: ends at {format_time(end)}, not after its start {format_time(start)}")
    return Unavailable(when, start, end)


def problem_from_dict(data: dict) -> Problem:
    """Build a Problem from a parsed scenario, or raise ScenarioError naming what is wrong."""
    if not isinstance(data, dict) or data.get("format") != SCENARIO_FORMAT:
        raise ScenarioError(f"not a {SCENARIO_FORMAT} scenario (\"format\" is {data.get('format')!r})"
                            if isinstance(data, dict) else "a scenario must be a JSON object")
    try:
        start = date.fromisoformat(_need(data, "start", "scenario"))
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"scenario.start: not a date like \"2027-03-22\" ({error})") from error
    if start.weekday() != 0:
        raise ScenarioError(f"scenario.start: {start} is a {start:%A}; the horizon starts on a Monday")
    days = _need(data, "days", "scenario")
    if not isinstance(days, int) or days <= 0 or days % 7:
        raise ScenarioError(f"scenario.days: {days!r} is not a positive multiple of 7")
    raw_rules = data.get("rules", {})
    low, high = raw_rules.get("presence_shift_hours", [3, 10])
    rules = Rules(presence_min_minutes=round(low * 60), presence_max_minutes=round(high * 60),
                  granularity=int(raw_rules.get("granularity_minutes", 15)),
                  supervised_roles=frozenset(raw_rules.get("supervised_roles", ["peer", "volunteer"])),
                  supervisor_roles=frozenset(raw_rules.get("supervisor_roles", ["clinical"])))
    services = [service_from_dict(raw, f"services[{i}]") for i, raw in enumerate(_need(data, "services", "scenario"))]
    service_ids = {service.id for service in services}
    if len(service_ids) != len(services):
        raise ScenarioError("services: two services share an id")
    staff = [_staff(raw, f"staff[{i}]", service_ids) for i, raw in enumerate(_need(data, "staff", "scenario"))]
    if len({person.id for person in staff}) != len(staff):
        raise ScenarioError("staff: two people share an id")
    return Problem(name=str(data.get("name", "")), start=start, days=days, rules=rules,
                   timezone=str(data.get("timezone", "Europe/London")),
                   services={service.id: service for service in services},
                   staff={person.id: person for person in staff})


def load_problem(path: str | Path) -> Problem:
    """Read a scenario file."""
    return problem_from_dict(_read_json(path))


def _read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{path}: not valid JSON ({error})") from error


def _local_point(text: Any, problem: Problem, where: str) -> tuple[int, int]:
    """"YYYY-MM-DDTHH:MM" as (day number, minute)."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError) as error:  # TypeError: not text at all
        raise ScenarioError(f"{where}: {text!r} is not a local time like \"2027-03-22T08:00\"") from error
    day = (moment.date() - problem.start).days
    return day, moment.hour * 60 + moment.minute


def rota_from_dict(data: dict, problem: Problem) -> Rota:
    """Build a Rota from a parsed solution. Only the file's shape is checked here; rules are the validator's."""
    if not isinstance(data, dict) or data.get("format") != SOLUTION_FORMAT:
        raise ScenarioError(f"not a {SOLUTION_FORMAT} solution")
    listed = _need(data, "assignments", "solution")
    if not isinstance(listed, list):
        raise ScenarioError("assignments: must be a list")
    assignments = []
    for i, raw in enumerate(listed):
        where = f"assignments[{i}]"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: must be an object with staff, service, kind, start and end")
        named = _need(raw, "kind", where)
        try:
            kind = Kind(named)
        except ValueError as error:
            raise ScenarioError(f"{where}.kind: {named!r} is not presence, check or on_call") from error
        day, start = _local_point(_need(raw, "start", where), problem, f"{where}.start")
        end_day, end = _local_point(_need(raw, "end", where), problem, f"{where}.end")
        if end_day == day + 1 and end == 0:
            end_day, end = day, MINUTES_PER_DAY
        if end_day != day:
            raise ScenarioError(f"{where}: starts and ends on different days")
        assignments.append(Assignment(day=day, start=start, end=end, staff=str(_need(raw, "staff", where)),
                                      service=str(_need(raw, "service", where)), kind=kind))
    return Rota(tuple(assignments))


def load_rota(path: str | Path, problem: Problem) -> Rota:
    """Read a solution file for a problem."""
    return rota_from_dict(_read_json(path), problem)


def _iso(problem: Problem, day: int, minute: int) -> str:
    moment = datetime.combine(problem.date_of(day), datetime.min.time()) + timedelta(minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M")


def rota_to_dict(rota: Rota, problem: Problem) -> dict:
    """A rota in the solution format."""
    return {"format": SOLUTION_FORMAT, "assignments": [
        {"staff": a.staff, "service": a.service, "kind": a.kind.value,
         "start": _iso(problem, a.day, a.start), "end": _iso(problem, a.day, a.end)}
        for a in sorted(rota.assignments)
    ]}


def save_rota(rota: Rota, problem: Problem, path: str | Path) -> None:
    """Write a rota as a solution file."""
    Path(path).write_text(json.dumps(rota_to_dict(rota, problem), indent=1) + "\n")


def _window_to_dict(window: Window) -> dict:
    return {"days": sorted(window.days), "start": format_time(window.start), "end": format_time(window.end)}


def service_to_dict(service: Service) -> dict:
    """A service and its coverage standard as the format's service object."""
    data: dict[str, Any] = {"id": service.id, "name": service.name, "tier": service.tier}
    if service.presence:
        data["presence"] = [{**_window_to_dict(segment.window), "roles": sorted(segment.roles), "min": segment.min}
                            for segment in service.presence]
    if service.checks is not None:
        checks = service.checks
        data["checks"] = {"per_day": checks.per_day, "max_gap_hours": checks.max_gap / 60,
                          "window": [format_time(checks.window_start), format_time(checks.window_end)],
                          "minutes": checks.minutes, "roles": sorted(checks.roles)}
    return data


def _staff_to_dict(person: Staff) -> dict:
    data: dict[str, Any] = {
        "id": person.id, "name": person.name, "role": person.role, "services": sorted(person.services),
        "availability": [_window_to_dict(window) for window in person.availability],
        "leave": sorted(day.isoformat() for day in person.leave),
        "contract": {key: getattr(person.contract, key) for key in Contract.__dataclass_fields__},
        "preferences": [{"kind": pref.kind, **_window_to_dict(pref.window), "weight": pref.weight,
                         **({"service": pref.service} if pref.service else {})} for pref in person.preferences],
    }
    if person.unavailable:
        data["unavailable"] = [{"date": u.date.isoformat(), "start": format_time(u.start), "end": format_time(u.end)}
                               for u in person.unavailable]
    return data


def problem_to_dict(problem: Problem) -> dict:
    """A problem as a scenario (history before the horizon is not part of the format and is left out)."""
    rules = problem.rules
    return {
        "format": SCENARIO_FORMAT, "name": problem.name, "timezone": problem.timezone,
        "start": problem.start.isoformat(), "days": problem.days,
        "rules": {"presence_shift_hours": [rules.presence_min_minutes / 60, rules.presence_max_minutes / 60],
                  "granularity_minutes": rules.granularity, "supervised_roles": sorted(rules.supervised_roles),
                  "supervisor_roles": sorted(rules.supervisor_roles)},
        "services": [service_to_dict(service) for service in problem.services.values()],
        "staff": [_staff_to_dict(person) for person in problem.staff.values()],
    }
