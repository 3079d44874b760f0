"""The access log: one line a request naming the route, not the address asked for, so calendar tokens and
one-time links (which are in the path) never reach a log file. Run gunicorn without its own access log."""

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("console.access")


def init_app(app: Flask) -> None:
    """Log each request as "GET /calendar/<token>.ics 200 12 ms"."""

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.monotonic()

    @app.after_request
    def log_request(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "(no such route)"
        elapsed = (time.monotonic() - g.get("request_started", time.monotonic())) * 1000
        log.info("%s %s %s %.0f ms", request.method, route, response.status_code, elapsed)
        return response
