"""Availability, unavailability and leave kept by each person; leave decisions and contracts kept by managers."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEntry
from console.database import local_today
from console.extensions import db
from console.permissions import Role
from console.rotas import open_shifts
from console.rotas import problem as problems
from console.staffing.models import AvailabilityWindow, Contract, LeaveRequest, Unavailability
from tests.factories import PRIYAS_SERVICES, make_draft, make_staff, next_monday, person, publish_draft, services
from tests.helpers import AuthActions, run_queued_tasks

MANAGER, OWNER, VOLUNTEER = Role.TEAM_MANAGER, Role.OWNER, Role.VOLUNTEER
MINE = "/staffing/mine"


def page(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def ask_for_leave(auth: AuthActions, first, last, note="Family holiday"):
    return auth.post(f"{MINE}/leave", {"leave-first_day": first.isoformat(), "leave-last_day": last.isoformat(),
                                       "leave-note": note}, form_page=MINE)


@pytest.fixture
def volunteer(auth, demo_data):
    auth.login_demo(VOLUNTEER)
    return auth


def test_a_volunteer_keeps_their_weekly_availability(app, client, volunteer):
    clash = volunteer.post(f"{MINE}/availability", {"weekly-weekday": "0", "weekly-start": "18:00",
                                                     "weekly-end": "20:00"}, form_page=MINE)
    assert clash.status_code == 400
    assert "That overlaps Monday 17:00–22:00, which is already there" in clash.get_data(as_text=True)

    backwards = volunteer.post(f"{MINE}/availability", {"weekly-weekday": "0", "weekly-start": "12:00",
                                                         "weekly-end": "09:00"}, form_page=MINE)
    assert "The end must come after the start." in backwards.get_data(as_text=True)

    added = volunteer.post(f"{MINE}/availability", {"weekly-weekday": "0", "weekly-start": "09:00",
                                                     "weekly-end": "12:00"}, form_page=MINE, follow_redirects=True)
    assert "Availability added." in added.get_data(as_text=True)
    assert "Monday 09:00–12:00" in page(client, MINE)
    with app.app_context():
        ella = person(VOLUNTEER)
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        windows = [(min(w.days), w.start, w.end) for w in problem.staff[str(ella.id)].availability]
        assert (0, 9 * 60, 12 * 60) in windows
        window_id = db.session.scalar(sa.select(AvailabilityWindow.id).where(
            AvailabilityWindow.staff_id == ella.id, AvailabilityWindow.start_minute == 9 * 60))
        someone_else = db.session.scalar(sa.select(AvailabilityWindow.id).where(
            AvailabilityWindow.staff_id != ella.id))

    refused = volunteer.post(f"{MINE}/availability/{someone_else}/remove", form_page=MINE, follow_redirects=True)
    assert "There is no weekly availability at this address for this person." in refused.get_data(as_text=True)
    removed = volunteer.post(f"{MINE}/availability/{window_id}/remove", form_page=MINE, follow_redirects=True)
    assert "Availability removed." in removed.get_data(as_text=True)
    assert "Monday 09:00–12:00" not in page(client, MINE)


def test_one_off_unavailability_keeps_a_person_off_new_rotas(app, client, volunteer):
    yesterday = local_today() - timedelta(days=1)
    past = volunteer.post(f"{MINE}/unavailability", {"off-day": yesterday.isoformat(), "off-start": "00:00",
                                                      "off-end": "24:00"}, form_page=MINE)
    assert past.status_code == 400 and "has passed" in past.get_data(as_text=True)

    day = next_monday() + timedelta(days=2)
    volunteer.post(f"{MINE}/unavailability", {"off-day": day.isoformat(), "off-start": "00:00", "off-end": "24:00"},
                   form_page=MINE)
    assert f"{day:%a %d %b %Y} (all day)" in page(client, MINE)
    with app.app_context():
        ella = person(VOLUNTEER)
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        assert [(u.date, u.start, u.end) for u in problem.staff[str(ella.id)].unavailable] == [(day, 0, 1440)]


def test_a_person_takes_back_only_their_own_unavailability_and_leave(app, volunteer):
    """Someone else's is not at this address, as one that does not exist: nothing is removed or cancelled."""
    with app.app_context():
        someone_else, day = person(MANAGER), next_monday() + timedelta(days=2)
        off = Unavailability(staff_id=someone_else.id, day=day)
        leave = LeaveRequest(staff_id=someone_else.id, first_day=day, last_day=day)
        db.session.add_all([off, leave])
        db.session.commit()
        off_id, leave_id = off.id, leave.id
    refused = volunteer.post(f"{MINE}/unavailability/{off_id}/remove", form_page=MINE, follow_redirects=True)
    assert "There is no unavailability at this address for this person." in refused.get_data(as_text=True)
    refused = volunteer.post(f"{MINE}/leave/{leave_id}/cancel", form_page=MINE, follow_redirects=True)
    assert "There is no leave request at this address for this person." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Unavailability, off_id) is not None
        assert db.session.get(LeaveRequest, leave_id).status == "requested"


def test_approved_leave_turns_the_persons_published_shifts_into_open_shifts(
        app, client, volunteer, smtp_server):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(VOLUNTEER)
        first_shift = problems.published_shifts(start=next_monday(), last=next_monday() + timedelta(days=27),
                                                staff_ids=[ella.id])[0]
    first = first_shift.day
    wrong_way = ask_for_leave(volunteer, first + timedelta(days=2), first)
    assert "The last day of leave comes on or after the first." in wrong_way.get_data(as_text=True)
    asked = ask_for_leave(volunteer, first, first + timedelta(days=2))
    assert "Leave requested." in client.get(asked.headers["Location"]).get_data(as_text=True)
    overlapping = ask_for_leave(volunteer, first + timedelta(days=1), first + timedelta(days=5))
    assert "You already have leave requested" in overlapping.get_data(as_text=True)

    volunteer.logout()
    volunteer.login_demo(MANAGER)
    with app.app_context():
        leave_id = db.session.scalar(sa.select(LeaveRequest.id))
    decide = f"/staffing/leave/{leave_id}/decide"
    listing = page(client, "/staffing/leave")
    assert "Ella Robinson" in listing and "Family holiday" in listing and "3 days, asked" in listing
    no_reason = volunteer.post(decide, {f"leave-{leave_id}-decision": "reject"}, form_page="/staffing/leave")
    assert "Give a reason when you reject leave" in no_reason.get_data(as_text=True)

    approved = volunteer.post(decide, {f"leave-{leave_id}-decision": "approve"}, form_page="/staffing/leave",
                              follow_redirects=True).get_data(as_text=True)
    assert "Leave for Ella Robinson approved." in approved
    opened = f"{first_shift.service.name}, {first:%a %d %b} {first_shift.start_minute // 60:02d}:"
    assert "Ella Robinson&#39;s published shifts in this leave are open shifts now" in approved and opened in approved
    rota_page = page(client, "/rota/")
    assert "Open in the published rota" in rota_page
    assert f"{first_shift.service.name}, {first:%a %d %b}".replace("'", "&#39;") in rota_page.split(
        "Open in the published rota")[1]
    run_queued_tasks(app)  # the outbox's sender, as the task queue's consumer runs it
    email = smtp_server.last_to(ella.email)
    assert email["Subject"] == "Your leave request has been approved"
    with app.app_context():
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        assert first in problem.staff[str(ella.id)].leave
        assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.target == f"leave:{leave_id}")
                                 .order_by(AuditEntry.id.desc())) == "leave.approved"
        in_leave = problems.published_shifts(start=first, last=first + timedelta(days=2), staff_ids=[ella.id])
        assert in_leave == []  # off the rota: the window is an open shift for someone else
        colleagues = [p for p in problems.rostered_staff([first_shift.service]) if p.id != ella.id
                      and problems.engine_role(p) == problems.engine_role(ella)]
        assert any(o.day == first and o.service.id == first_shift.service_id
                   for colleague in colleagues for o in open_shifts.offers(colleague, today=local_today())), \
            "the window Ella left is offered to a colleague who could take it"
    again = volunteer.post(decide, {f"leave-{leave_id}-decision": "reject", f"leave-{leave_id}-note": "No"},
                           form_page="/staffing/leave")
    assert again.status_code == 400


def test_a_manager_does_not_decide_leave_outside_their_services_or_their_own(app, client, auth, demo_data):
    with app.app_context():
        priya = person(MANAGER)
        own = LeaveRequest(staff_id=priya.id, first_day=next_monday(), last_day=next_monday())
        db.session.add(own)
        db.session.commit()
        own_id, owner_id = own.id, person(OWNER).id
    auth.login_demo(OWNER)
    response = auth.post(f"/staffing/leave/{own_id}/decide", {f"leave-{own_id}-decision": "approve"},
                         form_page="/staffing/leave")
    assert "That leave request is not one you decide." in response.get_data(as_text=True)
    assert client.get(f"/staffing/people/{owner_id}").status_code == 404  # the owner is not rostered


def test_a_manager_sets_a_contract_and_the_engine_uses_it(app, client, auth, demo_data):
    auth.login_demo(MANAGER)
    with app.app_context():
        ella = person(VOLUNTEER)
    path = f"/staffing/people/{ella.id}"
    terms = {"min_hours_week": "0", "max_hours_week": "6", "max_days_week": "2", "max_consecutive_days": "2",
             "min_rest_hours": "11", "max_weekends": "1"}
    volunteer_minimum = auth.post(path + "/contract", {**terms, "min_hours_week": "4"}, form_page=path)
    assert volunteer_minimum.status_code == 400
    assert "Volunteers have no minimum hours" in volunteer_minimum.get_data(as_text=True)
    too_many = auth.post(path + "/contract", {**terms, "max_days_week": "9"}, form_page=path)
    assert "Enter 0 to 7 days." in too_many.get_data(as_text=True)

    saved = auth.post(path + "/contract", terms, form_page=path, follow_redirects=True)
    assert "Contract for Ella Robinson saved." in saved.get_data(as_text=True)
    for name, shown in (("min_hours_week", "0"), ("max_hours_week", "6"), ("min_rest_hours", "11")):
        assert re.search(rf'<input[^>]* name="{name}"[^>]* value="{shown}">', saved.get_data(as_text=True)), \
            "hours as a person writes them, not 0.0"
    assert "up to 6" in page(client, "/staffing/people")
    with app.app_context():
        assert db.session.get(Contract, ella.id).max_days_week == 2
        contract = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28).staff[str(ella.id)].contract
        assert (contract.max_hours_week, contract.max_weekends) == (6.0, 1)
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "contract.updated"))
        assert entry.details["max_hours_week"] == [10.0, 6.0]


def test_a_new_contract_asks_for_no_minimum_and_the_form_says_what_a_minimum_does(app, client, auth, demo_data):
    """Moderation is most people's part of a wider job: a minimum is for a moderation post, and the optimiser gives
    it even where no standard needs it."""
    with app.app_context():
        newcomer = make_staff("new.moderator@trust.example.org", name="Nia Newcomer",
                              services_=services("eating-disorders"))
        newcomer_id = newcomer.id
    auth.login_demo(MANAGER)
    path = f"/staffing/people/{newcomer_id}"
    shown = html.unescape(page(client, path))
    assert re.search(r'<input[^>]* name="min_hours_week"[^>]* value="0">', shown)
    assert ("Leave at 0 unless this person's post is for moderation (a bank or peer post): the optimiser will give "
            "this person at least these hours every week, even where no standard needs them.") in shown
    assert "The optimiser rosters only the hours the standards need, up to this." in shown
    assert "Nia Newcomer" in page(client, "/staffing/people")
    terms = dict(re.findall(r'<input[^>]* name="(\w+_\w+)"[^>]* value="([^"]*)">', shown))
    saved = auth.post(path + "/contract", terms, form_page=path, follow_redirects=True)
    assert "Contract for Nia Newcomer saved." in saved.get_data(as_text=True)
    assert "up to 37.5" in page(client, "/staffing/people")
    with app.app_context():
        assert db.session.get(Contract, newcomer_id).min_hours_week == 0
        problem = problems.build_problem(services("eating-disorders"), next_monday(), 28)
        assert problem.staff[str(newcomer_id)].contract.min_hours_week == 0
