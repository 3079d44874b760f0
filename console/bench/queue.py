"""Queue benchmark: `python -m console.bench.queue` (figures go in docs/benchmarks.md, not in timed tests).

On a fresh PostgreSQL database (created and dropped by the script) with the demo trust:

1. a plain INSERT loop into the posts table (one statement a row, one transaction): the yardstick;
2. ingest over HTTP on loopback, gunicorn with 2 workers: single signed posts, then `posts:batch` of 500,
   each printed as posts a second and as a share of the plain INSERT rate;
3. the queue page of a moderator with 1,000,000 posts stored, one a minute over the last two years (5 % still
   open), median of 10;
4. the search page over those posts (words, pseudonym, thread, risk, dates, state), median of 10 each.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import flask_migrate
import psycopg

from console import create_app, demo
from console.identifiers import look_alike_key
from console.extensions import db

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET_KEY = "queue-bench"
PUBLIC_URL = "http://127.0.0.1"  # the app needs one to build links; nothing here follows them
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(i: int, prefix: str) -> dict:
    return {"external_id": f"{prefix}-{i}", "thread_id": f"t-{i % 500}", "kind": "post",
            "author_pseudonym": "User A", "body": f"Post number {i}: a long week, but a better day today.",
            "created_at": datetime.now(UTC).isoformat()}


def _send(port: int, path: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(demo.DEMO_INGEST_SECRET.encode(), body, hashlib.sha256).hexdigest()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("POST", path, body, {"Content-Type": "application/json", "X-Signature": signature})
    status = connection.getresponse().status
    connection.close()
    return status


def plain_insert_rate(url: str, service_id: int, count: int) -> float:
    """Rows a second for a plain INSERT loop into posts."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            for i in range(count):
                cursor.execute(
                    "INSERT INTO posts (service_id, external_id, thread_id, kind, author_pseudonym, author_key, body,"
                    " created_at, received_at, priority, matched, state) VALUES (%s, %s, %s, 'post', 'User A', %s,"
                    " %s, now(), now(), 2, '[]', 'open')",
                    (service_id, f"plain-{i}", f"t-{i % 500}", look_alike_key("User A"), f"Post number {i}"))
        connection.commit()
        return count / (time.perf_counter() - began)


def http_rates(url: str, folder: Path, singles: int, batches: int) -> tuple[float, float]:
    """Posts a second over HTTP: one post a request, then batches of 500."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PUBLIC_URL": PUBLIC_URL, "SECRET_KEY": SECRET_KEY,
           "INGEST_RATE_LIMIT": "1000000 per minute", "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}",
           "MAIL_SERVER": ""}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        path = "/api/v1/services/demo-low/posts"
        began = time.perf_counter()
        for i in range(singles):
            assert _send(port, path, _post(i, "single")) == 201
        single_rate = singles / (time.perf_counter() - began)
        began = time.perf_counter()
        for b in range(batches):
            assert _send(port, path + ":batch", {"items": [_post(b * 500 + i, "batch") for i in range(500)]}) == 201
        batch_rate = batches * 500 / (time.perf_counter() - began)
        return single_rate, batch_rate
    finally:
        server.terminate()
        server.wait()


def queue_page_ms(app, url: str, service_id: int, rows: int, repeat: int) -> tuple[float, float]:
    """Median and slowest queue page for a moderator of the service, with `rows` posts stored."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        connection.execute(
            "INSERT INTO posts (service_id, external_id, thread_id, kind, author_pseudonym, author_key, body,"
            " created_at, received_at, priority, matched, state) SELECT %s, 'bulk-' || n, 't-' || (n %% 50000),"
            " CASE WHEN n %% 3 = 0 THEN 'reply' ELSE 'post' END, 'User ' || (n %% 900), (%s::text[])[1 + n %% 900],"
            " 'Stored post ' || n || ': ' || (ARRAY['feeling hopeless tonight', 'a long walk by the river',"
            " 'no sleep again', 'a family visit', 'work was hard today', 'angry at everyone',"
            " 'a better day'])[1 + n %% 7],"
            " now() - (n || ' minutes')::interval, now(), n %% 3, '[]',"
            " CASE WHEN n %% 20 = 0 THEN 'open' ELSE 'approved' END FROM generate_series(1, %s) AS n",
            (service_id, [look_alike_key(f"User {n}") for n in range(900)], rows))
        connection.commit()
        connection.execute("ANALYZE posts")
    client = app.test_client()
    chloe = next(p for p in demo.demo_logins() if p.role.value == "non_clinical_moderator")
    response = client.post("/auth/login", data={"email": chloe.email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    times = []
    for _ in range(repeat + 1):
        began = time.perf_counter()
        assert client.get("/queue/").status_code == 200
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times[1:]), max(times[1:])


SEARCHES = {
    "a common word (1 post in 7)": {"text": "hopeless"},
    "two words never together": {"text": "walk family"},
    "a word no post has": {"text": "zebra"},
    "a pseudonym's start, 1 name in 8 (\"User 7\": 7, 70-79, 700-799)": {"pseudonym": "User 7"},
    "a pseudonym's start, 1 name in 80 (\"User 12\": 12, 120-129)": {"pseudonym": "User 12"},
    "a thread": {"thread": "t-42"},
    "a word, critical and risk, last 7 days": {"text": "sleep", "levels": ["critical", "risk"], "since": "{week}"},
    "hidden posts (none)": {"states": ["hidden"]},
}


def search_ms(app, repeat: int) -> dict[str, tuple[float, float]]:
    """Median and slowest search page for each of SEARCHES (the posts stored by queue_page_ms)."""
    client = app.test_client()
    chloe = next(p for p in demo.demo_logins() if p.role.value == "non_clinical_moderator")
    assert client.post("/auth/login", data={"email": chloe.email, "password": demo.DEMO_PASSWORD}).status_code == 302
    week = (datetime.now(UTC).date().toordinal() - 7)
    figures = {}
    for label, query in SEARCHES.items():
        query = {key: (date.fromordinal(week).isoformat() if value == "{week}" else value)
                 for key, value in query.items()}
        times = []
        for _ in range(repeat + 1):
            began = time.perf_counter()
            assert client.get("/queue/search", query_string=query).status_code == 200
            times.append((time.perf_counter() - began) * 1000)
        figures[label] = statistics.median(times[1:]), max(times[1:])
    return figures


def main() -> None:
    """Make the database, run the three measurements, print them, drop the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--plain", type=int, default=5000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    name = "console_queue_bench"
    admin = ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    url = admin.rsplit("/", 1)[0] + "/" + name
    folder = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "PUBLIC_URL": PUBLIC_URL,
                          "WTF_CSRF_ENABLED": False, "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}",
                          "MAIL_SERVER": "", "RATELIMIT_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade()
            demo.load()
            service_id = db.session.execute(db.text("SELECT id FROM services WHERE slug = 'demo-low'")).scalar()
            db.engine.dispose()
        plain = plain_insert_rate(url, service_id, args.plain)
        print(f"plain INSERT loop: {plain:,.0f} posts/s ({args.plain} rows)")
        single, batch = http_rates(url, folder, args.singles, args.batches)
        print(f"HTTP, one post a request (gunicorn, 2 workers): {single:,.0f} posts/s = {single / plain:.2f} of plain")
        print(f"HTTP, posts:batch of 500: {batch:,.0f} posts/s = {batch / plain:.2f} of plain")
        with app.app_context():
            median, worst = queue_page_ms(app, url, service_id, args.rows, 10)
            db.engine.dispose()
        print(f"queue page with {args.rows:,} posts stored: median {median:.0f} ms, slowest {worst:.0f} ms")
        with app.app_context():
            for label, (median, worst) in search_ms(app, 10).items():
                print(f"search page, {label}, {args.rows:,} posts stored: median {median:.0f} ms, "
                      f"slowest {worst:.0f} ms")
            db.engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
