"""Account rules: sign-in with lockout, MFA, single-use links, passwords and staff records."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from console.accounts import mfa
from console.accounts.models import AccountToken, RecoveryCode, SignInFailures, SignInSession, StaffMember
from console.accounts.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password
from console.audit import service as audit
from console.database import LONDON, insert_or_ignore, utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.links import public_url
from console.notifications import service as outbox
from console.permissions import ADMINISTRATORS, Role, grantable_roles, has_capability
from console.services.models import Service
from console.words import listed

SESSION_KEY = "sign_in_session"  # the browser's sign-in session id, in the (signed) session cookie
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


# --- Sign-in ------------------------------------------------------------------------------

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


def _target(staff: StaffMember | None) -> str:
    return staff_target(staff) if staff is not None else "unknown-account"


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
    audit.record("auth.login_failed", target=_target(staff), actor="anonymous",
                 details={"reason": reason, "failed_attempts": row.failures, "address": address})
    locked = row.failures >= config["LOCKOUT_THRESHOLD"]
    if locked:
        row.locked_until = now + timedelta(minutes=config["LOCKOUT_MINUTES"])
        row.failures = 0
        audit.record("auth.locked", target=_target(staff), actor="system",
                     details={"until": row.locked_until.isoformat(), "address": address})
    db.session.commit()
    if locked:
        raise SignInError(_locked_message(row.locked_until))


def _refuse_if_locked(email: str, address: str, staff: StaffMember | None = None) -> None:
    row = _failures(email, address)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        audit.record("auth.login_refused_locked", target=_target(staff), actor="anonymous",
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


def _clear_failures(staff: StaffMember) -> None:
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


def _end_sessions(staff: StaffMember, *, keep: str | None = None) -> None:
    query = sa.update(SignInSession).where(SignInSession.staff_id == staff.id, SignInSession.ended_at.is_(None))
    if keep:
        query = query.where(SignInSession.token_hash != mfa.hash_code(keep))
    db.session.execute(query.values(ended_at=utcnow()))


def sign_out_everywhere(staff: StaffMember) -> None:
    """End every session of this person, on every device."""
    _end_sessions(staff)
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


def change_password(staff: StaffMember, *, current: str, new: str, keep_session: str | None) -> None:
    """Change a password, checking the current one; every other session is signed out (`keep_session`, this
    browser's, stays)."""
    if not verify_password(staff.password_hash, current):
        raise PasswordError("Your current password is not right.", field="current")
    validate_new_password(new, staff=staff)
    staff.password_hash = hash_password(new)
    _end_sessions(staff, keep=keep_session)
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
    if purpose == "invite" and row.staff.password_hash is not None:
        raise TokenError("This invitation is for an account that already has a password. Sign in, or ask for a "
                         "password reset link from the sign-in page.")
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
    _clear_failures(staff)
    _end_sessions(staff)
    staff.session_version += 1
    audit.record("auth.invite_accepted" if purpose == "invite" else "auth.password_reset",
                 target=staff_target(staff), actor=staff)
    db.session.commit()
    return staff


# What each single-use link's email says: subject, first line, the page it opens, last line.
LINK_EMAILS = {
    "invite": ("Your moderation console account", "An account has been made for you on the moderation console.",
               "auth.accept_invite", "If you were not expecting this, you can ignore this email."),
    "reset": ("Reset your moderation console password",
              "Someone asked to reset the password of your moderation console account.", "auth.reset_password",
              "If it was not you, ignore this email: your password has not changed."),
}


def _email_link(staff: StaffMember, purpose: str) -> None:
    """Issue a single-use link and put its email in the outbox, in the caller's transaction; commits."""
    subject, opening, endpoint, closing = LINK_EMAILS[purpose]
    valid_for = (f"{current_app.config['INVITE_VALID_HOURS']} hours" if purpose == "invite"
                 else f"{current_app.config['RESET_VALID_MINUTES']} minutes")
    link = public_url(endpoint, token=_issue_token(staff, purpose))
    outbox.queue_letter(staff, subject=subject, text=f"{opening}\nChoose your password here (the link works once, "
                                                     f"for {valid_for}):\n\n{link}\n\n{closing}")
    db.session.commit()
    outbox.send_soon()


def send_invitation(staff: StaffMember, *, actor: StaffMember | None) -> None:
    """Put a single-use invitation link in the outbox, for an account that has no password yet (an invitation
    would otherwise replace it). `actor` None is the command line."""
    if staff.password_hash is not None:
        raise UserError(f"{staff.name} has already chosen a password, so an invitation would replace it. If they "
                        "cannot sign in, they can ask for a reset link from the sign-in page.")
    _check_may_manage(actor, staff, changes="sign-in")
    audit.record("staff.invited", target=staff_target(staff), actor=actor)
    _email_link(staff, "invite")


def request_password_reset(email: str) -> None:
    """Put a reset link in the outbox if an active account has this address. The answer and the work done are
    the same either way (a database write, no mail server wait), so the page cannot tell who has an account."""
    staff = find_by_email(email)
    audit.record("auth.reset_requested", target=_target(staff if staff and staff.active else None),
                 actor="anonymous")
    if staff is None or not staff.active:
        db.session.commit()
        return
    _email_link(staff, "reset")


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


def _check_may_manage(actor: StaffMember | None, staff: StaffMember, *, changes: str) -> None:
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
        _check_may_manage(actor, staff, changes=listed(changed))
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
    _check_may_manage(actor, staff, changes="access")
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


def unlock(staff: StaffMember, *, actor: StaffMember | None) -> None:
    """Lift a sign-in lockout, from every address (a lockout of someone more trusted stays for those who may manage
    them: it holds back whoever is guessing their password)."""
    _check_may_manage(actor, staff, changes="sign-in")
    _clear_failures(staff)
    audit.record("staff.unlocked", target=staff_target(staff))
    db.session.commit()


def reset_mfa(staff: StaffMember, *, actor: StaffMember) -> None:
    """Remove a lost authenticator; the person enrols again at their next sign-in."""
    _check_may_manage(actor, staff, changes="authenticator")
    _clear_mfa(staff)
    staff.session_version += 1
    audit.record("staff.mfa_reset", target=staff_target(staff))
    db.session.commit()
