"""Rotas in the console: background runs, drafts checked by the engine, approval, publishing, own shifts."""

import csv
import io
import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from console import demo
from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.database import local_today, utcnow
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.rotas import flows
from console.rotas import problem as problems
from console.rotas import cover, editing, own_work, publishing, versions
from console.rotas.models import RotaRun, RotaVersion, RunStatus, Shift
from console.staffing.models import Contract, StaffPreference
from console.services.models import Service
from console.words import days_span
from rota.scenario import problem_from_dict, rota_from_dict
from tests.factories import PRIYAS_SERVICES, make_draft, next_monday, period_form, person, publish_draft, services
from tests.factories import draft_without_an_evening, version_with
from tests.helpers import at_the_same_moment, run_queued_tasks

MANAGER, OWNER, VOLUNTEER = Role.TEAM_MANAGER, Role.OWNER, Role.VOLUNTEER
@pytest.fixture
def manager(auth, demo_data):
    auth.login_demo(MANAGER)
    return auth


def test_a_manager_makes_a_draft_in_the_background_and_sees_it(app, client, manager):
    # The one console test that waits for the real engine, on the smallest problem that shows it: one service (Eating
    # disorders) for the form's shortest time, 5 s. Other tests build their drafts from the engine's quick first rota
    # (factories.make_draft). A wish no rota can meet: Sarah would rather not work at all, and her contract asks for
    # 2 hours a week, so each week she works one day against it. The run names the least anyone could miss (4 points
    # in 4 weeks). Nobody else in the demo has a minimum, so the draft rosters close to what the standard needs. (The
    # least is worked out beside the search, in half the time: for Priya's three services under a loaded suite
    # neither 5 s nor 8 s was always enough, which one service leaves far behind.)
    with app.app_context():
        sarah = person(Role.CLINICAL_MODERATOR).id
        db.session.add(StaffPreference(staff_id=sarah, kind="avoid", weekdays="0,1,2,3,4,5,6", start_minute=0,
                                       end_minute=24 * 60, weight=1))
        db.session.execute(sa.update(Contract).where(Contract.staff_id == sarah).values(min_hours_week=2))
        db.session.commit()
    start = next_monday()
    form = {f"generate-{k}": v for k, v in period_form(app, start, ("eating-disorders",), seconds="5").items()}
    response = manager.post("/rota/generate", form, form_page="/rota/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/rota/runs/")
    run_page = response.headers["Location"]
    assert client.get(run_page + "/status").get_json()["status"] == "queued"

    again = manager.post("/rota/generate", form, form_page="/rota/")
    assert again.status_code == 400
    assert "A rota is already being made for" in again.get_data(as_text=True)

    assert run_queued_tasks(app) == 1
    state = client.get(run_page + "/status").get_json()
    assert state["status"] == "succeeded" and state["progress"] == 1
    assert state["status_words"] == "Finished"
    assert state["best"].startswith("Best rota so far: the standard covered in full; everyone's contract hours met; ")
    missed = re.fullmatch(r"Finished (?:in \d+ s of the 5 s allowed: this is the best rota the rules allow|after "
                          r"the 5 s allowed; a longer run may find a better rota)\. The standard is covered in full\. "
                          r"Preferences: (\d+) points missed(.*)",
                          state["message"])
    assert missed, state["message"]
    assert missed[2] == (", the fewest possible (everyone's own best, added up)." if missed[1] == "4" else
                         "; no rota can have fewer than 4.")

    page = client.get(state["version_url"]).get_data(as_text=True)
    assert "Every window of the standard is covered." in page
    assert "The rota keeps every rule" in page
    assert "Ella Robinson" in page and "Eating disorders" in page
    rostered, needed = (int(figure.replace(",", "")) for figure in re.search(
        r'id="rostered">([\d,]+) h[^;]*; covering every standard takes at least ([\d,]+) h', page).groups())
    assert needed == 392 and rostered <= 1.1 * needed  # 08:00-22:00 for 4 weeks, and within a tenth of it

    scenario = client.get(state["version_url"] + "/scenario.json").get_json()
    problem = problem_from_dict(scenario)
    assert list(problem.services) == ["eating-disorders"]
    exported = client.get(state["version_url"] + "/rota.json").get_json()
    assert rota_from_dict(exported, problem).assignments


def _ask_for_a_rota(app, manager, start, seconds: str = "5") -> str:
    """Priya asks for her services' rota from `start`, for `seconds`; the run's page."""
    form = {f"generate-{k}": v for k, v in period_form(app, start, seconds=seconds).items()}
    return manager.post("/rota/generate", form, form_page="/rota/").headers["Location"]


def _made(app, client, manager, start) -> dict:
    """The state of a 5-second run of Priya's services from `start`, once the task queue has run it."""
    run_page = _ask_for_a_rota(app, manager, start)
    assert run_queued_tasks(app) == 1
    state = client.get(run_page + "/status").get_json()
    assert state["status"] == "succeeded"
    return state


def test_a_queued_run_can_be_cancelled_and_run_again(app, client, manager):
    run_page = _ask_for_a_rota(app, manager, next_monday())
    page = manager.post(run_page + "/cancel", form_page=run_page, follow_redirects=True).get_data(as_text=True)
    assert "Cancelled before it started." in page
    assert run_queued_tasks(app) == 1  # the consumer takes the task off the queue and leaves it alone
    assert client.get(run_page + "/status").get_json()["status"] == "cancelled"
    retried = manager.post(run_page + "/retry", form_page=run_page)
    assert retried.headers["Location"] != run_page
    assert client.get(retried.headers["Location"] + "/status").get_json()["status"] == "queued"


def test_a_run_whose_worker_died_is_marked_failed(app, client, manager):
    run_page = _ask_for_a_rota(app, manager, next_monday())
    with app.app_context():
        run = db.session.scalar(sa.select(RotaRun))
        run.status, run.heartbeat_at = RunStatus.RUNNING.value, utcnow() - timedelta(minutes=5)
        db.session.commit()
    state = client.get(run_page + "/status").get_json()
    assert state["status"] == "failed"
    assert "stopped before it finished" in state["message"]
    assert "Run it again" in client.get(run_page).get_data(as_text=True)


def test_a_running_run_shows_the_best_rota_so_far_in_a_managers_words(app, client, manager):
    """Never the engine's phase or objective: cover, contract hours, preferences and the weekend load."""
    run_page = _ask_for_a_rota(app, manager, next_monday(), "60")
    with app.app_context():
        run = db.session.scalar(sa.select(RotaRun))
        run.status, run.heartbeat_at, run.progress = RunStatus.RUNNING.value, utcnow(), 0.4
        run.best_score = {"uncovered_minutes": 150, "contract_short_minutes": 720, "preference_penalty": 1,
                          "max_weekend_days": 3}
        db.session.commit()
    page = client.get(run_page).get_data(as_text=True)
    assert "Making the rota" in page and "up to 1 min." in page
    assert ("Best rota so far: 2 h 30 min of the standard uncovered; contract hours 12 h short; some of people&#39;s "
            "own preferences missed (the draft says whose); nobody works more than 3 weekend days.") in page
    assert "objective" not in page and "phase" not in page and "Best so far (" not in page
    state = client.get(run_page + "/status").get_json()
    assert state["status_words"] == "Making the rota" and state["best"].startswith("Best rota so far: 2 h 30 min")


def test_hours_of_work_added_up_are_said_in_hours_never_as_days():
    """40 h short of contracts is a working week, not "1 day 16 h"."""
    best = {"uncovered_minutes": 26 * 60, "contract_short_minutes": 40 * 60, "preference_penalty": 2}
    assert flows.progress_words(best) == ("Best rota so far: 26 h of the standard uncovered; contract hours 40 h "
                                          "short; some of people's own preferences missed (the draft says whose).")
    assert flows.uncovered_words(26 * 60) == "26 h of the standard is left uncovered."


def test_a_period_must_start_on_a_monday_and_last_four_weeks(app, client, manager):
    form = {f"generate-{k}": v for k, v in period_form(app, next_monday() + timedelta(days=1), seconds="5").items()}
    form["generate-weeks"] = "2"
    page = manager.post("/rota/generate", form, form_page="/rota/").get_data(as_text=True)
    assert "Choose a Monday" in page
    assert "A rota is 4 to 12 weeks long." in page


def test_the_maker_cannot_approve_and_an_owner_approves_and_publishes(app, client, manager, smtp_server):
    with app.app_context():
        version_id = make_draft()
    page_url = f"/rota/versions/{version_id}"
    page = manager.post(page_url + "/approve", form_page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "A rota is approved by someone who has not made or changed it" in page
    manager.logout()
    manager.login_demo(OWNER)
    assert "The rota is approved." in manager.post(page_url + "/approve", form_page=page_url,
                                                   follow_redirects=True).get_data(as_text=True)
    published = manager.post(page_url + "/publish", form_page=page_url, follow_redirects=True)
    assert "The rota is published." in published.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RotaVersion, version_id).status == "published"
        ella = person(VOLUNTEER)
        has_shifts = bool(own_work.my_shifts(ella.id, start=next_monday(), days=28))
    run_queued_tasks(app)  # the outbox's sender, as the task queue's consumer runs it
    told = [m["To"] for m in smtp_server.messages if m["Subject"] == "Your moderation shifts have changed"]
    assert len(told) > 5
    assert (ella.email in told) == has_shifts
    cover = client.get("/rota/").get_data(as_text=True)
    # Cover counts from today: the rota reaches 4 weeks and more ahead, but the days to next Monday have none.
    last = next_monday() + timedelta(days=27)
    ahead = (last - local_today()).days + 1
    assert f"To {last:%a %d %b}: {days_span(ahead)}" in cover
    today_only = next_monday() - timedelta(days=1) == local_today()
    assert ("No rota is published for today" if today_only else "No rota is published from today to") in cover
    published_again = manager.post(page_url + "/discard", form_page=page_url, follow_redirects=True)
    assert "A published rota stays on record" in published_again.get_data(as_text=True)


def test_a_rota_starts_this_week_at_the_earliest_and_a_past_start_is_flagged(app, client, manager):
    form = {f"generate-{k}": v for k, v in period_form(app, next_monday() - timedelta(weeks=2)).items()}
    page = manager.post("/rota/generate", form, form_page="/rota/").get_data(as_text=True)
    assert "Start this week or later" in page
    with app.app_context():
        backdated = make_draft(start=next_monday() - timedelta(weeks=1))  # this week: allowed, and flagged
    if next_monday() - timedelta(weeks=1) < local_today():
        assert "before today. Publishing it changes the days already past" in client.get(
            f"/rota/versions/{backdated}").get_data(as_text=True)


def test_cover_counts_from_today_without_a_break(app, client, manager):
    with app.app_context():
        this_monday = next_monday() - timedelta(weeks=1)
        publish_draft(make_draft(start=this_monday))
        today = local_today()
        (row,) = [r for r in cover.published_cover(services("eating-disorders"), today)]
        assert row.not_published_until is None and row.covered_until == this_monday + timedelta(days=27)
        assert row.days_ahead == 28 - today.weekday()
        publish_draft(make_draft(start=next_monday() + timedelta(weeks=3)))  # the next four weeks, without a break
        (row,) = [r for r in cover.published_cover(services("eating-disorders"), today)]
        assert row.covered_until == next_monday() + timedelta(weeks=3, days=27) and row.weeks >= 6


def test_a_rota_with_gaps_is_approved_and_published_only_with_a_reason(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        presence = next(s for s in version.shifts if s.kind == "presence")
        version.shifts.remove(presence)  # as a manager might leave a window uncovered
        db.session.commit()
    page_url = f"/rota/versions/{version_id}"
    manager.logout()
    manager.login_demo(OWNER)
    page = client.get(page_url).get_data(as_text=True)
    assert "of the standard uncovered:" in page and ">Approve with these gaps<" in page
    refused = manager.post(page_url + "/approve", form_page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "To approve it as it is, give the reason" in refused
    with app.app_context():
        assert db.session.get(RotaVersion, version_id).status == "draft"
    manager.post(page_url + "/approve", {"reason": "Agency cover booked for that window"}, form_page=page_url)
    page = client.get(page_url).get_data(as_text=True)
    assert "Approved with gaps</strong> by Amara Okafor: Agency cover booked for that window" in page
    refused = manager.post(page_url + "/publish", form_page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "To publish it as it is, give the reason" in refused
    manager.post(page_url + "/publish", {"reason": "Agency confirmed by phone"}, form_page=page_url)
    with app.app_context():
        published = db.session.get(RotaVersion, version_id)
        assert published.status == "published" and published.published_with_gaps == "Agency confirmed by phone"


def test_a_rota_breaking_a_rule_shows_no_approve_button(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        version = db.session.get(RotaVersion, version_id)
        version.shifts.append(Shift(staff_id=ella.id, service_id=version.services[0].id, kind="presence",
                                    day=version.start_date, start_minute=8 * 60, end_minute=12 * 60))
        db.session.commit()
    manager.logout()
    manager.login_demo(OWNER)
    page = client.get(f"/rota/versions/{version_id}").get_data(as_text=True)
    assert ">Approve<" not in page and "It can be approved once the broken rules above are fixed" in page


def test_whoever_changed_a_draft_cannot_approve_it(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        shift_id = db.session.get(RotaVersion, version_id).shifts[0].id
    page_url = f"/rota/versions/{version_id}"
    manager.logout()
    manager.login_demo(OWNER)
    assert ">Approve<" in client.get(page_url).get_data(as_text=True)
    manager.post(f"{page_url}/shifts/{shift_id}/remove", form_page=page_url)
    page = client.get(page_url).get_data(as_text=True)
    assert ">Approve<" not in page and "You made or changed this draft" in page
    refused = manager.post(page_url + "/approve", form_page=page_url, follow_redirects=True)
    assert "A rota is approved by someone who has not made or changed it" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RotaVersion, version_id).status == "draft"


def a_morning_shift_for_ella(app, manager) -> tuple[int, str, str]:
    """A new draft, and Ella added to Eating disorders on its first Monday 09:00-13:00, outside her
    availability: the draft's id and address, and the page after adding."""
    with app.app_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        eating = services("eating-disorders")[0]
    page_url = f"/rota/versions/{version_id}"
    page = manager.post(page_url + "/shifts", {
        "staff": ella.id, "service": eating.id, "kind": "presence", "day": next_monday().isoformat(),
        "start": "09:00", "end": "13:00"}, form_page=page_url, follow_redirects=True).get_data(as_text=True)
    return version_id, page_url, page


def test_hand_edits_are_checked_at_once(app, client, manager):
    version_id, page_url, page = a_morning_shift_for_ella(app, manager)
    with app.app_context():
        ella, eating = person(VOLUNTEER), services("eating-disorders")[0]
    assert "The draft now breaks" in page
    assert "Availability and leave: Ella Robinson, Eating disorders" in page
    assert "outside Ella Robinson&#39;s availability" in page
    assert "Make this draft again" not in page  # broken by hand, not by another rota: making it again is no answer
    bad = manager.post(page_url + "/shifts", {
        "staff": ella.id, "service": eating.id, "kind": "presence", "day": next_monday().isoformat(),
        "start": "13:00", "end": "9am"}, form_page=page_url)
    assert bad.status_code == 400 and "Enter a time like 17:00" in bad.get_data(as_text=True)
    with app.app_context():
        added = [s for s in db.session.get(RotaVersion, version_id).shifts
                 if s.staff_id == ella.id and s.start_minute == 9 * 60][0].id
    removed = manager.post(f"{page_url}/shifts/{added}/remove", form_page=page_url, follow_redirects=True)
    assert f"Removed: Ella Robinson, Eating disorders, {next_monday():%a %d %b} 09:00–13:00." in \
        removed.get_data(as_text=True)
    assert "The rota keeps every rule" in removed.get_data(as_text=True)


def test_the_flash_counts_the_broken_rules_as_the_page_does(app, client, manager):
    version_id, page_url, page = a_morning_shift_for_ella(app, manager)
    flashed = int(re.search(r"The draft now breaks (\d+) rule", page).group(1))
    boxed = int(re.search(r"This rota breaks (\d+) rule", page).group(1))
    assert flashed == boxed


def test_removing_supervised_work_takes_off_the_on_call_shift_nothing_needs(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        volunteers = {p.id for p in db.session.scalars(sa.select(StaffMember)) if Role.VOLUNTEER in p.roles}
        evening = next(s for s in version.shifts if s.staff_id in volunteers and s.kind == "presence")
        others = [s for s in version.shifts if s.day == evening.day and s.service_id == evening.service_id
                  and s.kind == "presence" and s.id != evening.id and s.end_minute > evening.start_minute
                  and s.start_minute < evening.end_minute]
        for shift in others:  # only the volunteer's evening is supervised there
            version.shifts.remove(shift)
        db.session.commit()
        on_call_before = [s.id for s in version.shifts if s.day == evening.day
                          and s.service_id == evening.service_id and s.kind == "on_call"]
        evening_id = evening.id
    assert on_call_before
    page_url = f"/rota/versions/{version_id}"
    page = manager.post(f"{page_url}/shifts/{evening_id}/remove", form_page=page_url,
                        follow_redirects=True).get_data(as_text=True)
    assert "taken off call: nothing there needs supervising now." in page
    with app.app_context():
        left = {s.id for s in db.session.get(RotaVersion, version_id).shifts}
        assert not set(on_call_before) & left


def test_an_imported_file_becomes_a_draft_and_bad_files_say_why(app, client, manager):
    with app.app_context():
        version_id = make_draft()
    exported = client.get(f"/rota/versions/{version_id}/rota.json").get_data()
    form = {f"import-{k}": v for k, v in period_form(app, next_monday()).items()}

    def upload(content: bytes, name="rota.json"):
        return manager.post("/rota/import", {**form, "import-file": (BytesIO(content), name)}, form_page="/rota/",
                            content_type="multipart/form-data")

    assert "The file is not valid JSON" in upload(b"{not json").get_data(as_text=True)
    wrong = upload(json.dumps({"format": "something-else"}).encode())
    assert wrong.status_code == 400 and "not a rota this console can read" in wrong.get_data(as_text=True)
    assert "Choose a .json file." in upload(b"{}", name="rota.txt").get_data(as_text=True)
    odd_shape = upload(json.dumps({"format": "modrota-solution/1", "assignments": "x"}).encode())
    assert odd_shape.status_code == 400 and "assignments: must be a list" in odd_shape.get_data(as_text=True)
    for entry in (["presence"], {"staff": "1", "service": "1"}):
        malformed = upload(json.dumps({"format": "modrota-solution/1", "assignments": [entry]}).encode())
        assert malformed.status_code == 400 and "assignments[0]:" in malformed.get_data(as_text=True)
    deep = upload(b"[" * 5000 + b"]" * 5000)
    assert deep.status_code == 400 and "nested too deeply" in deep.get_data(as_text=True)
    huge_number = upload(b'{"format": ' + b"9" * 5000 + b"}")
    assert huge_number.status_code == 400 and "The file is not valid JSON" in huge_number.get_data(as_text=True)
    far_off = manager.post("/rota/import", {**form, "import-start": "9999-12-27",
                                            "import-file": (BytesIO(exported), "rota.json")},
                           form_page="/rota/", content_type="multipart/form-data")
    assert far_off.status_code == 400 and "Enter a date within five years of today." in far_off.get_data(as_text=True)
    imported = upload(exported)
    assert imported.status_code == 302
    page = client.get(imported.headers["Location"]).get_data(as_text=True)
    assert "The file is imported as a draft." in page and "The rota keeps every rule" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RotaVersion)) == 2


def test_managers_see_only_rotas_of_their_services(app, client, auth, demo_data):
    with app.app_context():
        version_id = make_draft()
    auth.login("gareth.lloyd@" + demo.DOMAIN)  # manages perinatal and carers only
    response = client.get(f"/rota/versions/{version_id}")
    assert response.status_code == 404
    assert "There is no rota at this address that you manage." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [MANAGER, OWNER])
def test_a_rota_version_that_does_not_exist_is_not_found_not_forbidden(app, client, auth, demo_data, role):
    """Every page and form of a version: an address no rota has answers 404 with words, like a rota of services
    the manager does not manage, never 403 (which would say the role is wrong)."""
    auth.login_demo(role)
    missing = "/rota/versions/99999"
    for path in ("", "/rota.json", "/scenario.json", "/shifts/1/edit"):
        response = client.get(missing + path)
        assert response.status_code == 404, path
        assert "There is no rota at this address that you manage." in response.get_data(as_text=True)
    for path in ("/approve", "/publish", "/discard", "/overrides", "/shifts", "/shifts/1/remove", "/shifts/1/edit"):
        response = auth.post(missing + path, {"reason": "Covered by open shifts"}, form_page="/rota/")
        assert response.status_code == 404, path
        assert "There is no rota at this address that you manage." in response.get_data(as_text=True)


def test_my_activity_record_adds_up_my_published_work_by_month(app, client, auth, demo_data):
    monday = next_monday() - timedelta(weeks=8)
    with app.app_context():
        version_id = make_draft(start=monday)
        publish_draft(version_id)
        ella = person(VOLUNTEER)
        expected = {}
        for shift in db.session.get(RotaVersion, version_id).shifts:
            if shift.staff_id == ella.id and shift.day <= local_today() and shift.kind == "presence":
                key = (shift.day.strftime("%Y-%m"), shift.service.name)
                shifts, minutes = expected.get(key, (0, 0))
                expected[key] = (shifts + 1, minutes + shift.end_minute - shift.start_minute)
        assert expected, "the demo volunteer should have worked in the past rota"
        worked = next(iter(expected))[1]  # a service she worked for gets a name a spreadsheet would run
        db.session.scalar(sa.select(Service).where(Service.name == worked)).name = "=" + worked
        db.session.commit()
    auth.login_demo(VOLUNTEER)
    response = client.get("/rota/mine/activity.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-moderation-activity.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Month", "Service", "Shifts on duty", "Hours on duty", "Moderation checks", "Hours on call"]
    got = {(month, service.removeprefix("'")): (int(shifts), round(float(hours) * 60))
           for month, service, shifts, hours, _checks, _on_call in rows[1:]}
    assert got == {(month, "=" + name if name == worked else name): figures
                   for (month, name), figures in expected.items()}
    assert all(not service.startswith("=") for _month, service, *_ in rows[1:])  # no formula for a spreadsheet


def test_a_broken_contract_limit_is_accepted_with_a_reason_and_a_broken_availability_never(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        db.session.get(Contract, ella.id).max_hours_week = 1  # every week she works now breaks rule 6
        ella_id, eating_id = ella.id, services("eating-disorders")[0].id
        db.session.commit()
    page_url = f"/rota/versions/{version_id}"
    manager.post(page_url + "/shifts", {"staff": ella_id, "service": eating_id, "kind": "presence",
                                        "day": next_monday().isoformat(), "start": "09:00", "end": "13:00"},
                 form_page=page_url)

    def broken(rule):
        with app.app_context():
            return [v.message for v in versions.review(db.session.get(RotaVersion, version_id)).violations
                    if v.rule == rule]

    assert "Accept with a reason" in client.get(page_url).get_data(as_text=True)
    hard = manager.post(page_url + "/overrides", {"message": broken(3)[0], "reason": "She offered to come in"},
                        form_page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "Only contract limits (hours, days, rest, weekends) can be accepted" in hard
    short = manager.post(page_url + "/overrides", {"message": broken(6)[0], "reason": "ok"}, form_page=page_url,
                         follow_redirects=True).get_data(as_text=True)
    assert "Give the reason in at least 10 characters" in short
    none = manager.post(page_url + "/overrides", {"message": broken(6)[0], "reason": ""}, form_page=page_url,
                        follow_redirects=True).get_data(as_text=True)
    assert "Give the reason." in none and "The broken rule is accepted" not in none
    with app.app_context():
        version = db.session.get(RotaVersion, version_id)
        outside = next(s for s in version.shifts if s.staff_id == ella_id and s.start_minute == 9 * 60)
        editing.remove_shift(version, shift_id=outside.id)
        with pytest.raises(UserError, match=f"breaks {len(broken(6))} rule"):
            publishing.approve(version, person(OWNER))

    hours = broken(6)
    for message in hours:
        accepted = manager.post(page_url + "/overrides", {"message": message, "reason": "Agreed extra hours by phone"},
                                form_page=page_url, follow_redirects=True).get_data(as_text=True)
        assert "The broken rule is accepted, with your reason on record." in accepted
    assert "Accepted</span> by Priya Shah" in accepted and "Agreed extra hours by phone" in accepted
    with app.app_context():
        version = db.session.get(RotaVersion, version_id)
        publishing.approve(version, person(OWNER))
        assert version.status == "approved"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "rota.rule_overridden")) == len(hours)


def test_a_run_too_large_to_search_in_its_time_keeps_the_first_rota_and_says_so(app, client, manager, monkeypatch):
    """As if this machine set models up a thousand times slower: the optimiser keeps its first rota at once and
    the run says why, in words, rather than running three times over its time."""
    from rota import solver
    monkeypatch.setattr(solver, "BUILD_SECONDS_PER_UNIT", 0.7)
    state = _made(app, client, manager, next_monday())
    assert re.match(r"Kept the first rota the optimiser made: for these services and weeks, setting up one search "
                    r"of them all would take about \d+ min( \d+ s)?, more than half the 5 s allowed\. Give it more "
                    r"time, or fewer services or weeks, for a better rota\.", state["message"]), state["message"]
    assert "The rota keeps every rule" in client.get(state["version_url"]).get_data(as_text=True)


def test_a_run_too_large_to_search_whole_is_made_a_few_services_at_a_time_and_says_so(app, client, manager,
                                                                                      monkeypatch):
    """As if this machine set models up so slowly that the three services together would take 1.2 times half the
    run's 5 s to set up, and the largest alone a little under a third of it: the run makes the rota a service
    or two at a time, and says so in words."""
    from rota import parts, solver
    start = next_monday()
    with app.app_context():
        chosen = services(*PRIYAS_SERVICES)
        problem = problems.build_problem(chosen, start, 28)
        largest = max(parts.units(problem, frozenset({service.id})) for service in problem.services.values())
    slowness = 1.2 * 2.5 / parts.units(problem)
    assert largest * slowness < 0.3 * 5, "each service alone fits a part"
    monkeypatch.setattr(solver, "BUILD_SECONDS_PER_UNIT", slowness)
    state = _made(app, client, manager, start)
    assert re.match(r"Made the rota a few services at a time: for these services and weeks, setting up one search of "
                    r"them all would take about 3 s, more than half the 5 s allowed\. It searched 1 group of services "
                    r"in turn; (1|none) came out better\. Give it more time for a better rota\.",
                    state["message"]), state["message"]
    assert "The rota keeps every rule" in client.get(state["version_url"]).get_data(as_text=True)


def test_the_draft_shows_rostered_hours_against_what_covering_every_standard_takes(app, client, manager):
    """The demo low-risk service asks for 4 checks of 30 minutes a day; a draft of its 4 weeks that doubles one
    day's checks rosters 2 hours more than the 56 hours its standard takes."""
    with app.app_context():
        low = services("demo-low")[0]
        standard = problems.standard_of(low).checks
        assert (standard.per_day, standard.minutes) == (4, 30)
        version_id = make_draft(("demo-low",))
        version = db.session.get(RotaVersion, version_id)
        first_day = [s for s in version.shifts if s.kind == "check" and s.day == next_monday()]
        version.shifts.extend(Shift(staff_id=s.staff_id, service_id=low.id, kind="check", day=s.day,
                                    start_minute=s.start_minute + 60, end_minute=s.end_minute + 60)
                              for s in first_day)
        db.session.commit()
    page = client.get(f"/rota/versions/{version_id}").get_data(as_text=True)
    rostered = page.split('id="rostered">')[1].split("</dd>")[0]
    assert rostered == ('58 h; covering every standard takes at least 56 h. <span id="surplus">2 h more than the '
                        'standards need: 2 h of work nothing needs, which can come off.</span>'), rostered


def test_the_draft_marks_each_uncovered_window_by_service_and_time_of_day(app, client, manager):
    with app.app_context():
        version_id, day, start, end = draft_without_an_evening()
    week, weekday = divmod((day - next_monday()).days, 7)
    page = client.get(f"/rota/versions/{version_id}?week={week}").get_data(as_text=True)
    grid = page.split("<h3>Services by time of day</h3>")[1].split("<h3>People by day</h3>")[0]
    rows = {row.split("</th>")[0].split(">")[-1]: row for row in grid.split('<th scope="row">')[1:]}
    cells = rows["Eating disorders"].split("<td")[1:]
    assert len(cells) == 7  # one week at a time
    short = cells[weekday]
    assert 'class="cover--short"' in short
    assert f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d} nobody on duty" in short
    assert f'class="bar bar--uncovered" x="{start}"' in short
    assert sum('class="cover--short"' in cell for cell in cells) == 1
    assert all('class="cover--ok"' in cell for row in rows.values() if row is not rows["Eating disorders"]
               for cell in row.split("<td")[1:])
    assert "4 of 4 checks; longest gap" in rows["Demo low-risk service"]


def test_the_rota_grid_shows_a_week_at_a_time_with_filters_and_shifts_open_on_their_own_page(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        ella = person(VOLUNTEER)
        version = db.session.get(RotaVersion, version_id)
        her_shift = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
        week, shift_id = (her_shift.day - next_monday()).days // 7, her_shift.id
    base = f"/rota/versions/{version_id}"
    page = client.get(f"{base}?week={week}").get_data(as_text=True)
    assert f"Week {week + 1} of 4" in page
    assert "Remove" not in page.split("<h3>People by day</h3>")[1]  # actions are on each shift's own page
    assert f'href="{base}/shifts/{shift_id}/edit"' in page
    hers = client.get(f"{base}?week={week}&person={ella.id}").get_data(as_text=True).split("<h3>People by day</h3>")[1]
    assert hers.count('<th scope="row">') == 1 and "Ella Robinson" in hers
    only = client.get(f"{base}?week={week}&service=demo-low").get_data(as_text=True)
    grid = only.split("<h3>Services by time of day</h3>")[1].split("<h3>People by day</h3>")[0]
    assert "Demo low-risk service" in grid and "Eating disorders" not in grid
    assert client.get(f"{base}?week=99&person=abc&service=nope").status_code == 200
    shift_page = client.get(f"{base}/shifts/{shift_id}/edit").get_data(as_text=True)
    assert "Remove this shift" in shift_page and "Ella Robinson" in shift_page
    with app.app_context():
        other = make_draft()
    elsewhere = client.get(f"/rota/versions/{other}/shifts/{shift_id}/edit")
    assert elsewhere.status_code == 404
    assert "There is no shift at this address in this rota." in elsewhere.get_data(as_text=True)


def test_a_supervised_shift_added_by_hand_gets_a_clinician_on_call(app, client, manager):
    with app.app_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        ella = person(VOLUNTEER)
        evening = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
        day, service_id, start, end = evening.day, evening.service_id, evening.start_minute, evening.end_minute
        for shift in [s for s in version.shifts if s.day == day and s.service_id == service_id
                      and (s.kind == "on_call" or s.id == evening.id)]:
            version.shifts.remove(shift)
        db.session.commit()
        ella_id = ella.id
    page_url = f"/rota/versions/{version_id}"
    added = manager.post(page_url + "/shifts", {
        "staff": ella_id, "service": service_id, "kind": "presence", "day": day.isoformat(),
        "start": f"{start // 60:02d}:{start % 60:02d}", "end": f"{end // 60:02d}:{end % 60:02d}"},
        form_page=page_url, follow_redirects=True).get_data(as_text=True)
    assert "put on call to supervise it. The draft keeps every rule." in added
    with app.app_context():
        on_call = [s for s in db.session.get(RotaVersion, version_id).shifts
                   if s.day == day and s.service_id == service_id and s.kind == "on_call"]
        assert on_call and all(Role.CLINICAL_MODERATOR in s.staff.roles for s in on_call)
        assert min(s.start_minute for s in on_call) <= start and max(s.end_minute for s in on_call) >= end


def test_the_rota_page_shows_the_draft_behind_each_published_window_and_my_week_by_week(app, client, auth,
                                                                                       demo_data):
    with app.app_context():
        publish_draft(make_draft())
        behind = make_draft(start=next_monday() + timedelta(weeks=4))
        last = db.session.get(RotaVersion, behind).last_date
    auth.login_demo(MANAGER)
    page = client.get("/rota/").get_data(as_text=True)
    row = page.split("<th scope=\"row\">Eating disorders")[1].split("</tr>")[0]
    assert f"Rota {behind}</a> to {last:%a %d %b} (draft)" in row
    auth.logout()
    auth.login_demo(VOLUNTEER)
    mine = client.get("/rota/mine").get_data(as_text=True)
    assert f"<caption>Week of {next_monday():%a %d %b}</caption>" in mine


def test_two_requests_at_the_same_moment_make_one_run(app, demo_data):
    def ask():
        manager, chosen = person(MANAGER), services(*PRIYAS_SERVICES)
        return lambda: flows.start_run(manager, services=chosen, start=next_monday(), weeks=4, seconds=5)

    outcomes = [result.message.split(" for ")[0] if isinstance(result, UserError) else "queued"
                for result in at_the_same_moment(app, ask, ask)]
    assert sorted(outcomes) == ["A rota is already being made", "queued"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RotaRun)) == 1


def test_a_shift_is_moved_to_someone_else_and_checked_at_once(app, client, manager):
    with app.app_context():
        publish_draft(make_draft())
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        ella = person(VOLUNTEER)
        shift = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
        shift_id, day, service_id, service = shift.id, shift.day, shift.service_id, shift.service.name
        clinician = person(Role.CLINICAL_MODERATOR)
        clinician_id, clinician_name = clinician.id, clinician.name
    page_url = f"/rota/versions/{version_id}"
    edit_url = f"{page_url}/shifts/{shift_id}/edit"
    form_page = client.get(edit_url).get_data(as_text=True)
    assert f'<option selected value="{ella.id}">' in form_page and 'value="17:00"' in form_page

    moved = manager.post(edit_url, {"staff": clinician_id, "service": service_id, "kind": "presence",
                                    "day": day.isoformat(), "start": "12:00", "end": "17:00"},
                         follow_redirects=True).get_data(as_text=True)
    assert f"Moved: Ella Robinson, {service}, {day:%a %d %b} 17:00–22:00 is now {clinician_name}, {service}, " \
        f"{day:%a %d %b} 12:00–17:00." in moved
    assert "Who changes" in moved and f"{clinician_name}: 1 added" in moved
    with app.app_context():
        shift = db.session.get(Shift, shift_id)
        assert (shift.staff_id, shift.start_minute, shift.end_minute) == (clinician_id, 12 * 60, 17 * 60)
        assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "rota.shift_moved"

    backwards = manager.post(edit_url, {"staff": clinician_id, "service": service_id, "kind": "presence",
                                        "day": day.isoformat(), "start": "17:00", "end": "12:00"})
    assert backwards.status_code == 400 and "The end must come after the start." in backwards.get_data(as_text=True)


@pytest.mark.parametrize("first_state", ["published", "approved"])
def test_rotas_made_in_separate_runs_keep_every_contract_between_them(app, client, manager, first_state):
    """Ella volunteers 10 hours and 3 days a week; two of her evenings are in Eating disorders' rota already."""
    with app.app_context():
        ella = person(VOLUNTEER).id
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60), (1, 17 * 60, 22 * 60)], ella, first_state)
        by_hand = version_with("early-intervention-psychosis", [(3, 17 * 60, 22 * 60)], ella, "draft")
        assert [str(v) for v in versions.review(db.session.get(RotaVersion, by_hand)).violations if v.rule == 6] \
            == ["Weekly hours and days: Ella Robinson: 15 hours in week 1 (counting shifts already rostered for "
                "Eating disorders), more than the 10 allowed"]
        engine_made = make_draft(("early-intervention-psychosis",))
        assert versions.review(db.session.get(RotaVersion, engine_made)).violations == []
        assert not [s for s in db.session.get(RotaVersion, engine_made).shifts
                    if s.staff_id == ella and s.kind != "on_call" and (s.day - next_monday()).days < 7]
    page = client.get(f"/rota/versions/{by_hand}").get_data(as_text=True)
    assert "Checked together with the shifts already published or approved for Eating disorders: 2 shifts of 1 " \
           "person on this rota, which count towards" in page


def test_a_draft_broken_by_a_rota_published_after_it_is_made_again_around_it(app, client, manager):
    """Priya makes a draft for Early intervention in psychosis while another rota is being settled; Ella's evening in
    it is then published for Eating disorders too. The draft breaks a rule against it, and one click makes it again
    for the same service and weeks, around what is published now."""
    with app.app_context():
        draft = make_draft(("early-intervention-psychosis",))
        shift = next(s for s in db.session.get(RotaVersion, draft).shifts if s.kind == "presence")
        version_with("eating-disorders", [((shift.day - next_monday()).days, shift.start_minute, shift.end_minute)],
                     shift.staff_id, "published")
    page = client.get(f"/rota/versions/{draft}").get_data(as_text=True)
    assert "Overlapping shifts" in page and "Make this draft again around what is published now" in page
    again = manager.post(f"/rota/versions/{draft}/again", form_page=f"/rota/versions/{draft}")
    assert again.status_code == 302 and again.headers["Location"].startswith("/rota/runs/")
    with app.app_context():
        run = db.session.scalar(sa.select(RotaRun).order_by(RotaRun.id.desc()))
        assert ([s.slug for s in run.services], run.start_date, run.days, run.seconds) == (
            ["early-intervention-psychosis"], next_monday(), 28, flows.DEFAULT_SECONDS)
        assert db.session.get(RotaVersion, draft) is not None  # kept until discarded
        publish_draft(draft_id := make_draft(("demo-low",)))
    refused = manager.post(f"/rota/versions/{draft_id}/again", form_page=f"/rota/versions/{draft_id}",
                           follow_redirects=True).get_data(as_text=True)
    assert "Only a draft is made again" in refused
