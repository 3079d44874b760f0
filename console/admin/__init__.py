"""Administration: services and staff, and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from console.admin import routes  # noqa: E402,F401  (routes register on bp)
