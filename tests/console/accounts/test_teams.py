"""Who manages which services: a service's team managers, found by a query."""

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.accounts.teams import services_managed_by, team_managers_of
from console.extensions import db
from console.permissions import Role
from console.services.models import Service
from tests.factories import make_staff, person, services


def _more_people_around_eating_disorders() -> None:
    """A second team manager of Eating disorders (first by name), one who has left, one of another service, and a
    moderator of Eating disorders who manages nothing."""
    eating, carers = services("eating-disorders")[0], services("carers")[0]
    make_staff("aaron.manager@trust.example.org", roles=(Role.TEAM_MANAGER,), services_=[eating], name="Aaron Ames")
    make_staff("left.manager@trust.example.org", roles=(Role.TEAM_MANAGER,), services_=[eating],
               name="Abel Left").active = False
    make_staff("carers.manager@trust.example.org", roles=(Role.TEAM_MANAGER,), services_=[carers], name="Abby Carers")
    make_staff("mo.moderator@trust.example.org", roles=(Role.NON_CLINICAL_MODERATOR,), services_=[eating],
               name="Aaden Moderator")
    db.session.commit()


def test_a_services_team_managers_are_its_active_team_managers_by_name(app, demo_data):
    with app.app_context():
        _more_people_around_eating_disorders()
        eating = services("eating-disorders")[0]
        assert [p.name for p in team_managers_of(eating)] == ["Aaron Ames", "Priya Shah"]
        assert [p.name for p in team_managers_of(services("carers")[0])] == ["Abby Carers", "Gareth Lloyd"]


def test_team_managers_are_found_by_a_query_not_by_loading_every_member(app, demo_data):
    """Asked on every alert step and every swap: only the managers themselves are read from the database."""
    with app.app_context():
        _more_people_around_eating_disorders()
        eating = services("eating-disorders")[0]
        db.session.expunge_all()
        loaded = []

        def count(member, _context):
            loaded.append(member.name)

        sa.event.listen(StaffMember, "load", count)
        try:
            managers = team_managers_of(eating)
        finally:
            sa.event.remove(StaffMember, "load", count)
        assert sorted(loaded) == [p.name for p in managers] == ["Aaron Ames", "Priya Shah"]


def test_an_owner_manages_every_active_service_and_a_team_manager_their_own(app, demo_data):
    with app.app_context():
        assert [s.slug for s in services_managed_by(person(Role.TEAM_MANAGER))] == \
            [s.slug for s in services("eating-disorders", "early-intervention-psychosis", "demo-low")]
        carers = services("carers")[0]
        carers.active = False
        db.session.commit()
        everything = services_managed_by(person(Role.OWNER))
        assert [s.name for s in everything] == sorted(s.name for s in db.session.scalars(sa.select(Service))
                                                      if s.active)
        assert carers not in everything
