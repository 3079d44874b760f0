"""A person's authenticator app and recovery codes: enrolling, new recovery codes, turning MFA off, and an
administrator removing a lost authenticator. The codes themselves are made and checked in mfa.py."""

import sqlalchemy as sa

from console.accounts import mfa
from console.accounts.models import RecoveryCode, StaffMember
from console.accounts.staff_records import check_may_manage, staff_target
from console.audit import service as audit
from console.errors import UserError
from console.extensions import db


class MfaError(UserError):
    """An MFA change that cannot be made."""


def remaining_recovery_codes(staff: StaffMember) -> int:
    """How many unused recovery codes the person has."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.staff_id == staff.id, RecoveryCode.used_at.is_(None))
    )


def _replace_recovery_codes(staff: StaffMember) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = mfa.new_recovery_codes()
    db.session.add_all(RecoveryCode(staff_id=staff.id, code_hash=mfa.hash_code(code)) for code in codes)
    return codes


def enable_mfa(staff: StaffMember, *, secret: str, code: str) -> list[str]:
    """Enrol an authenticator once the person proves it works; returns new recovery codes."""
    step = mfa.matching_timestep(secret, code)
    if step is None:
        raise MfaError("That code does not match. Check the app shows this console's entry and try the newest code.")
    staff.mfa_secret = secret
    staff.mfa_last_timestep = step
    codes = _replace_recovery_codes(staff)
    audit.record("mfa.enrolled", target=staff_target(staff), actor=staff)
    db.session.commit()
    return codes


def regenerate_recovery_codes(staff: StaffMember) -> list[str]:
    """Replace all recovery codes (the old ones stop working)."""
    if not staff.mfa_enabled:
        raise MfaError("Set up an authenticator app first; recovery codes come with it.")
    codes = _replace_recovery_codes(staff)
    audit.record("mfa.recovery_codes_regenerated", target=staff_target(staff), actor=staff)
    db.session.commit()
    return codes


def disable_mfa(staff: StaffMember) -> None:
    """Turn MFA off for a person whose roles do not require it."""
    if staff.mfa_required:
        raise MfaError("Your role requires MFA, so it cannot be turned off.")
    _clear_mfa(staff)
    audit.record("mfa.disabled", target=staff_target(staff), actor=staff)
    db.session.commit()


def _clear_mfa(staff: StaffMember) -> None:
    staff.mfa_secret = None
    staff.mfa_last_timestep = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))


def reset_mfa(staff: StaffMember, *, actor: StaffMember) -> None:
    """Remove a lost authenticator; the person enrols again at their next sign-in."""
    check_may_manage(actor, staff, changes="authenticator")
    _clear_mfa(staff)
    staff.session_version += 1
    audit.record("staff.mfa_reset", target=staff_target(staff))
    db.session.commit()
