"""The home page and the services and staff each person may see."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from console.dashboard import routes  # noqa: E402,F401  (routes register on bp)
