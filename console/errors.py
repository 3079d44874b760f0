"""Errors a user can cause, the row an address names or NotFound, and the pages every HTTP error is shown with."""

import logging
from typing import TypeVar

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from console.extensions import db

log = logging.getLogger(__name__)
Row = TypeVar("Row")


class UserError(Exception):
    """A problem the person can fix; its message is shown to them as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """The record asked for does not exist or is not visible to this person."""


class NotAllowed(UserError):
    """The person's roles do not give them this page; the message says who can open it."""


def child_or_404(model: type[Row], row_id: int, *, missing: str, **parent: int) -> Row:
    """The row of `model` with this id if it belongs to the parent the address names (each keyword a column of the
    row and the id it must hold, e.g. service_id=service.id), else NotFound with the `missing` message. A row of
    another parent is answered like one that does not exist, so an address says nothing of what is elsewhere."""
    row = db.session.get(model, row_id)
    if row is None or any(getattr(row, column) != value for column, value in parent.items()):
        raise NotFound(missing)
    return row


ERROR_MESSAGES = {
    400: "The request could not be understood. Go back, check the form and try again.",
    403: "Your role does not give you access to this page. Ask an administrator if you need it.",
    404: "There is no page at this address. It may have moved, or the link may be mistyped.",
    405: "This page cannot be used that way. Go back and use the buttons on the page.",
    413: "What you sent is larger than this console accepts. Shorten it and try again.",
    429: "Too many attempts in a short time. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you entered was saved; please try again. "
         "If it keeps happening, tell the service desk the time it happened.",
    503: "The console is not available right now. Please try again in a few minutes.",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, message: str | None = None):
    """Render the error page (or JSON for API paths) with a plain-words message."""
    message = message or ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])
    if _wants_json():
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message, bare=code == 503), code


def init_app(app: Flask) -> None:
    """Register the error pages."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, "This form has expired or did not come from this console. "
                 "Reload the page and submit it again; nothing was changed."
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host header outside TRUSTED_HOSTS: no page of ours is built for it (its links would name that host).
        return Response("This console does not answer to that host name.\n", 400, mimetype="text/plain")

    @app.errorhandler(NotFound)
    def record_not_found(error: NotFound):
        return render_error(404, error.message)

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        return render_error(403, error.message)

    @app.errorhandler(UserError)
    def user_error(error: UserError):
        # A route that does not catch it itself still shows the reason, never a 500 page.
        return render_error(400, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # The traceback goes to the log for the service desk; the page shows no internals.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
