"""Volunteers kept engaged: a manager sees who has had no shift in 4 or 8 weeks and sends a "we miss you" email that
offers the open shifts they could take, within their notification choices."""

from datetime import timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.database import local_today, utcnow
from console.extensions import db
from console.notifications import preferences
from console.permissions import Role
from console.rotas.models import RotaVersion, Shift
from tests.factories import person, publish_with_a_gap, services
from tests.helpers import run_queued_tasks, text_of

PAGE = "/staffing/keeping-in-touch"


def worked(days_ago: dict[str, int]) -> None:
    """A rota published for Eating disorders over the last 8 weeks, with one shift for each (name: days ago)."""
    today, eating = local_today(), services("eating-disorders")[0]
    people = {p.name: p for p in (person(Role.VOLUNTEER), person(Role.PEER_MODERATOR))}
    db.session.add(RotaVersion(
        start_date=today - timedelta(days=56), days=56, created_by_id=person(Role.TEAM_MANAGER).id,
        services=[eating], status="published", published_at=utcnow() - timedelta(days=57),
        shifts=[Shift(staff_id=people[name].id, service_id=eating.id, kind="presence",
                      day=today - timedelta(days=ago), start_minute=17 * 60, end_minute=22 * 60)
                for name, ago in days_ago.items()]))
    db.session.commit()


def section(page: str, heading: str) -> str:
    part = page[page.index(heading):]
    return part[:part.index("</ul>")]


def test_a_manager_sees_who_has_been_quiet_and_sends_we_miss_you_with_open_shifts(app, client, auth, demo_data,
                                                                                   smtp_server):
    with app.app_context():
        worked({"Ella Robinson": 35, "Jess Morgan": 7})
        gap = publish_with_a_gap()  # an evening of Ella's left open, from next Monday
        when, five_weeks_ago = f"{gap.day:%a %d %b}", local_today() - timedelta(days=35)
        ella = person(Role.VOLUNTEER).id
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get(PAGE).get_data(as_text=True)
    four = section(page, "No shift in the last 4 weeks")
    assert "Ella Robinson</a></strong>, volunteer" in four and f"Last shift {five_weeks_ago:%a %d %b %Y}" in four
    eight = section(page, "No shift in the last 8 weeks")
    assert "Hannah Wright" in eight and "Ella Robinson" not in eight
    assert "Jess Morgan" not in page  # a shift a week ago

    sent = auth.post(f"{PAGE}/{ella}/miss-you", form_page=PAGE, follow_redirects=True).get_data(as_text=True)
    assert "Sent, offering" in sent
    assert run_queued_tasks(app) >= 1
    email = text_of(smtp_server.last_to("ella.robinson@demo-trust.example.org"))
    assert "Priya Shah wanted to say we miss you" in email and when in email
    assert "http://127.0.0.1:5000/rota/mine#open-shifts" in email.replace("=\n", "")
    again = auth.post(f"{PAGE}/{ella}/miss-you", form_page=PAGE, follow_redirects=True).get_data(as_text=True)
    assert "Ella Robinson was sent one this week already." in again
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "engagement.miss_you_sent"))
        assert [e.target for e in entries] == [f"staff:{ella}"]


def test_nobody_who_switched_offers_off_or_outside_the_managers_services_is_emailed(app, client, auth, demo_data):
    with app.app_context():
        ella = person(Role.VOLUNTEER).id
        settings = preferences.settings_of(ella)
        settings.open_shift_offers = False
        db.session.add(settings)
        db.session.commit()
        outsider = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.name == "Zara Ali"))  # Perinatal
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Has switched open-shift emails off: ask them in person." in page
    refused = auth.post(f"{PAGE}/{ella}/miss-you", form_page=PAGE, follow_redirects=True).get_data(as_text=True)
    assert "Ella Robinson has switched open-shift emails off: ask them in person instead." in refused
    outside = auth.post(f"{PAGE}/{outsider}/miss-you", form_page=PAGE, follow_redirects=True)
    assert "There is nobody at this address whose rota you manage." in outside.get_data(as_text=True)
