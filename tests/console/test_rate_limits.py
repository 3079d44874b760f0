"""Rate-limit counters that every worker process shares: the SQLite file of the embedded set-up and Redis."""

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from console.extensions import limiter
from console.rate_limits import SQLiteStorage
from tests.conftest import redis_url_or_skip



def two_workers(uri: str) -> tuple[FixedWindowRateLimiter, FixedWindowRateLimiter]:
    """Two rate limiters with storages of their own, as two gunicorn workers would have."""
    return FixedWindowRateLimiter(storage_from_string(uri)), FixedWindowRateLimiter(storage_from_string(uri))


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_two_workers_count_against_one_limit(tmp_path, kind):
    uri = f"sqlite:///{tmp_path / 'rate-limits.db'}" if kind == "sqlite" else redis_url_or_skip()
    first, second = two_workers(uri)
    five = parse("5 per minute")
    answers = [worker.hit(five, "login", "127.0.0.1") for worker in (first, second) * 3]
    assert answers == [True] * 5 + [False]


def test_memory_storage_would_let_each_worker_count_alone():
    first, second = two_workers("memory://")
    five = parse("5 per minute")
    assert [worker.hit(five, "login", "127.0.0.1") for worker in (first, second) * 3] == [True] * 6


def test_a_window_starts_again_once_it_has_passed(tmp_path):
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'rate-limits.db'}")
    assert [storage.incr("k", expiry=60) for _ in range(3)] == [1, 2, 3]
    storage._connection().execute("UPDATE counters SET expires_at = 0")
    assert storage.get("k") == 0 and storage.incr("k", expiry=60) == 1
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_the_console_counts_sign_ins_in_its_shared_file(app, client):
    assert isinstance(limiter.storage, SQLiteStorage)
    assert limiter.storage.path == app.config["RATELIMIT_STORAGE_URI"].removeprefix("sqlite:///")
