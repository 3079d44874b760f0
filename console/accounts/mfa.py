"""TOTP (RFC 6238) codes, enrolment QR codes and one-time recovery codes."""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

ISSUER = "Moderation console"
RECOVERY_CODE_COUNT = 10
# One step either side of now allows for a phone clock up to 30 seconds out.
VALID_WINDOW = 1


def new_secret() -> str:
    """A new random TOTP secret (base32)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in blocks of four, easier to type into an app by hand (apps ignore the spaces)."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(uri: str) -> str:
    """The provisioning URI as an SVG QR code in a data: URI (no inline script needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


def matching_timestep(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step the code belongs to, or None if it matches none in the window."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Fresh recovery codes, shown once to the person: ten groups like 'k7qm-2xbd-9vfa'."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
    return [
        "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def normalise_recovery_code(code: str) -> str:
    """Recovery codes are accepted with or without dashes, in any case."""
    plain = "".join(ch for ch in code.lower() if ch.isalnum())
    return "-".join(plain[i:i + 4] for i in range(0, len(plain), 4))


def hash_code(code: str) -> str:
    """Hash a high-entropy code (recovery code or link token) for storage."""
    return hashlib.sha256(code.encode()).hexdigest()
