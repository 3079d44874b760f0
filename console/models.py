"""Every model of the main database, imported in one place for Alembic and the app."""

from console.accounts.models import AccountToken, RecoveryCode, StaffMember, StaffRole
from console.audit.models import AuditEntry
from console.services.models import Service

__all__ = ["AccountToken", "AuditEntry", "RecoveryCode", "Service", "StaffMember", "StaffRole"]
