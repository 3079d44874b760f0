"""What each person chooses to be sent: the notifications page refuses bad input in words, quiet hours run past
midnight, and a chosen reminder is on each shift in their calendar feed."""

from datetime import timedelta

import icalendar
import time_machine

from console.database import utcnow
from console.extensions import db
from console.notifications import preferences
from console.permissions import Role
from console.rotas import calendar
from tests.console.rotas.test_calendar import subscribe
from tests.console.rotas.test_scheduled import choose
from tests.factories import person, version_with
from tests.helpers import MONDAY, at


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
