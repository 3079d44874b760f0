"""Signing in and out: the password, then the MFA code or a recovery code, with failures counted and locked out
by email address and client address together; each browser's sign-in session, its limit, and ending it here or
everywhere; lockouts, and an administrator lifting one."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from console.accounts import mfa
from console.accounts.authenticator import remaining_recovery_codes
from console.accounts.models import RecoveryCode, SignInFailures, SignInSession, StaffMember
from console.accounts.passwords import hash_password, needs_rehash, verify_password
from console.accounts.staff_records import check_may_manage, find_by_email, get, staff_target
from console.audit import service as audit
from console.database import insert_or_ignore, utcnow
from console.errors import UserError
from console.extensions import db
from console.words import local_time

SESSION_KEY = "sign_in_session"  # the browser's sign-in session id, in the (signed) session cookie
SIGN_IN_FAILED = "The email address or password is not right. Check them and try again."


class SignInError(UserError):
    """Sign-in refused: wrong details, wrong code, or a locked account."""


def sign_in_limit() -> timedelta:
    """How long a sign-in lasts from the moment it began, however often it is used (SESSION_MAX_HOURS)."""
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def load_session_user(session_id: str) -> StaffMember | None:
    """Resolve a flask-login session id ("<id>:<session version>") to an active person, while the browser's
    sign-in session (its random id in the cookie) has not been ended by signing out nor reached its limit."""
    staff_id, _, version = session_id.partition(":")
    if not (staff_id.isdigit() and version.isdigit()):
        return None
    staff = get(staff_id=int(staff_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    token = session.get(SESSION_KEY)
    if not token or db.session.scalar(sa.select(SignInSession.id).where(
            SignInSession.token_hash == mfa.hash_code(token), SignInSession.staff_id == staff.id,
            SignInSession.ended_at.is_(None), SignInSession.created_at > utcnow() - sign_in_limit())) is None:
        return None
    return staff


def sign_in_expired(token: str | None) -> bool:
    """Whether this browser's sign-in session (its random id from the cookie) was not signed out but has reached
    its limit, so the person is told why they must sign in again."""
    return bool(token) and db.session.scalar(sa.select(SignInSession.id).where(
        SignInSession.token_hash == mfa.hash_code(token), SignInSession.ended_at.is_(None),
        SignInSession.created_at <= utcnow() - sign_in_limit())) is not None


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _failures(email: str, address: str) -> SignInFailures | None:
    return db.session.scalar(sa.select(SignInFailures).where(SignInFailures.account_key == _account_key(email),
                                                             SignInFailures.address == address)
                             .execution_options(populate_existing=True))


def _locked_message(until: datetime) -> str:
    return (
        f"This account is locked after too many failed sign-in attempts. Try again after "
        f"{local_time(until)}, or ask an administrator to unlock it."
    )


def _register_failure(email: str, address: str, reason: str, staff: StaffMember | None = None) -> None:
    """Count a failed attempt for this email from this address, lock the pair at the threshold, audit both, and
    commit. An email with no account counts and locks the same way as a real one."""
    config = current_app.config
    now, key = utcnow(), _account_key(email)
    insert_or_ignore(db.session, SignInFailures, index_elements=["account_key", "address"],
                     account_key=key, address=address, failures=0, updated_at=now)
    # One statement, so attempts at the same moment each count; failures older than a lock lasts are forgotten.
    window_start = now - timedelta(minutes=config["LOCKOUT_MINUTES"])
    db.session.execute(sa.update(SignInFailures).where(SignInFailures.account_key == key,
                                                       SignInFailures.address == address)
                       .values(failures=sa.case((SignInFailures.updated_at < window_start, 1),
                                                else_=SignInFailures.failures + 1), updated_at=now))
    row = _failures(email, address)
    audit.record("auth.login_failed", target=staff_target(staff), actor="anonymous",
                 details={"reason": reason, "failed_attempts": row.failures, "address": address})
    locked = row.failures >= config["LOCKOUT_THRESHOLD"]
    if locked:
        row.locked_until = now + timedelta(minutes=config["LOCKOUT_MINUTES"])
        row.failures = 0
        audit.record("auth.locked", target=staff_target(staff), actor="system",
                     details={"until": row.locked_until.isoformat(), "address": address})
    db.session.commit()
    if locked:
        raise SignInError(_locked_message(row.locked_until))


def _refuse_if_locked(email: str, address: str, staff: StaffMember | None = None) -> None:
    row = _failures(email, address)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        audit.record("auth.login_refused_locked", target=staff_target(staff), actor="anonymous",
                     details={"address": address})
        db.session.commit()
        raise SignInError(_locked_message(row.locked_until))


def locked_until(staff: StaffMember) -> datetime | None:
    """Until when sign-in to this account is locked from some address (the latest), if it is now."""
    return db.session.scalar(sa.select(SignInFailures.locked_until).where(
        SignInFailures.account_key == _account_key(staff.email), SignInFailures.locked_until > utcnow())
        .order_by(SignInFailures.locked_until.desc()).limit(1))


def locked_accounts(people: list[StaffMember]) -> set[int]:
    """Of these people, the ids of those whose sign-in is locked now from some address (one query)."""
    locked = set(db.session.scalars(sa.select(SignInFailures.account_key).where(
        SignInFailures.locked_until > utcnow())))
    return {person.id for person in people if _account_key(person.email) in locked}


def clear_failures(staff: StaffMember) -> None:
    """Forget the failed sign-ins of this person, from every address (in the caller's transaction)."""
    db.session.execute(sa.delete(SignInFailures).where(SignInFailures.account_key == _account_key(staff.email)))


def check_password(*, email: str, password: str, address: str) -> StaffMember:
    """First sign-in step: the person behind a correct email and password, or SignInError. Failures are counted
    by email and client address together."""
    staff = find_by_email(email)
    if staff is None or not staff.active:
        _refuse_if_locked(email, address)
        verify_password(None, password)  # same effort either way
        _register_failure(email, address, "no active account with that email")
        raise SignInError(SIGN_IN_FAILED)
    _refuse_if_locked(email, address, staff)
    if not verify_password(staff.password_hash, password):
        _register_failure(email, address, "wrong password", staff)
        raise SignInError(SIGN_IN_FAILED)
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
        db.session.commit()
    return staff


def check_second_factor(staff: StaffMember, code: str, *, address: str) -> None:
    """Second sign-in step (and the step-up before sensitive work): a current TOTP code (never one already used)
    or an unused recovery code."""
    _refuse_if_locked(staff.email, address, staff)
    if any(ch.isalpha() for ch in code):
        if not _use_recovery_code(staff, code):
            _register_failure(staff.email, address, "wrong recovery code", staff)
            raise SignInError("That recovery code is not right, or has been used already.")
        db.session.commit()
        return
    step = mfa.matching_timestep(staff.mfa_secret, code)
    if step is None or (staff.mfa_last_timestep is not None and step <= staff.mfa_last_timestep):
        _register_failure(staff.email, address, "wrong or reused MFA code", staff)
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


def complete_sign_in(staff: StaffMember, *, address: str) -> str:
    """Record a successful sign-in, clear the failures from this address, and start a sign-in session; returns
    the session's random id for the cookie."""
    now = utcnow()
    db.session.execute(sa.delete(SignInFailures).where(SignInFailures.account_key == _account_key(staff.email),
                                                       SignInFailures.address == address))
    # Sessions older than a sign-in can last are of no use: keep the table small.
    db.session.execute(sa.delete(SignInSession).where(SignInSession.staff_id == staff.id,
                                                      SignInSession.created_at <= now - sign_in_limit()))
    token = secrets.token_urlsafe(32)
    db.session.add(SignInSession(staff_id=staff.id, token_hash=mfa.hash_code(token), created_at=now))
    staff.last_login_at = now
    audit.record("auth.login", target=staff_target(staff), actor=staff)
    db.session.commit()
    return token


def end_session(token: str | None) -> None:
    """End one browser's sign-in session (signing out): its cookie, or any copy of it, no longer signs in."""
    if token:
        db.session.execute(sa.update(SignInSession).where(SignInSession.token_hash == mfa.hash_code(token),
                                                          SignInSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.commit()


def end_sessions(staff: StaffMember, *, keep: str | None = None) -> None:
    """End every sign-in session of this person but `keep` (a browser's own), in the caller's transaction."""
    query = sa.update(SignInSession).where(SignInSession.staff_id == staff.id, SignInSession.ended_at.is_(None))
    if keep:
        query = query.where(SignInSession.token_hash != mfa.hash_code(keep))
    db.session.execute(query.values(ended_at=utcnow()))


def sign_out_everywhere(staff: StaffMember) -> None:
    """End every session of this person, on every device."""
    end_sessions(staff)
    staff.session_version += 1
    audit.record("auth.logout_everywhere", target=staff_target(staff), actor=staff)
    db.session.commit()


def unlock(staff: StaffMember, *, actor: StaffMember | None) -> None:
    """Lift a sign-in lockout, from every address (a lockout of someone more trusted stays for those who may manage
    them: it holds back whoever is guessing their password)."""
    check_may_manage(actor, staff, changes="sign-in")
    clear_failures(staff)
    audit.record("staff.unlocked", target=staff_target(staff))
    db.session.commit()
