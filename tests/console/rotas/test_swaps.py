"""Swaps: a person asks a colleague to take a published shift; the rules decide, then a manager or the service."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEntry
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.rotas import problem as problems
from console.rotas import swaps
from console.rotas.models import CoverageStandard, RotaVersion, Shift, SwapRequest
from console.staffing.models import AvailabilityWindow, Contract
from console.services.models import Service
from tests.factories import PASSWORD, make_draft, make_staff, next_monday, person, publish_draft
from tests.helpers import AuthActions, run_queued_tasks, text_of

VOLUNTEER = Role.VOLUNTEER
NEWCOMER = "new.volunteer@trust.example.org"


def published_evening_shift() -> Shift:
    """The demo volunteer's first published presence shift of Priya's rota."""
    publish_draft(make_draft())
    ella = person(VOLUNTEER)
    return next(s for s in problems.published_shifts(start=next_monday(), last=next_monday() + timedelta(days=27),
                                                     staff_ids=[ella.id]) if s.kind == "presence")


def newcomer_for(service: Service):
    """A volunteer with free evenings all week, trained for the service, and nothing on the rota yet."""
    staff = make_staff(NEWCOMER, roles=(VOLUNTEER,), services_=[service], name="Noor Haddad")
    db.session.add(Contract(staff_id=staff.id, min_hours_week=0, max_hours_week=10, max_days_week=3))
    db.session.add_all(AvailabilityWindow(staff_id=staff.id, weekday=d, start_minute=17 * 60, end_minute=22 * 60)
                       for d in range(7))
    db.session.commit()
    return staff


def test_a_swap_both_agree_waits_for_a_manager_then_moves_the_shift(app, client, auth: AuthActions, demo_data,
                                                                    smtp_server):
    with app.app_context():
        shift = published_evening_shift()
        shift_id, what, service_id = shift.id, f"{shift.day:%a %d %b}", shift.service_id
        noor = newcomer_for(shift.service)
        noor_id = noor.id
        manager_email, ella_email = person(Role.TEAM_MANAGER).email, person(VOLUNTEER).email
    auth.login_demo(VOLUNTEER)
    form_page = f"/rota/mine/shifts/{shift_id}/swap"
    assert "Noor Haddad" in client.get(form_page).get_data(as_text=True)
    asked = auth.post(form_page, {"to_staff": noor_id, "note": "Family wedding"}, follow_redirects=True)
    assert "Asked. You keep the shift until they accept and a manager approves." in asked.get_data(as_text=True)
    run_queued_tasks(app)  # the outbox's sender, as the task queue's consumer runs it
    assert "Family wedding" in text_of(smtp_server.last_to(NEWCOMER))
    again = auth.post(form_page, {"to_staff": noor_id})
    assert "You have already asked someone to take this shift" in again.get_data(as_text=True)
    auth.logout()

    auth.login(NEWCOMER, PASSWORD)
    page = client.get("/rota/mine").get_data(as_text=True)
    assert "Ella Robinson</strong> asks you to take" in page
    with app.app_context():
        request_id = db.session.scalar(sa.select(SwapRequest.id))
    accepted = auth.post(f"/rota/mine/swaps/{request_id}/accept", form_page="/rota/mine", follow_redirects=True)
    assert "Accepted. A manager approves it before the shift moves." in accepted.get_data(as_text=True)
    run_queued_tasks(app)
    assert "A swap is waiting for your approval" in str(smtp_server.last_to(manager_email)["Subject"])
    auth.logout()

    auth.login_demo(Role.TEAM_MANAGER)
    assert "Noor Haddad to take" in client.get("/rota/").get_data(as_text=True)
    approved = auth.post(f"/rota/swaps/{request_id}/approve", form_page="/rota/", follow_redirects=True)
    assert "Swap approved and published" in approved.get_data(as_text=True)
    with app.app_context():
        day = db.session.get(Shift, shift_id).day
        on_duty = {s.staff_id for s in problems.published_shifts(start=day, last=day, service_ids=[service_id])
                   if s.kind == "presence"}
        assert noor_id in on_duty and person(VOLUNTEER).id not in on_duty
        assert db.session.scalar(sa.select(RotaVersion.note).order_by(RotaVersion.id.desc())) == \
            "Swap: Ella Robinson to Noor Haddad"
        assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "swap.done"
    run_queued_tasks(app)
    told = smtp_server.last_to(ella_email)
    assert str(told["Subject"]) == "Swap approved" and what in text_of(told)


def asked_and_accepted(app, auth: AuthActions, shift_id: int, noor_id: int):
    """The demo volunteer asks Noor to take the shift, and Noor accepts: the request's id and Noor's answer."""
    auth.login_demo(VOLUNTEER)
    auth.post(f"/rota/mine/shifts/{shift_id}/swap", {"to_staff": noor_id})
    auth.logout()
    auth.login(NEWCOMER, PASSWORD)
    with app.app_context():
        request_id = db.session.scalar(sa.select(SwapRequest.id))
    return request_id, auth.post(f"/rota/mine/swaps/{request_id}/accept", form_page="/rota/mine",
                                 follow_redirects=True)


def test_a_swap_that_breaks_a_rule_is_refused_when_accepted(app, client, auth: AuthActions, demo_data):
    with app.app_context():
        shift = published_evening_shift()
        shift_id = shift.id
        noor = newcomer_for(shift.service)
        noor_id = noor.id
        db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.staff_id == noor_id))
        db.session.commit()
    request_id, refused = asked_and_accepted(app, auth, shift_id, noor_id)
    text = refused.get_data(as_text=True)
    assert "Noor Haddad cannot take" in text and "outside Noor Haddad&#39;s availability" in text
    with app.app_context():
        assert db.session.get(SwapRequest, request_id).status == "asked"


def test_a_service_that_allows_it_applies_an_agreed_swap_at_once(app, client, auth: AuthActions, demo_data):
    with app.app_context():
        shift = published_evening_shift()
        shift_id, service_id = shift.id, shift.service_id
        noor_id = newcomer_for(shift.service).id
        standard = CoverageStandard(service_id=service_id, document={"presence": [
            {"days": [0, 1, 2, 3, 4, 5, 6], "start": "08:00", "end": "17:00", "roles": ["clinical", "non_clinical"]},
            {"days": [0, 1, 2, 3, 4, 5, 6], "start": "17:00", "end": "22:00", "roles": ["champion", "volunteer"]}]},
            auto_approve_swaps=True)
        db.session.add(standard)
        db.session.commit()
    auth.login_demo(VOLUNTEER)
    asked = auth.post(f"/rota/mine/shifts/{shift_id}/swap", {"to_staff": noor_id}, follow_redirects=True)
    assert "You keep the shift until they accept." in asked.get_data(as_text=True)
    auth.logout()
    auth.login(NEWCOMER, PASSWORD)
    with app.app_context():
        request_id = db.session.scalar(sa.select(SwapRequest.id))
    done = auth.post(f"/rota/mine/swaps/{request_id}/accept", form_page="/rota/mine", follow_redirects=True)
    assert "Done: the shift is yours and in your calendar." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SwapRequest, request_id).status == "done"


def test_nobody_swaps_someone_else_s_shift(app, client, auth: AuthActions, demo_data):
    with app.app_context():
        shift_id = published_evening_shift().id
    auth.login_demo(Role.CLINICAL_MODERATOR)
    assert client.get(f"/rota/mine/shifts/{shift_id}/swap").status_code == 404


def test_a_manager_who_is_part_of_a_swap_cannot_decide_it(app, demo_data):
    with app.app_context():
        shift = published_evening_shift()
        noor = newcomer_for(shift.service)
        asked = swaps.ask(person(VOLUNTEER), shift_id=shift.id, to_staff_id=noor.id, note="", today=next_monday()
                          - timedelta(days=1))
        swaps.answer(noor, request_id=asked.id, accept=True)
        assert db.session.get(SwapRequest, asked.id).status == "agreed"
        noor.roles = [VOLUNTEER, Role.TEAM_MANAGER]
        db.session.commit()
        with pytest.raises(UserError, match="You are part of this swap"):
            swaps.decide(noor, request_id=asked.id, approve=True)
        assert db.session.get(SwapRequest, asked.id).status == "agreed"


def test_a_swap_counts_the_work_the_colleague_has_for_other_services(app, client, auth: AuthActions, demo_data):
    with app.app_context():
        shift = published_evening_shift()
        shift_id, day = shift.id, shift.day
        noor = newcomer_for(shift.service)  # 10 hours and 3 days a week
        noor_id = noor.id
        other = db.session.scalar(sa.select(Service).where(Service.slug == "young-people"))
        monday = day - timedelta(days=day.weekday())
        others = [monday + timedelta(days=d) for d in range(7) if monday + timedelta(days=d) != day][:2]
        db.session.add(RotaVersion(start_date=monday, days=7, created_by_id=noor_id, services=[other],
                                   status="published", published_at=utcnow(),
                                   shifts=[Shift(staff_id=noor_id, service_id=other.id, kind="presence", day=d,
                                                 start_minute=17 * 60, end_minute=22 * 60) for d in others]))
        db.session.commit()
    request_id, refused = asked_and_accepted(app, auth, shift_id, noor_id)
    assert "counting shifts already rostered for Young people" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SwapRequest, request_id).status == "asked"
