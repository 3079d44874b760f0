"""Every model of the main database, imported in one place for Alembic and the app."""

from console.accounts.models import AccountToken, RecoveryCode, SignInFailures, SignInSession, StaffMember, StaffRole
from console.alerts.models import Alert
from console.audit.models import AuditEntry
from console.rotas.models import (
    CalendarEvent,
    CalendarFeed,
    CoverageStandard,
    OpenShiftClaim,
    RotaRun,
    RotaVersion,
    RuleOverride,
    Shift,
    SwapRequest,
)
from console.staffing.models import AvailabilityWindow, Contract, LeaveRequest, StaffPreference, Unavailability
from console.queue.models import (
    CannedReason,
    IngestSecret,
    ModerationCheck,
    ModerationEvent,
    ModeratorSession,
    Post,
    QueueSettings,
    RiskTerm,
)
from console.platform.models import PlatformEvent, PlatformWebhook
from console.notifications.models import NotificationSettings, OutboxEmail, SentNotice
from console.services.models import Service
from escalation_pathways.models import Case, CaseStep, ClinicalNote, EscalationPlan, RevealRequest
from scheduler.models import JobRun, SchedulerLeader

__all__ = ["AccountToken", "Alert", "AuditEntry", "AvailabilityWindow", "CalendarEvent", "CalendarFeed", "CannedReason",
           "Case",
           "CaseStep", "ClinicalNote", "Contract", "CoverageStandard", "EscalationPlan", "IngestSecret", "JobRun",
           "LeaveRequest", "ModerationCheck", "ModerationEvent", "ModeratorSession", "NotificationSettings",
           "OpenShiftClaim", "OutboxEmail", "PlatformEvent", "PlatformWebhook", "Post", "QueueSettings",
           "RecoveryCode", "RevealRequest", "RiskTerm", "RotaRun", "RotaVersion", "RuleOverride", "SchedulerLeader",
           "SentNotice", "Service", "Shift", "SignInFailures", "SignInSession", "StaffMember", "StaffPreference",
           "StaffRole", "SwapRequest", "Unavailability"]
