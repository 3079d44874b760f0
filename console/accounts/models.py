"""Staff members, their roles, the services they belong to, and their sign-in secrets."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console import crypto
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
    # The TOTP secret, sealed (console.crypto) like the ingest secrets: a copy of the database alone gives no codes.
    mfa_secret_sealed: Mapped[str | None] = mapped_column("mfa_secret", sa.Text)
    # The last TOTP time step accepted, so one code cannot be used twice.
    mfa_last_timestep: Mapped[int | None] = mapped_column(sa.BigInteger)
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
    def mfa_secret(self) -> str | None:
        """The TOTP secret, unsealed (None when no authenticator is enrolled)."""
        return crypto.unseal(self.mfa_secret_sealed) if self.mfa_secret_sealed is not None else None

    @mfa_secret.setter
    def mfa_secret(self, secret: str | None) -> None:
        self.mfa_secret_sealed = crypto.seal(secret) if secret is not None else None

    @property
    def mfa_enabled(self) -> bool:
        """Whether a TOTP authenticator is enrolled."""
        return self.mfa_secret_sealed is not None

    @property
    def mfa_required(self) -> bool:
        """Owners, administrators and clinical roles must use MFA."""
        return bool(self.roles & MFA_REQUIRED_ROLES)

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


class SignInSession(db.Model):
    """One signed-in browser. The cookie carries its random id; signing out ends the row, so a copy of the cookie
    taken before stops working at once."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailures(db.Model):
    """Failed sign-in attempts for one email address from one client address, and the lock they led to. Counting
    by both means a stranger elsewhere cannot lock a clinician out, and an address with no account locks the same
    way as a real one, so the answers tell nobody which accounts exist."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.UniqueConstraint("account_key", "address", name="uq_sign_in_failures_account_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(sa.String(64), index=True)  # SHA-256 of the email as typed, normalised
    address: Mapped[str] = mapped_column(sa.String(64))  # the client address
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
