"""What the scheduler sends besides alerts, at frozen moments and read off a real SMTP server: shift reminders,
open-shift offers, the managers' digest and monthly report, each once, and each as the person chose."""

from datetime import datetime, timedelta

import icalendar
import sqlalchemy as sa
import time_machine

from console.database import LONDON, utcnow
from console.extensions import db
from console.notifications import preferences
from console.notifications import service as outbox
from console.permissions import Role
from console.rotas import calendar
from scheduler.runner import run_job
from tests.console.rotas.test_calendar import subscribe
from tests.factories import next_monday, person, publish_with_a_gap, version_with

MONDAY = next_monday()
ELLA = "ella.robinson@demo-trust.example.org"
PRIYA = "priya.shah@demo-trust.example.org"


def at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    day = MONDAY + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def run(traveller, job: str, moment: datetime) -> None:
    traveller.move_to(moment)
    run_job(job)
    outbox.send_outbox()


def subjects_to(smtp_server, address: str) -> list[str]:
    return [m["Subject"] for m in smtp_server.messages if m["To"] == address]


def choose(staff_id: int, **changes) -> None:
    current = preferences.settings_of(staff_id)
    preferences.save(staff_id, **{name: getattr(current, name) for name in preferences.DEFAULTS} | changes)


def test_a_volunteer_is_reminded_a_day_and_an_hour_before_each_shift_once(app, demo_data, smtp_server):
    with time_machine.travel(at(12, days=-1), tick=False) as traveller, app.app_context():
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60)], person(Role.VOLUNTEER).id, "published")
        run(traveller, "reminders", at(16, 55, days=-1))
        assert subjects_to(smtp_server, ELLA) == []
        run(traveller, "reminders", at(17, 0, days=-1))
        run(traveller, "reminders", at(17, 5, days=-1))
        day = f"{MONDAY:%a %d %b}"
        assert subjects_to(smtp_server, ELLA) == [f"Your shift tomorrow: Eating disorders, {day} 17:00-22:00"]
        text = smtp_server.last_to(ELLA).get_body(("plain",)).get_content()
        assert "on duty" in text and "http://127.0.0.1:5000/rota/mine" in text
        run(traveller, "reminders", at(16, 0))
        run(traveller, "reminders", at(16, 5))
        assert subjects_to(smtp_server, ELLA)[1:] == [f"Your shift in an hour: Eating disorders, {day} 17:00-22:00"]
        run(traveller, "reminders", at(17, 0))
        assert len(subjects_to(smtp_server, ELLA)) == 2, "nothing once the shift has started"


def test_reminders_follow_the_persons_choices_and_wait_for_their_quiet_hours(app, demo_data, smtp_server):
    with time_machine.travel(at(12, days=-1), tick=False) as traveller, app.app_context():
        ella = person(Role.VOLUNTEER).id
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60)], ella, "published")
        choose(ella, remind_day_before=False, quiet_from=15 * 60 + 50, quiet_until=16 * 60 + 30)
        run(traveller, "reminders", at(17, 0, days=-1))
        assert subjects_to(smtp_server, ELLA) == [], "she chose no reminder the day before"
        run(traveller, "reminders", at(16, 0))
        run(traveller, "reminders", at(16, 25))
        assert subjects_to(smtp_server, ELLA) == [], "held by her quiet hours"
        run(traveller, "reminders", at(16, 30))
        assert len(subjects_to(smtp_server, ELLA)) == 1, "sent once her quiet hours end"


def test_open_shifts_are_offered_to_those_who_could_take_them_once_and_within_their_limit(app, demo_data,
                                                                                         smtp_server):
    """Priya's rota is published without Ella's first evening in it: Ella, available then, is offered it once;
    Adam, who volunteers only for Carers' support, is offered nothing. (Ella also hears that her shifts changed
    when the rota is published; run before 09:00 that notice is due by the moment the offers go, so only the
    offers are counted.)"""

    def offers():
        return [m for m in smtp_server.messages
                if m["To"] == ELLA and m["Subject"].startswith("Open shifts you could take")]

    with app.app_context():
        gone = publish_with_a_gap()
        gone_when = f"{gone.day:%a %d %b}"
        ella = person(Role.VOLUNTEER).id
    with time_machine.travel(at(9, days=-7) + timedelta(days=0), tick=False) as traveller, app.app_context():
        run(traveller, "offers", at(9, 5, days=-7))
        assert len(offers()) == 1
        text = offers()[0].get_body(("plain",)).get_content()
        assert gone_when in text and "http://127.0.0.1:5000/rota/mine#open-shifts" in text
        assert not [m for m in smtp_server.messages if m["To"] == "adam.fisher@demo-trust.example.org"]
        run(traveller, "offers", at(10, 5, days=-7))
        assert len(offers()) == 1, "each offer once"

        db.session.execute(sa.delete(preferences.SentNotice))
        db.session.commit()
        choose(ella, offers_per_week=0)
        run(traveller, "offers", at(11, 5, days=-7))
        assert len(offers()) == 1, "her limit of none a week"


def test_a_manager_hears_each_morning_what_the_published_rota_leaves_uncovered(app, demo_data, smtp_server):
    with app.app_context():
        gone = publish_with_a_gap()
    with time_machine.travel(at(6, days=-7), tick=False) as traveller, app.app_context():
        run(traveller, "digest", at(7, 0, days=-7))
        run(traveller, "digest", at(8, 0, days=-7))
        digests = [m for m in smtp_server.messages if m["To"] == PRIYA and m["Subject"].startswith("Rota cover")]
        assert len(digests) == 1, "once a day"
        text = digests[0].get_body(("plain",)).get_content()
        assert f"{gone.day:%a %d %b} 17:00-22:00" in text and "Eating disorders:" in text
        choose(person(Role.TEAM_MANAGER).id, manager_digest=False)
        run(traveller, "digest", at(7, 0, days=-6))
        assert len([m for m in smtp_server.messages if m["To"] == PRIYA]) == 1, "switched off"


def test_managers_get_the_monthly_report_on_the_first(app, demo_data, smtp_server):
    first = (MONDAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    moment = datetime(first.year, first.month, 1, 8, 30, tzinfo=LONDON)
    with time_machine.travel(moment, tick=False) as traveller, app.app_context():
        run(traveller, "monthly", moment)
        run(traveller, "monthly", moment + timedelta(hours=1))
        reports = [m for m in smtp_server.messages if m["To"] == PRIYA]
        assert [m["Subject"] for m in reports] == [f"Monthly moderation report, {moment:%B %Y}"]
        text = reports[0].get_body(("plain",)).get_content()
        assert "Eating disorders: " in text and "acted on within their deadline" in text
        assert "http://127.0.0.1:5000/queue/report" in text


def test_everyone_chooses_their_notifications_and_bad_input_is_refused_in_words(app, client, auth, demo_data):
    auth.login_demo(Role.VOLUNTEER)
    page = client.get("/account/notifications/").get_data(as_text=True)
    assert "Safety alerts always reach you" in page and "Email me open shifts I could take" in page
    assert "Email me each morning" not in page, "a volunteer manages no service"
    form = {"remind_hour_before": "y", "open_shift_offers": "y", "offers_per_week": "2",
            "calendar_alarm_minutes": "30", "quiet_from": "22:00", "quiet_until": ""}
    refused = auth.post("/account/notifications/", form, form_page="/account/notifications/")
    assert refused.status_code == 400
    assert "Give both ends of your quiet hours, or neither." in refused.get_data(as_text=True)
    form["quiet_until"] = "7am"
    assert "Enter a time like 07:00." in auth.post("/account/notifications/", form,
                                                   form_page="/account/notifications/").get_data(as_text=True)
    form["quiet_until"] = "07:00"
    saved = auth.post("/account/notifications/", form, form_page="/account/notifications/", follow_redirects=True)
    assert "Notifications saved." in saved.get_data(as_text=True)
    with app.app_context():
        settings = preferences.settings_of(person(Role.VOLUNTEER).id)
        assert (settings.remind_day_before, settings.remind_hour_before, settings.offers_per_week,
                settings.calendar_alarm_minutes, settings.quiet_from, settings.quiet_until) == \
            (False, True, 2, 30, 22 * 60, 7 * 60)
        assert preferences.quiet_now(settings, at(23)) and preferences.quiet_now(settings, at(6, 59))
        assert not preferences.quiet_now(settings, at(7))


def test_a_chosen_calendar_reminder_is_on_each_shift_in_the_feed(app, client, auth, demo_data):
    with app.app_context():
        ella = person(Role.VOLUNTEER).id
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60), (1, 17 * 60, 22 * 60)], ella, "published")
        calendar.sync_events(staff_ids=[ella], start=MONDAY, last=MONDAY + timedelta(days=1))
        db.session.commit()
    auth.login_demo(Role.VOLUNTEER)
    path = subscribe(auth, client)
    feed = app.test_client().get(path)
    parsed = icalendar.Calendar.from_ical(feed.get_data())
    assert len(parsed.walk("VEVENT")) == 2 and parsed.walk("VALARM") == []
    with time_machine.travel(utcnow() + timedelta(minutes=1), tick=False):  # a minute later
        with app.app_context():
            choose(person(Role.VOLUNTEER).id, calendar_alarm_minutes=60)
        again = app.test_client().get(path, headers={"If-Modified-Since": feed.headers["Last-Modified"]})
    assert again.status_code == 200, "the feed changed with her choice"
    alarms = icalendar.Calendar.from_ical(again.get_data()).walk("VALARM")
    assert len(alarms) == 2 and all(a["TRIGGER"].dt == timedelta(hours=-1) for a in alarms)
