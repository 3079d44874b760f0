"""Health check for load balancers and monitoring."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from console.health import routes  # noqa: E402,F401  (routes register on bp)
