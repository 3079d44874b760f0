"""GET /healthz: is the console able to serve? And the icon browsers ask for at /favicon.ico."""

from pathlib import Path

from flask import Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from console import schema
from console.extensions import db, limiter
from console.health import bp
from console.permissions import public
from escalation_pathways import vault


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """JSON with database reachability and migration state; 503 when either is wrong. The PID vault's state is
    reported too, but the console serves without it (only reveals need it)."""
    try:
        migrated = schema.is_current(db.engine)
        database = "ok"
    except SQLAlchemyError:
        migrated, database = False, "unreachable"
    body = {"status": "ok" if database == "ok" and migrated else "unavailable",
            "database": database,
            "migrations": "current" if migrated else ("unknown" if database != "ok" else "out of date"),
            "vault": vault.state()}
    return jsonify(body), 200 if body["status"] == "ok" else 503


ICON = (Path(__file__).parent.parent / "static" / "favicon.svg").read_bytes()


@bp.route("/favicon.ico")
@public
@limiter.exempt
def favicon():
    """The console's icon, for browsers that ask for it at this address whatever the page says."""
    return Response(ICON, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
