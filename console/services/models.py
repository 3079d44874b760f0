"""Moderated services: each has a risk tier that sets its coverage standard."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.database import UTCDateTime, utcnow
from console.extensions import db


class RiskTier(StrEnum):
    """How closely a service must be moderated."""

    LOW = "low"  # at least 4 checks in every 24 hours, evenly spread
    HIGH = "high"  # a moderator present 08:00-22:00 every day

    @property
    def label(self) -> str:
        """The tier as staff read it."""
        return {"low": "Low risk", "high": "High risk"}[self.value]


class Service(db.Model):
    """A peer-support service on the platform."""

    __tablename__ = "services"
    __table_args__ = (sa.CheckConstraint("risk_tier IN ('low', 'high')", name="risk_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    risk_tier: Mapped[str] = mapped_column(sa.String(8))
    area: Mapped[str] = mapped_column(sa.String(120))
    mailbox: Mapped[str] = mapped_column(sa.String(254))
    # Whose bank holidays the service keeps (console.services.bank_holidays.REGIONS).
    bank_holidays: Mapped[str] = mapped_column(sa.String(3), default="ENG", server_default="ENG")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def tier(self) -> RiskTier:
        """The risk tier as an enum."""
        return RiskTier(self.risk_tier)

    def __repr__(self) -> str:
        return f"<Service {self.slug}>"
