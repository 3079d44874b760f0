"""Staff records: finding people, who sees whom, who may change whose account, and creating and changing a
person's details, roles, services and access. Each change is audited with what it was before and after."""

from collections.abc import Iterable

import sqlalchemy as sa

from console.accounts.models import StaffMember, StaffRole
from console.audit import service as audit
from console.errors import NotFound, UserError
from console.extensions import db
from console.permissions import ADMINISTRATORS, Role, grantable_roles, has_capability
from console.services.models import Service
from console.words import listed


def staff_target(staff: StaffMember | None) -> str:
    """How a staff member is named in the audit log ("unknown-account" for an attempt on no account)."""
    return f"staff:{staff.id}" if staff is not None else "unknown-account"


def find_by_email(email: str) -> StaffMember | None:
    """The staff member with this email address (case-insensitive), if any."""
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.email == email.strip().lower()))


def get(*, staff_id: int) -> StaffMember | None:
    """The staff member with this id, if any."""
    return db.session.get(StaffMember, staff_id)


def get_or_raise(*, staff_id: int) -> StaffMember:
    """The staff member with this id, or NotFound."""
    staff = get(staff_id=staff_id)
    if staff is None:
        raise NotFound("There is no staff member with that number.")
    return staff


def visible_staff(viewer: StaffMember) -> list[StaffMember]:
    """Staff the viewer may see: everyone for administrators, else those sharing a service."""
    query = sa.select(StaffMember).order_by(StaffMember.name)
    if not viewer.can("services.view_all"):
        service_ids = [service.id for service in viewer.services]
        query = query.where(StaffMember.services.any(Service.id.in_(service_ids)))
    return list(db.session.scalars(query))


def members_of(service: Service) -> list[StaffMember]:
    """Everyone trained for a service, by name."""
    query = sa.select(StaffMember).where(StaffMember.services.any(Service.id == service.id)).order_by(StaffMember.name)
    return list(db.session.scalars(query))


def manager_ids() -> list[int]:
    """The ids of the active team managers and owners, in the order they were added (whom the managers' digest
    and monthly report go to)."""
    managing = StaffMember.role_rows.any(StaffRole.role.in_([Role.TEAM_MANAGER.value, Role.OWNER.value]))
    return list(db.session.scalars(sa.select(StaffMember.id).where(StaffMember.active, managing)
                                   .order_by(StaffMember.id)))


def _check_unique_email(email: str, *, except_id: int | None = None) -> None:
    existing = find_by_email(email)
    if existing is not None and existing.id != except_id:
        raise UserError(f"{email} already belongs to another account ({existing.name}).")


def _services_by_id(service_ids: Iterable[int]) -> list[Service]:
    ids = set(service_ids)
    services = list(db.session.scalars(sa.select(Service).where(Service.id.in_(ids))))
    if len(services) != len(ids):
        raise UserError("One of the chosen services no longer exists. Reload the page and choose again.")
    return services


def _details(*, name: str, email: str, roles: Iterable[Role], services: Iterable[Service]) -> dict:
    """A staff record's fields as the audit log keeps them."""
    return {"name": name, "email": email, "roles": sorted(roles),
            "services": sorted(service.slug for service in services)}


def _describe(staff: StaffMember) -> dict:
    return _details(name=staff.name, email=staff.email, roles=staff.roles, services=staff.services)


# The fields of a staff record as a refusal names them.
FIELD_WORDS = {"name": "name", "email": "email address", "roles": "roles", "services": "services"}


def _check_role_change(actor: StaffMember | None, staff: StaffMember | None, before: frozenset[Role],
                       after: frozenset[Role]) -> None:
    """Refuse a change of roles the actor may not make: their own, or one the capability table does not give them.
    No actor is the command line (the first owner), which may do anything."""
    if actor is None or before == after:
        return
    if staff is not None and staff.id == actor.id:
        raise UserError("You cannot change your own roles. Ask another administrator or an owner.")
    refused = (before ^ after) - grantable_roles(actor.roles)
    if refused:
        names = ", ".join(role.label for role in Role if role in refused)
        raise UserError(f"Your role does not let you give or take away: {names}. "
                        "Only owners change owners and administrators; only owners and clinical administrators "
                        "change clinical roles.")


def may_manage(actor: StaffMember, staff: StaffMember) -> bool:
    """Whether the actor may change this person's account: every field of it (name, email address, roles,
    services) and their sign-in (invitation, authenticator, access). Only someone who may grant every role the
    person holds, so nobody changes an account more trusted than their own."""
    return staff.roles <= grantable_roles(actor.roles)


def editable_ids(actor: StaffMember, staff: list[StaffMember]) -> set[int]:
    """The people among `staff` whose record the actor may change (their own, and those they may manage): the staff
    list offers "Edit" for these and "View" for the rest."""
    return {person.id for person in staff if person.id == actor.id or may_manage(actor, person)}


def refusal_to_manage(actor: StaffMember | None, staff: StaffMember, *,
                      changes: str = "details or sign-in") -> str | None:
    """Why the actor may not change this person's account (`changes` says what they tried), or None if they may.
    `actor` None is the command line, which may."""
    if actor is None or may_manage(actor, staff):
        return None
    # Only owners grant administrative roles; owners and clinical administrators grant clinical ones.
    ask = "an owner" if staff.roles & ADMINISTRATORS else "an owner or a clinical administrator"
    return (f"{staff.name} holds a role yours cannot grant ({staff.role_labels}), so you cannot change their "
            f"{changes}. Ask {ask}.")


def check_may_manage(actor: StaffMember | None, staff: StaffMember, *, changes: str) -> None:
    """Raise UserError with the reason when the actor may not change this part of the person's account."""
    refusal = refusal_to_manage(actor, staff, changes=changes)
    if refusal:
        raise UserError(refusal)


def needs_step_up(staff: StaffMember | None, *, email: str, roles: Iterable[Role],
                  service_ids: Iterable[int]) -> bool:
    """Whether saving these details needs a fresh MFA code: a new account, a change of roles or email address, or
    a change to the services of someone who may reveal identities (their services decide whose)."""
    if staff is None:
        return True
    if frozenset(Role(role) for role in roles) != staff.roles or email.strip().lower() != staff.email:
        return True
    return (has_capability(staff.roles, "pid.reveal")
            and set(service_ids) != {service.id for service in staff.services})


def create(*, name: str, email: str, roles: Iterable[Role], service_ids: Iterable[int],
           actor: StaffMember | None) -> StaffMember:
    """Create a staff member (no password yet: they choose it from their invitation). `actor` None is the command
    line; an administrator may only give the roles the capability table lets them grant."""
    email = email.strip().lower()
    _check_unique_email(email)
    roles = frozenset(Role(role) for role in roles)
    _check_role_change(actor, None, frozenset(), roles)
    staff = StaffMember(name=name.strip(), email=email)
    staff.roles = roles
    staff.services = _services_by_id(service_ids)
    db.session.add(staff)
    db.session.flush()
    audit.record("staff.created", target=staff_target(staff), actor=actor, details=_describe(staff))
    db.session.commit()
    return staff


def update(staff: StaffMember, *, name: str, email: str, roles: Iterable[Role], service_ids: Iterable[int],
           actor: StaffMember) -> None:
    """Change a staff member's details, roles and services; the audit entry keeps before and after. Someone else's
    record changes only where the actor may manage them (may_manage); roles follow the capability table and are
    never one's own."""
    email = email.strip().lower()
    _check_unique_email(email, except_id=staff.id)
    roles = frozenset(Role(role) for role in roles)
    services = _services_by_id(service_ids)
    before = _describe(staff)
    after = _details(name=name.strip(), email=email, roles=roles, services=services)
    if before == after:
        return
    if staff.id != actor.id:
        changed = [words for field, words in FIELD_WORDS.items() if before[field] != after[field]]
        check_may_manage(actor, staff, changes=listed(changed))
    _check_role_change(actor, staff, staff.roles, roles)
    staff.name, staff.email, staff.roles, staff.services = after["name"], email, roles, services
    if before["roles"] != after["roles"]:
        staff.session_version += 1  # sessions pick up new permissions only after signing in again
    audit.record("staff.updated", target=staff_target(staff), details={"before": before, "after": after})
    db.session.commit()


def set_active(staff: StaffMember, *, active: bool, actor: StaffMember) -> None:
    """Deactivate (signing out at once) or reactivate a staff member."""
    if not active and staff.id == actor.id:
        raise UserError("You cannot deactivate your own account. Ask another administrator.")
    check_may_manage(actor, staff, changes="access")
    if not active and has_capability(staff.roles, "admin.staff") and _other_active_admins(staff) == 0:
        raise UserError("This is the last active administrator; make someone else an administrator first.")
    staff.active = active
    staff.session_version += 1
    audit.record("staff.reactivated" if active else "staff.deactivated", target=staff_target(staff))
    db.session.commit()


def _other_active_admins(staff: StaffMember) -> int:
    admins = [person for person in db.session.scalars(sa.select(StaffMember).where(StaffMember.active))
              if person.id != staff.id and person.can("admin.staff")]
    return len(admins)
