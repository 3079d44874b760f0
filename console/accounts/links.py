"""Passwords and single-use links: the rules a new password must meet, changing one's password, and the
invitation and password reset links (each works once, for a limited time) with the emails that carry them."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from console.accounts import mfa
from console.accounts.models import AccountToken, StaffMember
from console.accounts.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, verify_password
from console.accounts.sign_in import clear_failures, end_sessions
from console.accounts.staff_records import check_may_manage, find_by_email, staff_target
from console.audit import service as audit
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.links import public_url
from console.notifications import service as outbox
from console.words import local_time


class TokenError(UserError):
    """A link that is unknown, used, expired or for another purpose."""


class PasswordError(UserError):
    """A password that is wrong or does not meet the rules; `field` names the form field at fault."""

    def __init__(self, message: str, *, field: str = "password"):
        super().__init__(message)
        self.field = field


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
    end_sessions(staff, keep=keep_session)
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
    clear_failures(staff)
    end_sessions(staff)
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


def send_invitation(staff: StaffMember, *, actor: StaffMember | None) -> None:
    """Put a single-use invitation link in the outbox, for an account that has no password yet (an invitation
    would otherwise replace it). `actor` None is the command line."""
    if staff.password_hash is not None:
        raise UserError(f"{staff.name} has already chosen a password, so an invitation would replace it. If they "
                        "cannot sign in, they can ask for a reset link from the sign-in page.")
    check_may_manage(actor, staff, changes="sign-in")
    audit.record("staff.invited", target=staff_target(staff), actor=actor)
    _email_link(staff, "invite")


def request_password_reset(email: str) -> None:
    """Put a reset link in the outbox if an active account has this address. The answer and the work done are
    the same either way (a database write, no mail server wait), so the page cannot tell who has an account."""
    staff = find_by_email(email)
    audit.record("auth.reset_requested", target=staff_target(staff if staff and staff.active else None),
                 actor="anonymous")
    if staff is None or not staff.active:
        db.session.commit()
        return
    _email_link(staff, "reset")
