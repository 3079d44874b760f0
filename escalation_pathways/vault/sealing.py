"""Sealing PID fields at rest: Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under keys kept outside
both databases.

Keys are given newest first. Sealing uses the newest; unsealing tries each, so a new key can be added
before the old data is re-sealed with `reseal`, and the old key is then removed.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class VaultKeyError(ValueError):
    """No usable key, or data sealed under a key that is not configured."""


class Sealer:
    """Seals and unseals text fields under the configured keys."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise VaultKeyError("The PID vault has no key to seal with.")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as error:
            raise VaultKeyError("A PID vault key is not a valid Fernet key (32 url-safe base64 bytes).") from error

    def seal(self, text: str) -> bytes:
        """The text sealed under the newest key."""
        return self._fernet.encrypt(text.encode())

    def unseal(self, token: bytes) -> str:
        """The text back; VaultKeyError when no configured key opens it or it was altered."""
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as error:
            raise VaultKeyError("A sealed field could not be opened: its key is not configured, or it was "
                                "altered.") from error

    def reseal(self, token: bytes) -> bytes:
        """The same text sealed under the newest key (for key rotation)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as error:
            raise VaultKeyError("A sealed field could not be re-sealed: its key is not configured.") from error


def new_key() -> str:
    """A fresh key, to add at the front of PID_KEYS."""
    return Fernet.generate_key().decode()
