"""An independent check and score of any Curtois & Qu roster, sharing no code with the model (rota.bench.curtois.model):
every hard rule the roster breaks, in words, and its penalty."""

from collections import defaultdict

from rota.bench.curtois.instance import OFF, Instance, Roster


def _runs(worked: list[bool], value: bool) -> list[tuple[int, int]]:
    """(first day, length) of each maximal run of days equal to value."""
    runs, start = [], None
    for day, w in enumerate([*worked, not value]):
        if w == value and start is None:
            start = day
        elif w != value and start is not None:
            runs.append((start, day - start))
            start = None
    return runs


def broken_rules(instance: Instance, roster: Roster) -> list[str]:
    """Every hard constraint the roster breaks, in words; empty when it is valid."""
    found, days = [], instance.days
    for eid, employee in instance.employees.items():
        row = roster.get(eid, [OFF] * days)
        worked = [s != OFF for s in row]
        for day, shift in enumerate(row):
            if shift != OFF and shift not in instance.minutes:
                found.append(f"{eid} day {day}: unknown shift {shift}")
            if day + 1 < days and shift != OFF and row[day + 1] in instance.cannot_follow.get(shift, ()):
                found.append(f"{eid} day {day + 1}: {row[day + 1]} may not follow {shift}")
            if shift != OFF and day in instance.days_off.get(eid, ()):
                found.append(f"{eid} day {day}: works on a day off")
        for shift in instance.minutes:
            if row.count(shift) > employee.max_shifts.get(shift, days):
                found.append(f"{eid}: {row.count(shift)} {shift} shifts, more than {employee.max_shifts[shift]}")
        total = sum(instance.minutes.get(s, 0) for s in row if s != OFF)
        if not employee.min_minutes <= total <= employee.max_minutes:
            found.append(f"{eid}: {total} minutes, outside {employee.min_minutes}-{employee.max_minutes}")
        for start, length in _runs(worked, True):
            if length > employee.max_consecutive:
                found.append(f"{eid}: {length} shifts in a row from day {start}, more than {employee.max_consecutive}")
            if length < employee.min_consecutive and start > 0 and start + length < days:
                found.append(f"{eid}: only {length} shifts in a row from day {start}")
        for start, length in _runs(worked, False):
            if length < employee.min_days_off and start > 0 and start + length < days:
                found.append(f"{eid}: only {length} days off in a row from day {start}")
        weekends = sum(1 for w in range(days // 7) if worked[7 * w + 5] or worked[7 * w + 6])
        if weekends > employee.max_weekends:
            found.append(f"{eid}: {weekends} weekends, more than {employee.max_weekends}")
    return found


def penalty(instance: Instance, roster: Roster) -> int:
    """The soft-constraint penalty: requests not granted, and cover short or over."""
    total = sum(r.weight for r in instance.on_requests if roster[r.employee][r.day] != r.shift)
    total += sum(r.weight for r in instance.off_requests if roster[r.employee][r.day] == r.shift)
    working = defaultdict(int)
    for row in roster.values():
        for day, shift in enumerate(row):
            working[(day, shift)] += 1
    for c in instance.cover:
        have = working[(c.day, c.shift)]
        total += c.under * max(0, c.requirement - have) + c.over * max(0, have - c.requirement)
    return total
