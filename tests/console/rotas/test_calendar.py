"""Calendar feeds: a person's published shifts in their own calendar app, read by two independent parsers."""

import re
from datetime import UTC, date, datetime, timedelta

import icalendar
import sqlalchemy as sa
import vobject

from console.database import utcnow
from console.extensions import db
from console.rotas import calendar
from console.rotas import own_work
from console.rotas.models import RotaVersion, Shift
from console.permissions import Role
from console.services.models import Service
from tests.factories import make_draft, next_monday, person, publish_draft, services

LINK = re.compile(r'id="feed-url">([^<]+)<')


def events_of(feed: bytes) -> list:
    return [c for c in icalendar.Calendar.from_ical(feed).walk("VEVENT")]


def subscribe(manager_or_auth, client) -> str:
    page = manager_or_auth.post("/rota/mine/calendar", form_page="/rota/mine").get_data(as_text=True)
    link = LINK.search(page).group(1)
    assert link.startswith("http://127.0.0.1:5000/calendar/"), "the link is under PUBLIC_URL"
    return link.removeprefix("http://127.0.0.1:5000")


def test_a_volunteer_subscribes_to_their_published_shifts(app, client, auth, demo_data):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        mine = own_work.my_shifts(ella.id, start=next_monday(), days=28)
        names = [p.name for p in db.session.scalars(sa.select(type(ella)))]
    assert mine, "the demo volunteer should have shifts in a covered rota"
    auth.login_demo(Role.VOLUNTEER)
    page = client.get("/rota/mine").get_data(as_text=True)
    assert "Eating disorders" in page or "Early intervention in psychosis" in page
    path = subscribe(auth, client)
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{40,}\.ics", path)

    anonymous = app.test_client()  # calendar apps have no sign-in cookie
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    feed = response.get_data()
    parsed = icalendar.Calendar.from_ical(feed)
    assert str(parsed["REFRESH-INTERVAL"].to_ical().decode()) == "PT1H"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in feed, "an RFC 5545 duration, as Outlook and Apple Calendar read it"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/London"]
    events = events_of(feed)
    assert len(events) == len(mine)
    assert all(e["STATUS"] == "CONFIRMED" and e["SUMMARY"].startswith("Moderation: ") for e in events)
    text = feed.decode()
    assert not any(name in text for name in names), "a feed never names anyone"
    # A second, independent parser reads the same feed and the same times.
    second = vobject.readOne(feed.decode())
    assert sorted(e.dtstart.value.astimezone(UTC) for e in second.vevent_list) == \
        sorted(e["DTSTART"].dt.astimezone(UTC) for e in events)

    confirm = client.get("/rota/mine/calendar/new").get_data(as_text=True)
    assert "Your current link stops working as soon as the new one is made" in confirm
    newer = subscribe(auth, client)
    gone = anonymous.get(path)
    assert gone.status_code == 410 and gone.mimetype == "text/plain", "a new link revokes the old one"
    assert "This calendar link no longer works" in gone.get_data(as_text=True)
    assert "http://127.0.0.1:5000/rota/mine" in gone.get_data(as_text=True)
    assert anonymous.get(newer).status_code == 200
    download = client.get("/rota/mine/shifts.ics")
    assert download.headers["Content-Disposition"] == 'attachment; filename="my-shifts.ics"'
    assert len(events_of(download.get_data())) == len(mine)


def test_a_moved_shift_keeps_its_uid_and_a_removed_one_is_cancelled(app, demo_data):
    with app.app_context():
        first = make_draft()
        publish_draft(first)
        ella = person(Role.VOLUNTEER)
        before = {e["UID"]: e for e in events_of(calendar.feed(ella))}
        shifts = sorted((s for s in db.session.get(RotaVersion, first).shifts if s.staff_id == ella.id),
                        key=lambda s: (s.day, s.start_minute))
        moved, dropped = shifts[0], shifts[-1]
        moved_minutes = moved.end_minute - 60 - moved.start_minute
        # A second version: the same rota, with the first shift an hour shorter and the last one gone.
        version = RotaVersion(start_date=next_monday(), days=28, created_by_id=person(Role.TEAM_MANAGER).id,
                              services=services("eating-disorders", "early-intervention-psychosis", "demo-low"),
                              shifts=[Shift(staff_id=s.staff_id, service_id=s.service_id, kind=s.kind, day=s.day,
                                            start_minute=s.start_minute,
                                            end_minute=s.end_minute - 60 if s is moved else s.end_minute)
                                      for s in db.session.get(RotaVersion, first).shifts if s is not dropped])
        db.session.add(version)
        db.session.commit()
        publish_draft(version.id)
        after = {e["UID"]: e for e in events_of(calendar.feed(ella))}
    assert set(after) == set(before), "UIDs stay the same; nothing is added"
    changed = [uid for uid in after if after[uid]["DTEND"].dt != before[uid]["DTEND"].dt]
    cancelled = [uid for uid in after if after[uid]["STATUS"] == "CANCELLED"]
    assert len(changed) == 1 and after[changed[0]]["SEQUENCE"] == 1
    assert after[changed[0]]["DTEND"].dt - after[changed[0]]["DTSTART"].dt == \
        timedelta(minutes=moved_minutes)
    assert len(cancelled) == 1 and after[cancelled[0]]["SEQUENCE"] == 1
    unchanged = set(after) - set(changed) - set(cancelled)
    assert unchanged and all(after[uid]["SEQUENCE"] == 0 for uid in unchanged)


def test_a_cancelled_shift_leaves_the_feed_after_30_days(app, demo_data):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        count = len(events_of(calendar.feed(ella)))
        rota_version = db.session.scalar(sa.select(RotaVersion))
        calendar.sync_events(staff_ids=[ella.id], start=rota_version.start_date, last=rota_version.start_date)
        # Pretend a shift was taken away 31 days ago.
        event = db.session.scalar(sa.select(calendar.CalendarEvent).where(
            calendar.CalendarEvent.staff_id == ella.id).order_by(calendar.CalendarEvent.day))
        event.cancelled_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert len(events_of(calendar.feed(ella))) == count - 1


def test_a_shift_across_the_october_clock_change_keeps_its_real_times(app, demo_data):
    """Clocks go back at 02:00 on Sunday 31 October 2027: a 00:00-08:00 shift lasts 9 real hours."""
    with app.app_context():
        clinician = person(Role.CLINICAL_MODERATOR)
        eating = services("eating-disorders")[0]
        version = RotaVersion(start_date=date(2027, 10, 25), days=28, created_by_id=clinician.id, services=[eating],
                              status="published", published_at=utcnow(),
                              shifts=[Shift(staff_id=clinician.id, service_id=eating.id, kind="on_call",
                                            day=date(2027, 10, 31), start_minute=0, end_minute=8 * 60),
                                      Shift(staff_id=clinician.id, service_id=eating.id, kind="presence",
                                            day=date(2027, 11, 1), start_minute=8 * 60, end_minute=17 * 60)])
        db.session.add(version)
        db.session.commit()
        calendar.sync_events(staff_ids=[clinician.id], start=version.start_date, last=version.last_date)
        db.session.commit()
        feed = calendar.feed(clinician)
    night, day = sorted(events_of(feed), key=lambda e: e["DTSTART"].dt)
    assert night["DTSTART"].to_ical() == b"20271031T000000" and night["DTSTART"].params["TZID"] == "Europe/London"
    assert night["DTSTART"].dt.astimezone(UTC) == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)  # still BST
    assert night["DTEND"].dt.astimezone(UTC) == datetime(2027, 10, 31, 8, 0, tzinfo=UTC)  # GMT again
    assert day["DTSTART"].dt.astimezone(UTC) == datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    (vnight, _vday) = sorted(vobject.readOne(feed.decode()).vevent_list, key=lambda e: e.dtstart.value)
    real = vnight.dtend.value.astimezone(UTC) - vnight.dtstart.value.astimezone(UTC)
    assert real == timedelta(hours=9)


def test_a_feed_follows_a_renamed_service(app, demo_data):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        before = events_of(calendar.feed(ella))
        worked = before[0]["SUMMARY"].removeprefix("Moderation: ").rsplit(", ", 1)[0]
        db.session.scalar(sa.select(Service).where(Service.name == worked)).name = "Renamed, with a comma"
        db.session.commit()
        after = events_of(calendar.feed(ella))
    assert [e["UID"] for e in after] == [e["UID"] for e in before]
    renamed = [e for e in after if "Renamed, with a comma" in e["SUMMARY"]]
    assert renamed and len(renamed) == sum(worked in e["SUMMARY"] for e in before)
    assert not any(f"Moderation: {worked}," in e["SUMMARY"] for e in after)


def test_a_new_subscription_link_is_shown_at_the_top_with_a_copy_button_and_a_webcal_link(app, client, auth,
                                                                                          demo_data):
    auth.login_demo(Role.VOLUNTEER)
    page = client.get("/rota/mine").get_data(as_text=True)
    assert "Make a subscription link" in page and "/rota/mine/calendar/new" not in page, "no link yet: no question"
    shown = auth.post("/rota/mine/calendar", form_page="/rota/mine").get_data(as_text=True)
    link = LINK.search(shown).group(1)
    assert shown.index('id="feed-url"') < shown.index('id="open-shifts"'), "shown at the top, where the person is"
    assert 'data-copy="feed-url">Copy the link</button>' in shown
    assert f'href="{link.replace("http://", "webcal://")}"' in shown
    again = client.get("/rota/mine").get_data(as_text=True)
    assert link not in again and 'href="/rota/mine/calendar/new">Make a new subscription link' in again


def test_a_calendar_app_asking_again_is_told_not_modified_until_a_shift_changes(app, client, auth, demo_data):
    with app.app_context():
        publish_draft(make_draft())
    auth.login_demo(Role.VOLUNTEER)
    path = subscribe(auth, client)
    anonymous = app.test_client()
    first = anonymous.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and etag and modified
    assert anonymous.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert anonymous.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    with app.app_context():
        ella = person(Role.VOLUNTEER)
        shift = db.session.scalar(sa.select(Shift).join(RotaVersion).where(
            Shift.staff_id == ella.id, RotaVersion.status == "published").order_by(Shift.day.desc()))
        shift.end_minute -= 30
        db.session.commit()
        calendar.sync_events(staff_ids=[ella.id], start=shift.day, last=shift.day)
        db.session.commit()
    changed = anonymous.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert any(e["SEQUENCE"] == 1 for e in events_of(changed.get_data()))


def test_each_shift_says_what_it_is_and_links_back_to_the_console(app, demo_data):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        events = events_of(calendar.feed(ella))
    for event in events:
        day = event["DTSTART"].dt.date().isoformat()
        assert str(event["URL"]) == f"http://127.0.0.1:5000/rota/mine#day-{day}"
        service = event["SUMMARY"].removeprefix("Moderation: ").rsplit(", ", 1)[0]
        start, end = event["DTSTART"].dt.strftime("%H:%M"), event["DTEND"].dt.strftime("%H:%M")
        assert str(event["DESCRIPTION"]).startswith(f"{service}: ") and f"{start}–{end}" in event["DESCRIPTION"]


def test_shifts_more_than_60_days_past_leave_the_feed(app, demo_data):
    with app.app_context():
        publish_draft(make_draft())
        ella = person(Role.VOLUNTEER)
        days = sorted(e["DTSTART"].dt.date() for e in events_of(calendar.feed(ella)))
        later = datetime.combine(days[0] + timedelta(days=61), datetime.min.time(), tzinfo=UTC)
        kept = sorted(e["DTSTART"].dt.date() for e in events_of(calendar.feed(ella, now=later)))
    assert days[0] not in kept and kept == [d for d in days if d >= days[0] + timedelta(days=1)]


def test_summer_and_winter_shifts_in_2027_and_2028_come_out_at_the_right_instant_in_both_parsers(app, demo_data):
    """London is an hour ahead of UTC in summer (BST) and on UTC in winter (GMT), every year, for any parser."""
    days = [date(2027, 1, 14), date(2027, 7, 14), date(2028, 1, 13), date(2028, 7, 13)]
    with app.app_context():
        clinician = person(Role.CLINICAL_MODERATOR)
        eating = services("eating-disorders")[0]
        version = RotaVersion(start_date=days[0], days=(days[-1] - days[0]).days + 1, created_by_id=clinician.id,
                              services=[eating], status="published", published_at=utcnow(),
                              shifts=[Shift(staff_id=clinician.id, service_id=eating.id, kind="presence", day=day,
                                            start_minute=17 * 60, end_minute=22 * 60) for day in days])
        db.session.add(version)
        db.session.commit()
        calendar.sync_events(staff_ids=[clinician.id], start=days[0], last=days[-1])
        db.session.commit()
        feed = calendar.feed(clinician, now=datetime(2027, 1, 1, tzinfo=UTC))
    zone = icalendar.Calendar.from_ical(feed).walk("VTIMEZONE")[0]
    assert [str(part["RRULE"].to_ical().decode()) for part in zone.walk() if "RRULE" in part] == \
        ["FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"]
    assert "RDATE" not in feed.decode() and "only works" not in feed.decode()
    wanted = [datetime(2027, 1, 14, 17, tzinfo=UTC), datetime(2027, 7, 14, 16, tzinfo=UTC),
              datetime(2028, 1, 13, 17, tzinfo=UTC), datetime(2028, 7, 13, 16, tzinfo=UTC)]
    assert sorted(e["DTSTART"].dt.astimezone(UTC) for e in events_of(feed)) == wanted
    assert sorted(e.dtstart.value.astimezone(UTC) for e in vobject.readOne(feed.decode()).vevent_list) == wanted
    # vobject reads the zone from the VTIMEZONE itself (icalendar may use its own zoneinfo by name)
    from_feed = vobject.readOne(feed.decode()).vtimezone.gettzinfo()
    assert [datetime(d.year, d.month, d.day, 17, tzinfo=from_feed).utcoffset() for d in days] == \
        [timedelta(0), timedelta(hours=1), timedelta(0), timedelta(hours=1)]
