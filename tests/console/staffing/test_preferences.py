"""Preferences people set themselves: when they would like to work or would rather not, how much it matters and for
which of their services; the rota engine reads them for the next draft."""

from datetime import timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from console.audit.models import AuditEntry
from console.database import local_today, utcnow
from console.extensions import db
from console.permissions import Role
from console.rotas import pages
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, Shift
from console.staffing.models import StaffPreference
from rota.domain import Preference, Window
from tests.factories import PRIYAS_SERVICES, make_draft, next_monday, person, service_id_of, services

VOLUNTEER, MANAGER, MODERATOR = Role.VOLUNTEER, Role.TEAM_MANAGER, Role.NON_CLINICAL_MODERATOR
MINE = "/staffing/mine"


def add(auth, **fields):
    data = {"preference-kind": "avoid", "preference-start": "17:00", "preference-end": "22:00",
            "preference-strength": "3", "preference-service": "", **fields}
    return auth.post(f"{MINE}/preferences", data, form_page=MINE, follow_redirects=True)


def test_a_volunteer_says_when_they_would_rather_not_work_and_the_next_rota_reads_it(app, client, auth, demo_data):
    auth.login_demo(VOLUNTEER)
    eating = service_id_of(app, "eating-disorders")
    done = add(auth, **{"preference-weekdays": ["5", "6"], "preference-service": str(eating)})
    shown = done.get_data(as_text=True)
    assert done.status_code == 200 and "Preference added." in shown
    assert "Would rather not work weekends 17:00\u201322:00, strongly, Eating disorders only" in shown
    liked = add(auth, **{"preference-kind": "prefer", "preference-weekdays": ["0", "2"], "preference-start": "18:00",
                         "preference-strength": "1"}).get_data(as_text=True)
    assert "Would like to work Monday and Wednesday 18:00\u201322:00, a little" in liked

    with app.app_context():
        ella = person(VOLUNTEER)
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        assert problem.staff[str(ella.id)].preferences[-2:] == (  # after the demo's own
            Preference("avoid", Window(frozenset({5, 6}), 17 * 60, 22 * 60), 3, "eating-disorders"),
            Preference("prefer", Window(frozenset({0, 2}), 18 * 60, 22 * 60), 1, None))
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "preference.added"))
        assert entry.details["weekdays"] == [5, 6] and entry.details["strength"] == "strongly"


def held(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StaffPreference)
                                 .where(StaffPreference.staff_id == person(VOLUNTEER).id))


def test_a_preference_with_no_day_a_time_backwards_or_someone_elses_service_is_refused_and_nothing_saved(
        app, client, auth, demo_data):
    before = held(app)
    auth.login_demo(VOLUNTEER)
    no_day = add(auth)
    assert no_day.status_code == 400 and "Choose at least one day of the week." in no_day.get_data(as_text=True)
    backwards = add(auth, **{"preference-weekdays": ["1"], "preference-start": "22:00", "preference-end": "17:00"})
    assert backwards.status_code == 400 and "The end must come after the start." in backwards.get_data(as_text=True)
    not_hers = service_id_of(app, "young-people")  # Ella volunteers for Priya's services only
    refused = add(auth, **{"preference-weekdays": ["1"], "preference-service": str(not_hers)})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    assert held(app) == before


def test_a_person_removes_only_their_own_preferences(app, client, auth, demo_data):
    with app.app_context():
        theirs = StaffPreference(staff_id=person(MANAGER).id, kind="avoid", weekdays="0", start_minute=540,
                                 end_minute=600)
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    auth.login_demo(VOLUNTEER)
    add(auth, **{"preference-weekdays": ["4"]})
    refused = auth.post(f"{MINE}/preferences/{theirs_id}/remove", form_page=MINE, follow_redirects=True)
    assert "There is no preference at this address for this person." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(StaffPreference, theirs_id) is not None
        mine = db.session.scalars(sa.select(StaffPreference.id).where(StaffPreference.staff_id == person(VOLUNTEER).id)
                                  .order_by(StaffPreference.id)).all()
    for preference_id in mine:
        removed = auth.post(f"{MINE}/preferences/{preference_id}/remove", form_page=MINE, follow_redirects=True)
        assert "Preference removed." in removed.get_data(as_text=True)
    assert "No preferences yet." in removed.get_data(as_text=True) and held(app) == 0


def test_a_person_limits_their_own_days_a_week_and_the_rota_keeps_to_it_below_their_contract(app, client, auth,
                                                                                              demo_data):
    auth.login_demo(MODERATOR)  # Chloe Davies: a contract of 5 days a week in the demo
    refused = auth.post(f"{MINE}/most-days", {"most-most_days_week": "8"}, form_page=MINE)
    assert refused.status_code == 400 and "Give a number of days from 1 to 7" in refused.get_data(as_text=True)
    saved = auth.post(f"{MINE}/most-days", {"most-most_days_week": "2"}, form_page=MINE, follow_redirects=True)
    assert "Saved. Rotas made from now on keep to it" in saved.get_data(as_text=True)
    with app.app_context():
        chloe = person(MODERATOR)
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        assert problem.staff[str(chloe.id)].contract.max_days_week == 2
    auth.post(f"{MINE}/most-days", {"most-most_days_week": ""}, form_page=MINE)  # no limit of her own again
    with app.app_context():
        problem = problems.build_problem(services(*PRIYAS_SERVICES), next_monday(), 28)
        assert problem.staff[str(chloe.id)].contract.max_days_week == 5


def test_the_next_rota_leans_towards_whoever_had_their_preferences_met_least_in_the_weeks_before(app, demo_data):
    """Ella would rather not work weekend evenings; the rotas of the 12 weeks before put her on 6 Saturday evenings
    (18 of 24 weekend days met), while Chloe's wish for free Sunday mornings was always met: Ella's preferences
    weigh double in the next rota, and its page says so."""
    with app.test_request_context():
        ella, chloe, low = person(VOLUNTEER), person(MODERATOR), services("demo-low")[0]
        db.session.add(StaffPreference(staff_id=chloe.id, kind="avoid", weekdays="6", start_minute=8 * 60,
                                       end_minute=12 * 60))
        before = next_monday() - timedelta(weeks=12)
        db.session.add(RotaVersion(
            start_date=before, days=84, created_by_id=person(MANAGER).id, services=[low], status="published",
            published_at=utcnow() - timedelta(weeks=13),
            shifts=[Shift(staff_id=ella.id, service_id=low.id, kind="check", day=before + timedelta(weeks=w, days=5),
                          start_minute=18 * 60, end_minute=18 * 60 + 30) for w in range(6)]))
        db.session.commit()
        problem = problems.build_problem(services("demo-low"), next_monday(), 28)
        assert [p.weight for p in problem.staff[str(ella.id)].preferences] == [2]
        assert [p.weight for p in problem.staff[str(chloe.id)].preferences] == [1]
        version = db.session.get(RotaVersion, make_draft(("demo-low",)))
        page = pages.draft_page(version, person(MANAGER), MultiDict(), local_today())
        assert page.preferences.endswith("Weighed double, as met least in the 12 weeks before: Ella Robinson "
                                         "(18 of 24).")
