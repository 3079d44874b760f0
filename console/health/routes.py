"""GET /healthz: is the console able to serve? And the icon browsers ask for at /favicon.ico."""

from pathlib import Path

from flask import Blueprint, Response, jsonify

from console.extensions import limiter
from console.health import service as health
from console.permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """JSON with database reachability and migration state; 503 when either is wrong (the vault is reported too)."""
    body = health.report()
    return jsonify(body), 200 if body["status"] == "ok" else 503


ICON = (Path(__file__).parent.parent / "static" / "favicon.svg").read_bytes()


@bp.route("/favicon.ico")
@public
@limiter.exempt
def favicon():
    """The console's icon, for browsers that ask for it at this address whatever the page says."""
    return Response(ICON, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
