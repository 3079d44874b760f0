"""Sealing small secrets kept in the main database (e.g. ingest keys): Fernet, with a key derived from the
app's SECRET_KEY, so a copy of the database alone does not give them away."""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"console sealed secrets").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """The secret, encrypted and authenticated, as text for a database column."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret back, or None when it was sealed under another SECRET_KEY or altered."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
