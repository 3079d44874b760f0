"""The moderation queue: posts pushed by the platform (signed ingest), risk words and alerts, the items moderators
work through."""

from flask import Blueprint

bp = Blueprint("queue", __name__, url_prefix="/queue")
api = Blueprint("api", __name__, url_prefix="/api/v1")

from console.queue import api_routes, routes  # noqa: E402,F401  (routes register on the blueprints)
