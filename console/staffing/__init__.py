"""Staffing: weekly availability, one-off unavailability, leave requests and decisions, and contracts."""

from flask import Blueprint

bp = Blueprint("staffing", __name__, url_prefix="/staffing")

from console.staffing import routes  # noqa: E402,F401  (routes register on bp)
