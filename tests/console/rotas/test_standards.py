"""Managers edit each service's coverage standard; rotas made afterwards use it."""

import re

import pytest
import sqlalchemy as sa

from console.audit.models import AuditEntry
from console.extensions import db
from console.permissions import Role
from console.rotas import problem as problems
from console.services.models import Service
from tests.factories import service_id_of
from tests.helpers import AuthActions

@pytest.fixture
def path(app, demo_data) -> str:
    """Eating disorders' standard page (a high-risk service)."""
    return f"/rota/standards/{service_id_of(app, 'eating-disorders')}"


def standard_form(segments, checks=None, auto_swaps=False) -> dict:
    """The standard form's fields for (days, start, end, roles, min) rows and optional checks."""
    data = {}
    for i, (days, start, end, roles, least) in enumerate(segments):
        data.update({f"segments-{i}-days": [str(d) for d in days], f"segments-{i}-start": start,
                     f"segments-{i}-end": end, f"segments-{i}-roles": list(roles), f"segments-{i}-min": str(least)})
    if checks:
        data.update(checks_on="y", **checks)
    if auto_swaps:
        data["auto_approve_swaps"] = "y"
    return data


def eating_disorders():
    return problems.standard_of(db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders")))


def test_the_form_starts_from_the_tier_default(client, auth: AuthActions, path):
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get(path).get_data(as_text=True)
    assert "This service uses its risk tier's default standard." in page
    assert 'name="segments-0-start" type="text" value="08:00"' in page
    assert 'name="segments-1-start" type="text" value="17:00"' in page


def test_a_manager_adds_weekend_peer_cover_and_new_rotas_use_it(app, client, auth: AuthActions, path):
    auth.login_demo(Role.TEAM_MANAGER)
    weekdays, weekend = range(5), (5, 6)
    rows = [(weekdays, "08:00", "17:00", ("clinical", "non_clinical"), 1),
            (range(7), "17:00", "22:00", ("champion", "volunteer"), 1),
            (weekend, "08:00", "17:00", ("clinical", "non_clinical", "peer"), 2)]
    saved = auth.post(path, standard_form(rows, auto_swaps=True), follow_redirects=True).get_data(as_text=True)
    assert "The standard for Eating disorders is saved." in saved
    assert "This service has its own standard." in saved
    with app.app_context():
        standard = eating_disorders()
        assert [(sorted(s.window.days), s.window.start, s.window.end, s.min) for s in standard.presence] == [
            ([0, 1, 2, 3, 4], 480, 1020, 1), ([0, 1, 2, 3, 4, 5, 6], 1020, 1320, 1), ([5, 6], 480, 1020, 2)]
        assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "standard.updated"

    reset = auth.post(path + "/reset", form_page=path, follow_redirects=True).get_data(as_text=True)
    assert "Eating disorders is back on its tier&#39;s default standard." in reset
    with app.app_context():
        assert len(eating_disorders().presence) == 2


def test_a_standard_that_cannot_be_used_is_refused_with_its_reasons(app, client, auth: AuthActions, path):
    auth.login_demo(Role.TEAM_MANAGER)
    backwards = auth.post(path, standard_form([(range(7), "22:00", "08:00", ("clinical",), 1)]))
    assert backwards.status_code == 400
    assert "presence segment 1 must start before it ends, within one day" in backwards.get_data(as_text=True)

    incomplete = auth.post(path, standard_form([(range(7), "08:00", "22:00", (), 1)]))
    assert "Presence row 1: enter the times, who may cover it and how many people" in \
        incomplete.get_data(as_text=True)

    nothing = auth.post(path, standard_form([]))
    assert "Eating disorders has no coverage standard" in nothing.get_data(as_text=True)

    crowded = auth.post(path, standard_form([], checks={"per_day": "30", "max_gap_hours": "4", "minutes": "60",
                                                        "window_start": "08:00", "window_end": "22:00",
                                                        "check_roles": ["clinical"]}))
    assert "30 checks of 60 minutes do not fit in the checks window" in crowded.get_data(as_text=True)
    bad_time = auth.post(path, standard_form([(range(7), "8am", "22:00", ("clinical",), 1)]))
    assert "Enter a time like 08:00." in bad_time.get_data(as_text=True)
    with app.app_context():
        assert len(eating_disorders().presence) == 2  # nothing saved


def test_a_low_risk_service_gets_more_checks(app, client, auth: AuthActions, demo_data):
    auth.login_demo(Role.TEAM_MANAGER)
    path = f"/rota/standards/{service_id_of(app, 'demo-low')}"
    checks = {"per_day": "6", "max_gap_hours": "3", "minutes": "20", "window_start": "07:00", "window_end": "23:00",
              "check_roles": ["clinical", "peer"]}
    auth.post(path, standard_form([], checks=checks))
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        standard = problems.standard_of(service).checks
        assert (standard.per_day, standard.max_gap, standard.window_start, standard.minutes) == (6, 180, 420, 20)


def test_managers_only_reach_their_own_services(app, client, auth: AuthActions, demo_data):
    auth.login_demo(Role.TEAM_MANAGER)
    assert client.get(f"/rota/standards/{service_id_of(app, 'perinatal')}").status_code == 404  # perinatal is Gareth's


def values_of(page: str, field: str) -> list[str]:
    """The value of a field in each presence row, in order."""
    return re.findall(rf'name="segments-\d+-{field}" type="text" value="([^"]*)"', page)


def test_rows_are_added_moved_and_removed_with_buttons_and_only_save_saves(app, client, auth: AuthActions,
                                                                            path):
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get(path).get_data(as_text=True)
    assert values_of(page, "start") == ["08:00", "17:00"], "no blank rows: rows are added when wanted"
    assert 'value="add"' in page and "Add a presence row" in page
    rows = [(range(5), "08:00", "17:00", ("clinical", "non_clinical"), 1),
            (range(7), "17:00", "22:00", ("champion", "volunteer"), 1)]

    added = auth.post(path, {**standard_form(rows), "row_action": "add"}, form_page=path)
    text = added.get_data(as_text=True)
    assert added.status_code == 200 and values_of(text, "start") == ["08:00", "17:00", ""]
    assert "A row was added at the end; nothing is saved until you press Save." in text
    moved = auth.post(path, {**standard_form(rows), "row_action": "down-1"}, form_page=path).get_data(as_text=True)
    assert values_of(moved, "start") == ["17:00", "08:00"] and "Row 1 moved down" in moved
    assert 'value="up-2"' in moved and 'value="up-1"' not in moved and 'value="down-2"' not in moved
    removed = auth.post(path, {**standard_form(rows), "row_action": "remove-1"}, form_page=path)
    assert values_of(removed.get_data(as_text=True), "start") == ["17:00"]
    with app.app_context():
        assert len(eating_disorders().presence) == 2, "a row button saves nothing"
    # Pressing Enter in a field sends the form with its first button, which is Save.
    first = re.search(r"<form method=\"post\" novalidate>.*?<button([^>]*)>([^<]*)<", moved, re.S)
    assert first and "row_action" not in first[1] and first[2] == "Save standard"
    stuck = auth.post(path, {**standard_form(rows[:1]), "row_action": "down-1"}, form_page=path)
    assert stuck.status_code == 200 and "Nothing was changed: that row is not there" in stuck.get_data(as_text=True)
    with app.app_context():
        assert len(eating_disorders().presence) == 2, "nor does a row button that cannot be carried out"
