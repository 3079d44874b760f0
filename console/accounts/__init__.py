"""Staff accounts: sign-in, MFA, invitations, password resets and sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from console.accounts import routes  # noqa: E402,F401  (routes register on bp)
