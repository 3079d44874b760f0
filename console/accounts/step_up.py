"""Asking for the MFA code again before sensitive work (revealing who a pseudonym is): a sign-in hours ago is
not enough. Forms for such work carry a code field, so nothing typed is lost when the code is asked for."""

import time
from collections.abc import Callable
from typing import Any

from flask import current_app, session
from flask_login import current_user

from console.accounts import sign_in
from console.errors import UserError
from console.security import client_address


def mfa_is_fresh() -> bool:
    """Whether the signed-in person gave an MFA code within PID_REVEAL_MFA_SECONDS."""
    return time.time() - session.get("mfa_at", 0) <= current_app.config["PID_REVEAL_MFA_SECONDS"]


def mark_fresh() -> None:
    """Record that an MFA code was just given."""
    session["mfa_at"] = time.time()


def confirmed(form, action: Callable[[], Any]) -> Callable[[], Any]:
    """The action, to run once the last MFA code is fresh or the form's `code` field holds a right one."""
    def run():
        confirm(current_user, form.code.data)
        return action()
    return run


def confirm(staff, code: str | None) -> None:
    """Go on if the last code is fresh, or this one is right (then it is the fresh one); else UserError."""
    if mfa_is_fresh():
        return
    if not staff.mfa_enabled:
        raise UserError("This needs multi-factor authentication: set it up on your account page first.")
    if not (code or "").strip():
        minutes = current_app.config["PID_REVEAL_MFA_SECONDS"] // 60
        raise UserError(f"Enter the code from your authenticator app: this needs one given within the last "
                        f"{minutes} minutes.")
    sign_in.check_second_factor(staff, code.strip(), address=client_address())
    mark_fresh()
