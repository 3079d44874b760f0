"""What the rota pages show, built without a request through the app: the draft page of a version and a person's own
shifts, from the demo trust's drafts."""

import re
from datetime import date, timedelta

from werkzeug.datastructures import MultiDict

from console.database import local_today
from console.extensions import db
from console.permissions import Role
from console.rotas import editing, pages, swaps
from console.rotas.models import RotaVersion, Shift
from console.staffing.models import Contract
from tests.factories import draft_with_a_minimum_beyond_the_standard, draft_without_an_evening, make_draft, next_monday
from tests.factories import person, publish_draft, services

MANAGER, OWNER, VOLUNTEER, CLINICIAN = Role.TEAM_MANAGER, Role.OWNER, Role.VOLUNTEER, Role.CLINICAL_MODERATOR


def _page(version_id: int, viewer_role=MANAGER, **address):
    """The draft page of a version as the demo person of a role sees it, for an address's query."""
    version = db.session.get(RotaVersion, version_id)
    return pages.draft_page(version, person(viewer_role), MultiDict({k: str(v) for k, v in address.items()}),
                            local_today())


def _week_of(day) -> int:
    return (day - next_monday()).days // 7


def test_the_draft_grid_shows_a_week_of_shifts_in_words_with_the_page_that_moves_each(app, demo_data):
    with app.test_request_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        ella = person(VOLUNTEER)
        evening = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
        on_call = next(s for s in version.shifts if s.kind == "on_call")
        page = _page(version_id, week=_week_of(evening.day))
        assert page.week_number == _week_of(evening.day) + 1 and page.view.weeks == 4
        assert page.days == [next_monday() + timedelta(days=7 * _week_of(evening.day) + d) for d in range(7)]
        assert [row.name for row in page.service_rows] == [s.name for s in version.services]
        assert all(len(row.days) == 7 for row in page.service_rows)
        row = next(r for r in page.person_rows if r.name == "Ella Robinson")
        assert row.role == "volunteer" and row.address == \
            f"/rota/versions/{version_id}?week={_week_of(evening.day)}&person={ella.id}"
        (cell,) = [c for d in row.days if d.day == evening.day for c in d.shifts if c.words.startswith("17:00")]
        assert cell.words == f"17:00–22:00 {evening.service.name}" and cell.kind == "presence"
        assert cell.edit_address == f"/rota/versions/{version_id}/shifts/{evening.id}/edit"
        on_call_page = _page(version_id, week=_week_of(on_call.day), person=on_call.staff_id)
        words = [c.words for d in on_call_page.person_rows[0].days if d.day == on_call.day for c in d.shifts]
        start, end = divmod(on_call.start_minute, 60), divmod(on_call.end_minute, 60)
        assert f"{start[0]:02d}:{start[1]:02d}–{end[0]:02d}:{end[1]:02d} {on_call.service.name} (on call)" in words
        assert page.editable and page.discardable and not page.may_publish
        assert page.may_approve and page.changed_it  # a team manager may approve, but not a draft they made
        assert not _page(version_id, OWNER).changed_it


def test_an_uncovered_window_shows_in_the_cover_grid_in_words_and_as_a_bar(app, demo_data):
    with app.test_request_context():
        version_id, day, start, end = draft_without_an_evening()
        page = _page(version_id, week=_week_of(day))
        assert page.gap_count == len(page.gaps) == 1 and page.short == end - start
        assert page.gaps_uncovered == "1 window of the standard is not covered."
        assert page.short_words == "5 h" and page.uncovered == "5 h"
        eating = next(row for row in page.service_rows if row.name == "Eating disorders")
        short = eating.days[day.weekday()]
        assert short.state == "short" and short.summary == "17:00–22:00 nobody on duty"
        (bar,) = [b for b in short.bars if b.kind == "uncovered"]
        assert (bar.start, bar.y, bar.width, bar.height) == (start, 0, end - start, 12)
        assert [d.state for d in eating.days].count("short") == 1
        low = next(row for row in page.service_rows if row.name == "Demo low-risk service")
        assert all(d.state == "ok" and d.summary.startswith("4 of 4 checks; longest gap") for d in low.days)
        check = next(b for b in low.days[0].bars if b.kind == "check")
        assert (check.y, check.width, check.height) == (4, 30, 8)


def test_the_grid_keeps_to_the_rota_s_weeks_and_shows_one_person_or_one_service_when_asked(app, demo_data):
    with app.test_request_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        nonsense = _page(version_id, week=99, person="abc", service="nope")
        assert nonsense.week_number == 4 and nonsense.next_week is None and not nonsense.filtered
        assert nonsense.previous_week.number == 3 and nonsense.previous_week.address.endswith("?week=2")
        first = _page(version_id, week=-3)
        assert first.week_number == 1 and first.previous_week is None and first.next_week.number == 2
        hers = _page(version_id, week=0, person=ella.id)
        assert [row.name for row in hers.person_rows] == ["Ella Robinson"] and hers.filtered
        assert [o.label for o in hers.person_options if o.selected] == ["Ella Robinson"]
        low = _page(version_id, week=0, service="demo-low")
        assert [row.name for row in low.service_rows] == ["Demo low-risk service"]
        assert low.chosen_service_id == services("demo-low")[0].id
        assert [o.value for o in low.service_options if o.selected] == ["demo-low"]
        working, everyone = _page(version_id, week=0), _page(version_id, week=0, everyone=1)
        assert len(everyone.person_rows) == len(everyone.review.problem.staff) > len(working.person_rows)
        assert all(any(d.shifts for d in row.days) for row in working.person_rows)


def test_the_draft_page_counts_what_changes_against_the_published_rota(app, demo_data):
    with app.test_request_context():
        publish_draft(make_draft())
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        ella, clinician = person(VOLUNTEER), person(CLINICIAN)
        evening = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
        editing.move_shift(version, shift_id=evening.id, staff_id=clinician.id, service_id=evening.service_id,
                           day=evening.day, start=12 * 60, end=17 * 60, kind="presence")
        page = _page(version_id)
        assert page.changes.count == len(page.changes.people) >= 2
        by_name = {who.name: (who.added, who.removed) for who in page.changes.people}
        assert by_name["Ella Robinson"][1] >= 1 and by_name[clinician.name][0] >= 1
        assert page.changes.added == sum(who.added for who in page.changes.people)
        published = db.session.get(RotaVersion, version_id - 1)
        shown = pages.draft_page(published, person(OWNER), MultiDict(), local_today())
        assert shown.changes is None and not shown.editable and not shown.discardable
        assert all(cell.edit_address is None for row in shown.person_rows for d in row.days for cell in d.shifts)


def test_the_draft_page_says_what_it_rosters_beyond_what_covering_every_standard_takes(app, demo_data):
    """The demo low-risk service asks for 4 checks of 30 minutes a day: doubling one day's checks rosters 2 hours
    more than the 56 hours its 4 weeks take."""
    with app.test_request_context():
        low = services("demo-low")[0]
        version_id = make_draft(("demo-low",))
        version = db.session.get(RotaVersion, version_id)
        assert _page(version_id).surplus == ""
        version.shifts.extend(Shift(staff_id=s.staff_id, service_id=low.id, kind="check", day=s.day,
                                    start_minute=s.start_minute + 60, end_minute=s.end_minute + 60)
                              for s in version.shifts if s.kind == "check" and s.day == next_monday())
        db.session.commit()
        page = _page(version_id)
        assert (page.rostered, page.needed) == ("58 h", "56 h")
        assert page.surplus == "2 h more than the standards need: 2 h of work nothing needs, which can come off."
        monday = page.service_rows[0].days[0]
        assert monday.checks.startswith("8 checks (4 needed); longest gap ") and monday.state == "ok"


def test_the_draft_page_puts_hours_beyond_the_standard_down_to_the_contract_minimum_that_keeps_them(app, demo_data):
    with app.test_request_context():
        version_id, monday = draft_with_a_minimum_beyond_the_standard()
        page = _page(version_id)
        assert (page.rostered, page.needed) == ("62 h", "56 h")
        assert page.surplus == ("6 h more than the standards need: 6 h for the minimum hours of Sarah Bennett "
                                "(15 h a week).")
        assert page.service_rows[0].days[0].summary == "16 checks (4 needed); longest gap 2 h 45 min"
        assert page.service_rows[0].days[1].summary.startswith("4 of 4 checks; longest gap ")
        db.session.get(Contract, person(CLINICIAN).id).min_hours_week = 0
        db.session.commit()
        assert _page(version_id).surplus == ("6 h more than the standards need: 6 h of work nothing needs, which can "
                                             "come off.")


def test_a_broken_contract_limit_may_be_accepted_on_the_page_and_then_says_who_accepted_it(app, demo_data):
    with app.test_request_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        db.session.get(Contract, ella.id).max_hours_week = 1
        db.session.commit()
        page = _page(version_id)
        hours = [rule for rule in page.rules if rule.message.startswith("Ella Robinson")]
        assert hours and all(rule.may_accept and rule.accepted is None for rule in hours)
        assert page.blocking == len(page.rules) and page.blocking_soft
        assert page.rules_broken == "This rota breaks 4 rules; it cannot be approved until they are fixed, or a " \
                                    "broken contract limit is accepted with a reason."
        editing.override(db.session.get(RotaVersion, version_id), person(MANAGER), message=hours[0].message,
                         reason="Agreed extra hours by phone")
        again = _page(version_id)
        accepted = next(rule for rule in again.rules if rule.message == hours[0].message)
        assert accepted.accepted.reason == "Agreed extra hours by phone" and again.blocking == page.blocking - 1
        for rule in hours[1:-1]:
            editing.override(db.session.get(RotaVersion, version_id), person(MANAGER), message=rule.message,
                             reason="Agreed extra hours by phone")
        assert _page(version_id).rules_broken == "This rota breaks 1 rule; it cannot be approved until it is fixed, " \
                                                 "or a broken contract limit is accepted with a reason."


def test_my_shifts_page_lists_my_shifts_and_week_by_week_and_what_i_may_ask_someone_to_take(app, demo_data):
    with app.test_request_context():
        version_id = make_draft()
        publish_draft(version_id)
        ella, today = person(VOLUNTEER), local_today()
        on_call_shift = next(s for s in db.session.get(RotaVersion, version_id).shifts if s.kind == "on_call")
        page = pages.my_shifts_page(ella, today)
        assert page.shifts and [row.shift.day for row in page.shifts] == sorted(row.shift.day for row in page.shifts)
        first = page.shifts[0]
        assert first.first_of_day and first.hours == "17:00–22:00" and first.what == "on duty"
        assert first.described == f"{first.shift.service.name}, {first.shift.day:%a %d %b} 17:00–22:00"
        assert all(row.first_of_day == (i == 0 or page.shifts[i - 1].shift.day != row.shift.day)
                   for i, row in enumerate(page.shifts))
        assert all(row.may_swap for row in page.shifts if row.shift.day > today)
        assert all(week.monday.weekday() == 0 and len(week.days) == 7 and any(s for _, s in week.days)
                   for week in page.weeks)
        assert sum(len(shifts) for week in page.weeks for _, shifts in week.days) == len(page.shifts)
        assert f"17:00–22:00 {first.shift.service.name}" in [s.words for week in page.weeks for _, day in week.days
                                                             for s in day]
        assert not page.has_feed and page.feed_url is None
        on_call = [row for row in pages.my_shifts_page(on_call_shift.staff, today).shifts
                   if row.shift.kind == "on_call"]
        assert on_call and not any(row.may_swap for row in on_call)
        assert on_call[0].what == "on call (clinical supervision)"

        colleague = swaps.colleagues(first.shift).able[0].person
        swaps.ask(ella, shift_id=first.shift.id, to_staff_id=colleague.id, note="", today=today)
        asked = pages.my_shifts_page(ella, today, feed_url="https://console.example.org/calendar/abc.ics")
        assert [row.asked for row in asked.shifts][0] and not any(row.asked for row in asked.shifts[1:])
        assert [(line.shift, line.status) for line in asked.asked_by_me] == [(first.described, "waiting for them")]
        assert asked.webcal_url == "webcal://console.example.org/calendar/abc.ics"
        theirs = pages.my_shifts_page(colleague, today)
        assert [line.shift for line in theirs.asking_me] == [first.described]


def test_my_shifts_page_offers_an_open_shift_with_what_taking_it_sends(app, demo_data):
    with app.test_request_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        ella = person(VOLUNTEER)
        gone: Shift = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence"
                           and s.day > local_today())
        version.shifts.remove(gone)
        db.session.commit()
        publish_draft(version_id)
        offers = pages.my_shifts_page(ella, local_today()).offers
        line = next(line for line in offers if line.offer.day == gone.day)
        assert line.what == "" and line.button == "Take this shift"
        assert line.fields == {"service_id": line.offer.service.id, "day": gone.day.isoformat(),
                               "gap_start": line.offer.gap_start, "kind": "presence"}


def test_the_draft_page_says_how_many_of_peoples_own_preferences_it_meets_and_whose_least(app, demo_data):
    """Ella, the demo volunteer, would rather not work weekend evenings: a check put on her Saturday evening is one
    preference-day fewer met, and hers the least met."""
    with app.test_request_context():
        low, ella = services("demo-low")[0], person(VOLUNTEER)
        version_id = make_draft(("demo-low",))
        before = _page(version_id).preferences
        met, counted = (int(n) for n in re.match(r"(\d+) of (\d+) preference-days met", before).groups())
        version = db.session.get(RotaVersion, version_id)
        saturday = next_monday() + timedelta(days=5)
        version.shifts.append(Shift(staff_id=ella.id, service_id=low.id, kind="check", day=saturday,
                                    start_minute=18 * 60, end_minute=18 * 60 + 30))
        db.session.commit()
        after = _page(version_id).preferences
        assert after.startswith(f"{met - 1} of {counted} preference-days met; least met: Ella Robinson, ")


def test_the_grid_names_the_bank_holidays_of_each_services_calendar(app, demo_data):
    """Christmas week in England and Wales; Saint Andrew's Day is Scotland's only, so a rota for services of both says
    whose it is."""
    with app.app_context():
        eating, low = services("eating-disorders", "demo-low")
        christmas = pages.bank_holidays_of([eating], date(2026, 12, 21), date(2026, 12, 28))
        assert christmas == {date(2026, 12, 25): "Christmas Day", date(2026, 12, 26): "Boxing Day",
                             date(2026, 12, 28): "Boxing Day (observed)"}
        low.bank_holidays = "SCT"
        both = pages.bank_holidays_of([eating, low], date(2026, 11, 30), date(2026, 12, 28))
        assert both[date(2026, 11, 30)] == "Saint Andrew's Day (Scotland)"
        assert (both[date(2026, 12, 25)], both[date(2026, 12, 28)]) == ("Christmas Day", "Boxing Day (observed)")
