"""Open shifts: an uncovered window of a published rota, taken in one click by someone who can cover it."""

import pytest
import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.database import local_today
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.rotas import open_shifts
from console.rotas import problem as problems
from console.rotas.models import OpenShiftClaim, RotaVersion
from console.staffing.models import Contract, LeaveRequest
from tests.factories import publish_with_a_gap
from tests.factories import make_draft, person, publish_draft
from tests.helpers import run_queued_tasks

VOLUNTEER = Role.VOLUNTEER


def by_name(name: str) -> StaffMember:
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.name == name))


def test_a_volunteer_takes_an_open_shift_and_the_manager_is_told(app, client, auth, demo_data, smtp_server):
    with app.app_context():
        gone = publish_with_a_gap()
        day, start, end, service = gone.day, gone.start_minute, gone.end_minute, gone.service.name
        manager_email = person(Role.TEAM_MANAGER).email
    auth.login_demo(VOLUNTEER)
    listed = f"{service}, {day:%a %d %b} {start // 60:02d}:00–{end // 60:02d}:00"
    page = client.get("/rota/mine").get_data(as_text=True)
    assert listed in page and "Take this shift" in page

    with app.app_context():
        offer = next(o for o in open_shifts.offers(person(VOLUNTEER), today=local_today()) if o.day == day)
    unreadable = auth.post("/rota/mine/open-shifts", {"service_id": "x", "day": day.isoformat(), "kind": "presence"},
                           form_page="/rota/mine", follow_redirects=True).get_data(as_text=True)
    assert "That shift could not be read; choose it again from the list." in unreadable
    taken = auth.post("/rota/mine/open-shifts", {"service_id": offer.service.id, "day": day.isoformat(),
                                                 "gap_start": offer.gap_start, "kind": "presence"},
                      form_page="/rota/mine",
                      follow_redirects=True).get_data(as_text=True)
    assert f"The shift {day:%a %d %b}" in taken and "is yours. Your manager has been told." in taken
    assert listed not in taken.split('id="open-shifts"')[1].split("In your own calendar")[0]
    assert f"{day:%a %d %b %Y}" in taken.split('id="open-shifts"')[0]  # now among my shifts
    run_queued_tasks(app)  # the outbox's sender, as the task queue's consumer runs it
    assert f"Open shift taken: {service}" in str(smtp_server.last_to(manager_email)["Subject"])
    with app.app_context():
        mine = problems.published_shifts(start=day, last=day, staff_ids=[person(VOLUNTEER).id])
        assert [(s.start_minute, s.end_minute) for s in mine if s.kind == "presence"] == [(start, end)]
        assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == \
            "rota.open_shift_taken"
        # Nobody else is offered it any more, and a late claim is refused with a clear reason.
        callum = by_name("Callum Wood")
        assert all(o.day != day or o.service.name != service for o in open_shifts.offers(callum, today=local_today()))
        with pytest.raises(UserError, match="no longer open to you"):
            open_shifts.claim(callum, service_id=offer.service.id, day=day, gap_start=offer.gap_start,
                              kind="presence", today=local_today())


def test_the_first_valid_claim_wins_a_race(app, demo_data):
    with app.app_context():
        gone = publish_with_a_gap()
        ella = person(VOLUNTEER)
        offer = next(o for o in open_shifts.offers(ella, today=local_today()) if o.day == gone.day)
        # Another request has just inserted its claim on the same gap, and not yet published its version.
        db.session.add(OpenShiftClaim(service_id=offer.service.id, day=offer.day, gap_start=offer.gap_start,
                                      based_on_version_id=offer.based_on, staff_id=by_name("Callum Wood").id,
                                      version_id=offer.based_on))
        db.session.commit()
        with pytest.raises(UserError, match="Someone else took that shift a moment ago"):
            open_shifts.claim(ella, service_id=offer.service.id, day=offer.day, gap_start=offer.gap_start,
                              kind="presence", today=local_today())
        assert not db.session.scalar(sa.select(RotaVersion).where(RotaVersion.note != ""))


def test_no_shift_is_offered_on_leave_or_beyond_the_contract(app, demo_data):
    with app.app_context():
        gone = publish_with_a_gap()
        ella = person(VOLUNTEER)
        db.session.add(LeaveRequest(staff_id=ella.id, first_day=gone.day, last_day=gone.day, status="approved"))
        db.session.commit()
        assert all(o.day != gone.day for o in open_shifts.offers(ella, today=local_today()))
        # A volunteer whose offered hours are used up is not offered it either.
        callum = by_name("Callum Wood")
        db.session.get(Contract, callum.id).max_hours_week = 0
        db.session.commit()
        assert open_shifts.offers(callum, today=local_today()) == []


def test_a_missing_moderation_check_is_offered_and_taken(app, client, auth, demo_data):
    with app.app_context():
        version_id = make_draft()
        version = db.session.get(RotaVersion, version_id)
        gone = next(s for s in version.shifts if s.kind == "check" and s.service.slug == "demo-low"
                    and s.day > local_today() and Role.CLINICAL_MODERATOR not in s.staff.roles)
        checker, day = gone.staff, gone.day
        email = checker.email
        version.shifts.remove(gone)
        db.session.commit()
        publish_draft(version_id)
        offer = next(o for o in open_shifts.offers(checker, today=local_today())
                     if o.day == day and o.kind == "check")
        assert offer.service.slug == "demo-low" and offer.end - offer.start == 30
    auth.login(email)
    page = client.get("/rota/mine").get_data(as_text=True)
    assert f"Demo low-risk service, {offer.when}</strong> moderation check" in page
    taken = auth.post("/rota/mine/open-shifts", {"service_id": offer.service.id, "day": day.isoformat(),
                                                 "gap_start": offer.gap_start, "kind": "check"},
                      form_page="/rota/mine", follow_redirects=True).get_data(as_text=True)
    assert "is yours. Your manager has been told." in taken
    with app.app_context():
        checks = [s for s in problems.published_shifts(start=day, last=day, service_ids=[offer.service.id])
                  if s.kind == "check"]
        assert len(checks) == 4 and any(s.start_minute == offer.start for s in checks)
        assert not any(o.day == day and o.service.slug == "demo-low"
                       for o in open_shifts.offers(db.session.get(StaffMember, checker.id), today=local_today()))
