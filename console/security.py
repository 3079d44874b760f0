"""Security headers sent with every response."""

from flask import Flask, Response, request
from flask_login import current_user

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the MFA enrolment QR code is an inline SVG image
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])


def client_address() -> str:
    """The client's address: the connection's, or the one a trusted proxy (PROXY_HOPS) forwarded."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages for signed-in staff show information about people: never keep them in a cache.
        if current_user and current_user.is_authenticated or request.blueprint == "auth":
            headers["Cache-Control"] = "no-store"
        return response
