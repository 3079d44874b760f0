"""Reading and changing moderated services; staff see only the services they belong to."""

import re

import sqlalchemy as sa

from console.audit import service as audit
from console.errors import NotFound, UserError
from console.extensions import db
from console.queue import terms
from console.services import bank_holidays as bank_holiday_calendars
from console.services.models import RiskTier, Service

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def target(service: Service) -> str:
    """How a service is named in the audit log."""
    return f"service:{service.id}"


def get_all(*, include_inactive: bool = True) -> list[Service]:
    """Every service of the trust, by name."""
    query = sa.select(Service).order_by(Service.name)
    if not include_inactive:
        query = query.where(Service.active)
    return list(db.session.scalars(query))


def visible_to(viewer) -> list[Service]:
    """Services the viewer may see: all for trust-wide roles, else the ones they belong to."""
    if viewer.can("services.view_all"):
        return get_all()
    return [service for service in viewer.services if service.active]


def get_visible_or_raise(viewer, *, slug: str) -> Service:
    """A service the viewer may see, by slug, or NotFound (hidden services look absent)."""
    for service in visible_to(viewer):
        if service.slug == slug:
            return service
    raise NotFound("There is no service at this address that you have access to.")


def active_by_slug(slug: str) -> Service | None:
    """The active service with that slug, or None (the platform's API names services by slug)."""
    return db.session.scalar(sa.select(Service).where(Service.slug == slug, Service.active))


def get_or_raise(*, service_id: int) -> Service:
    """A service by id, or NotFound."""
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("There is no service with that number.")
    return service


def _check(*, name: str, slug: str, risk_tier: str, except_id: int | None) -> None:
    if not SLUG_PATTERN.match(slug):
        raise UserError("The short name may use lower-case letters, digits and single hyphens only, "
                        "e.g. eating-disorders.")
    RiskTier(risk_tier)
    clash = db.session.scalar(
        sa.select(Service).where(sa.or_(Service.slug == slug, Service.name == name), Service.id != (except_id or 0))
    )
    if clash is not None:
        raise UserError(f"The name or short name is already used by the service {clash.name}.")


def _describe(service: Service) -> dict:
    return {"name": service.name, "slug": service.slug, "risk_tier": service.risk_tier,
            "area": service.area, "mailbox": service.mailbox, "bank_holidays": service.bank_holidays}


def _region(bank_holidays: str) -> str:
    if bank_holidays not in bank_holiday_calendars.REGIONS:
        raise UserError("Choose whose bank holidays the service keeps: England and Wales, Scotland or Northern "
                        "Ireland.")
    return bank_holidays


def create(*, name: str, slug: str, risk_tier: str, area: str, mailbox: str,
           bank_holidays: str = bank_holiday_calendars.DEFAULT_REGION) -> Service:
    """Add a service, with the default critical and risk word lists (administrators edit them)."""
    name, slug = name.strip(), slug.strip().lower()
    _check(name=name, slug=slug, risk_tier=risk_tier, except_id=None)
    service = Service(name=name, slug=slug, risk_tier=risk_tier, area=area.strip(), mailbox=mailbox.strip().lower(),
                      bank_holidays=_region(bank_holidays))
    db.session.add(service)
    db.session.flush()
    terms.add_default_terms(service)
    audit.record("service.created", target=target(service), details=_describe(service))
    db.session.commit()
    return service


def update(service: Service, *, name: str, slug: str, risk_tier: str, area: str, mailbox: str,
           bank_holidays: str = bank_holiday_calendars.DEFAULT_REGION) -> None:
    """Change a service; the audit entry keeps before and after."""
    name, slug = name.strip(), slug.strip().lower()
    _check(name=name, slug=slug, risk_tier=risk_tier, except_id=service.id)
    before = _describe(service)
    service.name, service.slug, service.risk_tier = name, slug, risk_tier
    service.bank_holidays = _region(bank_holidays)
    service.area, service.mailbox = area.strip(), mailbox.strip().lower()
    after = _describe(service)
    if before != after:
        audit.record("service.updated", target=target(service), details={"before": before, "after": after})
        db.session.commit()


def set_active(service: Service, *, active: bool) -> None:
    """Deactivate (hide from rotas and queues) or reactivate a service."""
    service.active = active
    audit.record("service.reactivated" if active else "service.deactivated", target=target(service))
    db.session.commit()
