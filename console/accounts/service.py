"""Account rules: sign-in with lockout, MFA, single-use links, passwords and staff records."""

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from console.accounts import mfa
from console.accounts.models import AccountToken, RecoveryCode, StaffMember
from console.accounts.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.mail import MailError, send_email
from console.permissions import Role, has_capability
from console.services.models import Service

SIGN_IN_FAILED = "The email address or password is not right. Check them and try again."


class SignInError(UserError):
    """Sign-in refused: wrong details, wrong code, or a locked account."""


class TokenError(UserError):
    """A link that is unknown, used, expired or for another purpose."""


class PasswordError(UserError):
    """A password that is wrong or does not meet the rules; `field` names the form field at fault."""

    def __init__(self, message: str, *, field: str = "password"):
        super().__init__(message)
        self.field = field


class MfaError(UserError):
    """An MFA change that cannot be made."""


def staff_target(staff: StaffMember) -> str:
    """How a staff member is named in the audit log."""
    return f"staff:{staff.id}"


def local_time(moment: datetime) -> str:
    """A moment as people here read it: 14:35 on Tue 24 Nov."""
    return moment.astimezone(LONDON).strftime("%H:%M on %a %d %b")


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


def load_session_user(session_id: str) -> StaffMember | None:
    """Resolve a flask-login session id ("<id>:<session version>") to an active person."""
    staff_id, _, version = session_id.partition(":")
    if not (staff_id.isdigit() and version.isdigit()):
        return None
    staff = get(staff_id=int(staff_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    return staff


# --- Sign-in ------------------------------------------------------------------------------

def _locked_message(staff: StaffMember) -> str:
    return (
        f"This account is locked after too many failed sign-in attempts. Try again after "
        f"{local_time(staff.locked_until)}, or ask an administrator to unlock it."
    )


def _register_failure(staff: StaffMember, reason: str) -> None:
    """Count a failed attempt, lock the account at the threshold, audit both, and commit."""
    config = current_app.config
    staff.failed_logins += 1
    audit.record("auth.login_failed", target=staff_target(staff), actor="anonymous",
                 details={"reason": reason, "failed_attempts": staff.failed_logins})
    if staff.failed_logins >= config["LOCKOUT_THRESHOLD"]:
        staff.locked_until = utcnow() + timedelta(minutes=config["LOCKOUT_MINUTES"])
        staff.failed_logins = 0
        audit.record("auth.locked", target=staff_target(staff), actor="system",
                     details={"until": staff.locked_until.isoformat()})
    db.session.commit()
    if staff.is_locked(utcnow()):
        raise SignInError(_locked_message(staff))


def _refuse_if_locked(staff: StaffMember) -> None:
    if staff.is_locked(utcnow()):
        audit.record("auth.login_refused_locked", target=staff_target(staff), actor="anonymous")
        db.session.commit()
        raise SignInError(_locked_message(staff))


def check_password(*, email: str, password: str) -> StaffMember:
    """First sign-in step: the person behind a correct email and password, or SignInError."""
    staff = find_by_email(email)
    if staff is None or not staff.active:
        verify_password(None, password)  # same effort either way
        audit.record("auth.login_failed", target="unknown-account", actor="anonymous",
                     details={"reason": "no active account with that email"})
        db.session.commit()
        raise SignInError(SIGN_IN_FAILED)
    _refuse_if_locked(staff)
    if not verify_password(staff.password_hash, password):
        _register_failure(staff, "wrong password")
        raise SignInError(SIGN_IN_FAILED)
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
        db.session.commit()
    return staff


def check_second_factor(staff: StaffMember, code: str) -> None:
    """Second sign-in step: a current TOTP code (never one already used) or an unused recovery code."""
    _refuse_if_locked(staff)
    if any(ch.isalpha() for ch in code):
        if not _use_recovery_code(staff, code):
            _register_failure(staff, "wrong recovery code")
            raise SignInError("That recovery code is not right, or has been used already.")
        db.session.commit()
        return
    step = mfa.matching_timestep(staff.mfa_secret, code)
    if step is None or (staff.mfa_last_timestep is not None and step <= staff.mfa_last_timestep):
        _register_failure(staff, "wrong or reused MFA code")
        raise SignInError("That code is not right. Enter the 6-digit code your authenticator app shows now.")
    staff.mfa_last_timestep = step
    db.session.commit()


def _use_recovery_code(staff: StaffMember, code: str) -> bool:
    """Spend a recovery code; exactly one request can spend each code."""
    code_hash = mfa.hash_code(mfa.normalise_recovery_code(code))
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.staff_id == staff.id, RecoveryCode.code_hash == code_hash, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if spent:
        audit.record("mfa.recovery_code_used", target=staff_target(staff), actor=staff,
                     details={"remaining": remaining_recovery_codes(staff)})
    return bool(spent)


def complete_sign_in(staff: StaffMember) -> None:
    """Record a successful sign-in and clear the failure count."""
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = utcnow()
    audit.record("auth.login", target=staff_target(staff), actor=staff)
    db.session.commit()


def sign_out_everywhere(staff: StaffMember) -> None:
    """End every session of this person, on every device."""
    staff.session_version += 1
    audit.record("auth.logout_everywhere", target=staff_target(staff), actor=staff)
    db.session.commit()


# --- MFA ----------------------------------------------------------------------------------

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


# --- Passwords and single-use links -------------------------------------------------------

def validate_new_password(password: str, *, staff: StaffMember) -> None:
    """Raise PasswordError unless the password is long enough and not the person's own details."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"Use at least {MIN_LENGTH} characters. A few unrelated words make a strong password.")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if staff.email.split("@")[0] in lowered or lowered in staff.name.lower():
        raise PasswordError("Do not use your name or email address in your password.")


def change_password(staff: StaffMember, *, current: str, new: str) -> None:
    """Change a password, checking the current one; other sessions are signed out."""
    if not verify_password(staff.password_hash, current):
        raise PasswordError("Your current password is not right.", field="current")
    validate_new_password(new, staff=staff)
    staff.password_hash = hash_password(new)
    staff.session_version += 1
    audit.record("auth.password_changed", target=staff_target(staff), actor=staff)
    db.session.commit()


def _issue_token(staff: StaffMember, purpose: str) -> str:
    """Make a new link token; earlier unused ones for the same purpose stop working."""
    valid_for = {
        "invite": timedelta(hours=current_app.config["INVITE_VALID_HOURS"]),
        "reset": timedelta(minutes=current_app.config["RESET_VALID_MINUTES"]),
    }[purpose]
    now = utcnow()
    db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.staff_id == staff.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(staff_id=staff.id, purpose=purpose, token_hash=mfa.hash_code(token),
                                created_at=now, expires_at=now + valid_for))
    return token


def token_owner(token: str, *, purpose: str) -> StaffMember:
    """The person a valid, unused, unexpired link belongs to, or TokenError saying what is wrong."""
    row = db.session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == mfa.hash_code(token)))
    ask_again = ("Ask your administrator to send a new invitation." if purpose == "invite"
                 else "Ask for a new password reset link.")
    if row is None or row.purpose != purpose or not row.staff.active:
        raise TokenError(f"This link is not valid. Check you used the whole link from the email. {ask_again}")
    if row.used_at is not None:
        raise TokenError(f"This link has already been used or replaced by a newer one. {ask_again}")
    if row.expires_at <= utcnow():
        raise TokenError(f"This link expired at {local_time(row.expires_at)}. {ask_again}")
    return row.staff


def set_password_with_token(token: str, *, purpose: str, password: str) -> StaffMember:
    """Use an invitation or reset link to set a password; the link works exactly once."""
    staff = token_owner(token, purpose=purpose)
    validate_new_password(password, staff=staff)
    spent = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.token_hash == mfa.hash_code(token), AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if not spent:
        db.session.rollback()
        raise TokenError("This link has just been used. Sign in with your new password.")
    staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.session_version += 1
    audit.record("auth.invite_accepted" if purpose == "invite" else "auth.password_reset",
                 target=staff_target(staff), actor=staff)
    db.session.commit()
    return staff


def send_invitation(staff: StaffMember, *, link_for: Callable[[str], str]) -> None:
    """Email a single-use invitation link; the account is kept even when mail fails."""
    token = _issue_token(staff, "invite")
    audit.record("staff.invited", target=staff_target(staff))
    db.session.commit()
    hours = current_app.config["INVITE_VALID_HOURS"]
    _send(staff, "Your moderation console account",
          f"Hello {staff.name},\n\nAn account has been made for you on the moderation console.\n"
          f"Choose your password here (the link works once, for {hours} hours):\n\n{link_for(token)}\n\n"
          "If you were not expecting this, you can ignore this email.\n",
          failure="The account is saved, but the invitation email could not be sent")


def request_password_reset(email: str, *, link_for: Callable[[str], str]) -> None:
    """Email a reset link if an active account has this address; say nothing either way."""
    staff = find_by_email(email)
    if staff is None or not staff.active:
        return
    token = _issue_token(staff, "reset")
    audit.record("auth.reset_requested", target=staff_target(staff), actor="anonymous")
    db.session.commit()
    minutes = current_app.config["RESET_VALID_MINUTES"]
    _send(staff, "Reset your moderation console password",
          f"Hello {staff.name},\n\nSomeone asked to reset the password of your moderation console account.\n"
          f"Choose a new password here (the link works once, for {minutes} minutes):\n\n{link_for(token)}\n\n"
          "If it was not you, ignore this email: your password has not changed.\n",
          failure="The reset email could not be sent")


def _send(staff: StaffMember, subject: str, body: str, *, failure: str) -> None:
    try:
        send_email(to=staff.email, subject=subject, body=body)
    except MailError as error:
        raise UserError(f"{failure}: {error}. Try again in a few minutes.") from error


# --- Staff records (administration) -------------------------------------------------------

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


def _describe(staff: StaffMember) -> dict:
    return {"name": staff.name, "email": staff.email, "roles": sorted(staff.roles),
            "services": sorted(service.slug for service in staff.services)}


def create(*, name: str, email: str, roles: Iterable[Role], service_ids: Iterable[int]) -> StaffMember:
    """Create a staff member (no password yet: they choose it from their invitation)."""
    email = email.strip().lower()
    _check_unique_email(email)
    staff = StaffMember(name=name.strip(), email=email)
    staff.roles = roles
    staff.services = _services_by_id(service_ids)
    db.session.add(staff)
    db.session.flush()
    audit.record("staff.created", target=staff_target(staff), details=_describe(staff))
    db.session.commit()
    return staff


def update(staff: StaffMember, *, name: str, email: str, roles: Iterable[Role], service_ids: Iterable[int]) -> None:
    """Change a staff member's details, roles and services; the audit entry keeps before and after."""
    email = email.strip().lower()
    _check_unique_email(email, except_id=staff.id)
    before = _describe(staff)
    staff.name = name.strip()
    staff.email = email
    staff.roles = roles
    staff.services = _services_by_id(service_ids)
    after = _describe(staff)
    if before == after:
        return
    if before["roles"] != after["roles"]:
        staff.session_version += 1  # sessions pick up new permissions only after signing in again
    audit.record("staff.updated", target=staff_target(staff), details={"before": before, "after": after})
    db.session.commit()


def set_active(staff: StaffMember, *, active: bool, actor: StaffMember) -> None:
    """Deactivate (signing out at once) or reactivate a staff member."""
    if not active and staff.id == actor.id:
        raise UserError("You cannot deactivate your own account. Ask another administrator.")
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


def unlock(staff: StaffMember) -> None:
    """Lift a sign-in lockout."""
    staff.locked_until = None
    staff.failed_logins = 0
    audit.record("staff.unlocked", target=staff_target(staff))
    db.session.commit()


def reset_mfa(staff: StaffMember) -> None:
    """Remove a lost authenticator; the person enrols again at their next sign-in."""
    _clear_mfa(staff)
    staff.session_version += 1
    audit.record("staff.mfa_reset", target=staff_target(staff))
    db.session.commit()
