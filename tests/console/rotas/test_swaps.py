"""Swaps: a person asks a colleague to take a published shift; the rules decide, then a manager or the service."""

import html
import re
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
from console.accounts.models import StaffMember
from console.rotas.models import CoverageStandard, RotaVersion, Shift, SwapRequest
from console.staffing.models import AvailabilityWindow, Contract, LeaveRequest, LeaveStatus
from console.services.models import Service
from tests.factories import PASSWORD, make_draft, make_staff, next_monday, person, publish_draft
from tests.helpers import AuthActions, run_queued_tasks, text_of

VOLUNTEER = Role.VOLUNTEER
NEWCOMER = "new.volunteer@trust.example.org"


def by_name(name: str) -> StaffMember:
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.name == name))


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
    form = client.get(form_page).get_data(as_text=True)
    assert "Noor Haddad" in form and '<option selected value="">Choose a colleague</option>' in form
    unchosen = auth.post(form_page, {"to_staff": "", "note": "Family wedding"})
    assert unchosen.status_code == 400 and "Choose who you would like to take it." in unchosen.get_data(as_text=True)
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


def asked_and_accepted(app, auth: AuthActions, shift_id: int, noor_id: int, meanwhile=None):
    """The demo volunteer asks Noor to take the shift, `meanwhile` changes something, and Noor accepts: the
    request's id and Noor's answer."""
    auth.login_demo(VOLUNTEER)
    asked = auth.post(f"/rota/mine/shifts/{shift_id}/swap", {"to_staff": noor_id}, follow_redirects=True)
    assert "Asked. You keep the shift until they accept" in asked.get_data(as_text=True)
    auth.logout()
    if meanwhile:
        with app.app_context():
            meanwhile()
    auth.login(NEWCOMER, PASSWORD)
    with app.app_context():
        request_id = db.session.scalar(sa.select(SwapRequest.id))
    return request_id, auth.post(f"/rota/mine/swaps/{request_id}/accept", form_page="/rota/mine",
                                 follow_redirects=True)


def test_a_swap_that_breaks_a_rule_by_the_time_it_is_accepted_is_refused(app, client, auth: AuthActions,
                                                                          demo_data):
    with app.app_context():
        shift = published_evening_shift()
        shift_id = shift.id
        noor = newcomer_for(shift.service)
        noor_id = noor.id

    def noor_no_longer_free():
        db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.staff_id == noor_id))
        db.session.commit()

    request_id, refused = asked_and_accepted(app, auth, shift_id, noor_id, noor_no_longer_free)
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

    def noor_rostered_elsewhere():
        other = db.session.scalar(sa.select(Service).where(Service.slug == "young-people"))
        monday = day - timedelta(days=day.weekday())
        others = [monday + timedelta(days=d) for d in range(7) if monday + timedelta(days=d) != day][:2]
        db.session.add(RotaVersion(start_date=monday, days=7, created_by_id=noor_id, services=[other],
                                   status="published", published_at=utcnow(),
                                   shifts=[Shift(staff_id=noor_id, service_id=other.id, kind="presence", day=d,
                                                 start_minute=17 * 60, end_minute=22 * 60) for d in others]))
        db.session.commit()

    request_id, refused = asked_and_accepted(app, auth, shift_id, noor_id, noor_rostered_elsewhere)
    assert "counting shifts already rostered for Young people" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SwapRequest, request_id).status == "asked"


def offered(page: str) -> list[str]:
    """The colleagues the swap form offers, as the person reads them."""
    return re.findall(r'<option value="\d+">([^<]+)</option>', page)


def not_listed(page: str) -> str:
    """The form's sentence saying why the others are not listed."""
    return html.unescape(re.search(r'<p id="not-listed">([^<]+)</p>', page).group(1))


def test_the_swap_form_offers_only_colleagues_who_could_take_the_shift_with_their_roles(app, client, auth, demo_data):
    with app.app_context():
        shift = published_evening_shift()  # 17:00-22:00
        newcomer_for(shift.service)
        shift_id, day = shift.id, shift.day
        others = [p for p in problems.rostered_staff([shift.service]) if p.id != shift.staff_id]
        daytime = next(p.name for p in others if Role.NON_CLINICAL_MODERATOR in p.roles)  # available 08:00-20:00
    auth.login_demo(VOLUNTEER)
    page = client.get(f"/rota/mine/shifts/{shift_id}/swap").get_data(as_text=True)
    names = offered(page)
    assert "Noor Haddad, volunteer" in names
    assert not any(name.startswith(daytime) for name in names)
    said = not_listed(page)
    available = int(re.search(r"(\d+) are not available then", said).group(1))
    assert said.startswith(f"{len(others) - len(names)} colleagues are not listed: ")
    assert sum(int(n) for n in re.findall(r"(?:: |, | and )(\d+) ", said)) == len(others) - len(names)

    with app.app_context():  # Noor goes on leave that day: no longer offered, and counted as not available
        db.session.add(LeaveRequest(staff_id=by_name("Noor Haddad").id, first_day=day, last_day=day,
                                    status=LeaveStatus.APPROVED.value))
        db.session.commit()
        noor_id = by_name("Noor Haddad").id
    page = client.get(f"/rota/mine/shifts/{shift_id}/swap").get_data(as_text=True)
    assert "Noor Haddad, volunteer" not in offered(page)
    assert f"{available + 1} are not available then" in not_listed(page)
    refused = auth.post(f"/rota/mine/shifts/{shift_id}/swap", {"to_staff": noor_id})
    assert refused.status_code == 400 and "Noor Haddad" not in offered(refused.get_data(as_text=True))
    assert "Choose someone from the list: they could take the shift without breaking a rule." in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(SwapRequest.id)) is None


def test_when_nobody_could_take_the_shift_the_form_says_so_and_offers_leave(app, client, auth, demo_data):
    with app.app_context():
        shift = published_evening_shift()
        shift_id, service = shift.id, shift.service.name
        others = [p.id for p in problems.rostered_staff([shift.service]) if p.id != shift.staff_id]
        db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.staff_id.in_(others)))
        db.session.commit()
    auth.login_demo(VOLUNTEER)
    page = client.get(f"/rota/mine/shifts/{shift_id}/swap").get_data(as_text=True)
    assert not_listed(page) == (f"Nobody else trained for {service} could take this shift without breaking a rule: "
                                f"{len(others)} are not available then.")
    assert "Ask them" not in page and offered(page) == []
    assert 'href="/staffing/mine#leave">ask for leave that day</a>' in page
