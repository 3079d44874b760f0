"""Staff members, their roles, the services they belong to, and their sign-in secrets."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.database import UTCDateTime, utcnow
from console.extensions import db
from console.permissions import MFA_REQUIRED_ROLES, Role, has_capability
from console.services.models import Service

# A staff member belongs to (is trained for) the services in this table.
staff_services = sa.Table(
    "staff_services",
    db.metadata,
    sa.Column("staff_id", sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class StaffRole(db.Model):
    """One role held by one staff member."""

    __tablename__ = "staff_roles"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class StaffMember(UserMixin, db.Model):
    """A person who uses the console: staff, peer moderator or volunteer."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The last TOTP time step accepted, so one code cannot be used twice.
    mfa_last_timestep: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session identity: bumping it signs the person out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    services: Mapped[list[Service]] = relationship(
        secondary=staff_services, lazy="selectin", order_by=Service.name
    )

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds."""
        return frozenset(Role(row.role) for row in self.role_rows)

    @roles.setter
    def roles(self, roles) -> None:
        wanted = {Role(role) for role in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        held = {row.role for row in self.role_rows}
        self.role_rows.extend(StaffRole(role=role.value) for role in sorted(wanted - held))

    @property
    def role_labels(self) -> str:
        """The roles as staff read them, comma-separated."""
        return ", ".join(role.label for role in Role if role in self.roles)

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot sign in (used by flask-login)."""
        return self.active

    def get_id(self) -> str:
        """Session identity: changes when the person signs out everywhere."""
        return f"{self.id}:{self.session_version}"

    def can(self, capability: str) -> bool:
        """Tell whether this person's roles hold the capability."""
        return has_capability(self.roles, capability)

    @property
    def mfa_enabled(self) -> bool:
        """Whether a TOTP authenticator is enrolled."""
        return self.mfa_secret is not None

    @property
    def mfa_required(self) -> bool:
        """Owners, administrators and clinical roles must use MFA."""
        return bool(self.roles & MFA_REQUIRED_ROLES)

    def is_locked(self, now: datetime) -> bool:
        """Whether sign-in is refused because of repeated failures."""
        return self.locked_until is not None and self.locked_until > now

    def __repr__(self) -> str:
        return f"<StaffMember {self.id}>"


class RecoveryCode(db.Model):
    """A one-time MFA recovery code, stored as a hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountToken(db.Model):
    """A single-use, expiring link token (invitation or password reset), stored as a hash."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[StaffMember] = relationship()
