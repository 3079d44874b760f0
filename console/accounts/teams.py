"""Who manages which services: the services whose rotas a person manages, and a service's team managers (who are
told when something changes on its rota without them or needs their decision)."""

import sqlalchemy as sa

from console.accounts.models import StaffMember, StaffRole
from console.extensions import db
from console.permissions import Role
from console.services.models import Service


def services_managed_by(viewer) -> list[Service]:
    """Active services whose rotas this person manages: all for owners, else the ones they belong to."""
    if Role.OWNER in viewer.roles:
        return list(db.session.scalars(sa.select(Service).where(Service.active).order_by(Service.name)))
    return [service for service in viewer.services if service.active]


def team_managers_of(service: Service) -> list[StaffMember]:
    """Active team managers of a service, by name."""
    return list(db.session.scalars(
        sa.select(StaffMember)
        .where(StaffMember.active, StaffMember.role_rows.any(StaffRole.role == Role.TEAM_MANAGER.value),
               StaffMember.services.any(Service.id == service.id))
        .order_by(StaffMember.name, StaffMember.id)))
