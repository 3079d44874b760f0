"""Rate-limit counters in a SQLite file, so every worker process of one machine counts together.

Flask-Limiter's `memory://` storage keeps counters inside each process: with two gunicorn workers every limit
would be twice as loose. The `limits` library has no SQLite storage; this is one for its fixed-window strategy,
registered under the scheme `sqlite` (RATELIMIT_STORAGE_URI=sqlite:///path). Several machines share Redis
instead (redis://...).

The file holds one table, `counters(key, count, expires_at)`; a key's count starts again once its window has
passed.
"""

import random
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"
# One increment in this many also deletes the windows that have passed, so the file stays small.
TIDY_EVERY = 200


class SQLiteStorage(Storage):
    """Fixed-window counters shared by every process that opens the same file."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        self.path = uri.removeprefix("sqlite:///")
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        connection = self._connection()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        """Errors of the storage itself (Flask-Limiter reports them, or lets requests through if told to)."""
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread (sqlite3 connections are not shared between threads)."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add to a key's count, starting a new window of `expiry` seconds if the last one has passed."""
        now = time.time()
        connection = self._connection()
        if random.randrange(TIDY_EVERY) == 0:
            connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return connection.execute(
            "INSERT INTO counters (key, count, expires_at) VALUES (:key, :amount, :expires) "
            "ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN counters.expires_at <= :now THEN :amount ELSE counters.count + :amount END, "
            "expires_at = CASE WHEN counters.expires_at <= :now THEN :expires ELSE counters.expires_at END "
            "RETURNING count",
            {"key": key, "amount": amount, "expires": now + expiry, "now": now}).fetchone()[0]

    def get(self, key: str) -> int:
        """A key's count in its current window (0 once the window has passed)."""
        row = self._connection().execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When a key's window ends (now, if there is none)."""
        row = self._connection().execute("SELECT expires_at FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int:
        """Forget every counter; returns how many there were."""
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
