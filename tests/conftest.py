"""Shared fixtures: the app on SQLite and PostgreSQL, a client, a real SMTP server and sign-in helpers.

Every test that uses `app` runs twice, once per database. The schema is made by the real
migrations once per session; each test then gets a fresh copy (SQLite) or emptied tables
(PostgreSQL). PostgreSQL is required in CI (the CI variable is set) and skipped elsewhere
when it is not reachable at TEST_POSTGRES_URL.
"""

import asyncio
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from datetime import date
from pathlib import Path

import flask_migrate
import psycopg
import pyotp
import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from psycopg import sql

from console import create_app, demo, task_queue
from console.config import normalise_database_url
from console.errors import UserError
from console.extensions import db
from escalation_pathways import vault
from escalation_pathways.vault import schema as vault_schema
from escalation_pathways.vault.identity import validated

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_TEST_DATABASE = "moderation_console_test"
POSTGRES_VAULT_DATABASE = "moderation_console_test_vault"
# The tests' own vault key (a real deployment keeps its keys in a key file or PID_KEYS, outside both databases).
TEST_PID_KEY = "dGVzdC1waWQta2V5LWZvci10aGUtdGVzdHMtb25seSE="
TEST_AUDIT_KEY = "test-audit-chain-key"
ARTIFACTS = Path(__file__).parent / "artifacts"


def base_config(database_url: str, **overrides) -> dict:
    """Settings for a test app: the real ones, with cheap password hashing and a fixed key."""
    return {
        "TESTING": True,
        "TASK_QUEUE_URL": f"sqlite:///{tempfile.gettempdir()}/console-test-tasks-{os.getpid()}.db",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "MAIL_SERVER": "",
        "PID_DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/console-test-vault-{os.getpid()}.db",
        "PID_KEYS": TEST_PID_KEY,
        "PID_AUDIT_KEY": TEST_AUDIT_KEY,
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }


def migrate_database(database_url: str) -> None:
    """Apply the real Alembic migrations to an empty database."""
    app = create_app(base_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_database(f"sqlite:///{path}")
    return path


def _postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _fresh_postgres_database(database: str) -> str:
    """An empty PostgreSQL database of that name (dropped first if it is there); its URL."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {POSTGRES_ADMIN_URL}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    with admin:
        name = sql.Identifier(database)
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return _postgres_url(database)


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """A fresh, migrated PostgreSQL database for this test session."""
    url = _fresh_postgres_database(POSTGRES_TEST_DATABASE)
    migrate_database(url)
    return url


def migrate_vault(url: str) -> None:
    """Apply the vault's own migrations to an empty database."""
    engine = sa.create_engine(normalise_database_url(url))
    vault_schema.upgrade(engine, chain_key=TEST_AUDIT_KEY.encode())
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_vault_template(tmp_path_factory) -> Path:
    """A migrated SQLite vault file, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "vault-template.db"
    migrate_vault(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_vault_database() -> str:
    """A fresh, migrated PostgreSQL vault database, apart from the main one, for this test session."""
    url = _fresh_postgres_database(POSTGRES_VAULT_DATABASE)
    migrate_vault(url)
    return url


def _test_database(request, tmp_path, kind: str, sqlite_template: str, postgres_database: str, tables: str):
    """One test's database: a copy of the migrated SQLite template, or the session's PostgreSQL database, emptied
    afterwards (TRUNCATE bypasses the append-only tables' row triggers, which refuse DELETE)."""
    if kind == "sqlite":
        path = tmp_path / f"{sqlite_template}.db"
        shutil.copy(request.getfixturevalue(sqlite_template), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue(postgres_database)
    yield url
    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The main database of one test, on SQLite and then on PostgreSQL."""
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    yield from _test_database(request, tmp_path, request.param, "sqlite_template", "postgres_database", tables)


def redis_url_or_skip() -> str:
    """The test Redis database, emptied; required in CI (CI set), skipped elsewhere when it is not running."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def vault_url(database_url, request, tmp_path):
    """The PID vault's database for this test, on the same kind of database as the main one."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    yield from _test_database(request, tmp_path, kind, "sqlite_vault_template", "postgres_vault_database",
                              "pid_records, vault_audit")


@pytest.fixture
def app(database_url, vault_url, smtp_server, tmp_path):
    """The console app on this test's databases, sending mail to the test SMTP server, with its own task queue.
    Afterwards, if the test put anything in the vault, the main database must hold none of the demo identity."""
    app = create_app(base_config(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                                 TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'tasks.db'}", PID_DATABASE_URL=vault_url,
                                 RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'rate-limits.db'}"))
    yield app
    with app.app_context():
        db.session.remove()
        if _vault_was_used():
            assert pid_found_in(main_database_dump()) == [], "demo PID in the main database"
        db.engine.dispose()
        vault.get().close()


def demo_pid_values() -> list[str]:
    """The demo identity's values as they could appear anywhere: as typed, and as the vault normalises them."""
    typed = demo.DEMO_IDENTITY
    normalised = validated(typed, today=date(2026, 11, 25)).as_dict()
    return sorted({value for value in (*typed.values(), *normalised.values()) if value})


def pid_found_in(text: str) -> list[str]:
    """The demo PID values that appear in the text."""
    return [value for value in demo_pid_values() if value in text]


def main_database_dump() -> str:
    """Every row of every table of the main database, as text (inside an app context)."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(sa.select(table))]
    db.session.remove()
    return "\n".join(rows)


def _vault_was_used() -> bool:
    """Whether anything was read from or written to this test's vault (inside an app context)."""
    with vault.get().engine.connect() as connection:
        return bool(connection.execute(sa.text("SELECT count(*) FROM vault_audit")).scalar())


@pytest.fixture(autouse=True)
def _pid_stays_in_the_vault(request, caplog):
    """After every test: the demo identity is in no log record and no email the test produced."""
    yield
    logged = "\n".join(record.getMessage() for phase in ("setup", "call") for record in caplog.get_records(phase))
    assert pid_found_in(logged) == [], "demo PID in the logs"
    if "smtp_server" in request.fixturenames:
        emails = "\n".join(message.as_string() for message in request.getfixturevalue("_smtp_controller").messages)
        assert pid_found_in(emails) == [], "demo PID in an email"


def at_the_same_moment(app, *racers: Callable[[], Callable[[], object]]) -> list:
    """Race actions against each other: each racer, on its own thread and in its own app context, gets ready
    (looks up what it needs) and returns its action; all the actions are then let go together. Each one's result,
    or the UserError it was refused with, in the order given."""
    ready, results = threading.Barrier(len(racers)), [None] * len(racers)

    def run(index: int, racer) -> None:
        with app.app_context():
            action = racer()
            ready.wait()
            try:
                results[index] = action()
            except UserError as refusal:
                results[index] = refusal
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index, racer)) for index, racer in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run_queued_tasks(app) -> int:
    """Take every task off the app's queue and run it, as the consumer would; returns how many ran."""
    huey = task_queue.get(app).huey
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo_data(app):
    """The demo trust loaded into this test's database."""
    with app.app_context():
        demo.load()


@pytest.fixture
def demo_thread(app, demo_data):
    """The demo trust with its thread to escalate (Willow's critical post) and Willow's identity in the vault."""
    with app.app_context():
        demo.load_thread()


# --- A real SMTP server ---------------------------------------------------------------------

class _Inbox:
    """Collects the messages the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class SmtpServer:
    """A running aiosmtpd server on loopback and what it received."""

    def __init__(self, controller: Controller, inbox: _Inbox):
        self.controller, self.inbox = controller, inbox
        self.port = controller.port

    @property
    def messages(self):
        """Messages received so far, oldest first."""
        return self.inbox.messages

    def last_to(self, address: str):
        """The newest message sent to an address."""
        matching = [message for message in self.messages if message["To"] == address]
        assert matching, f"no email was sent to {address}"
        return matching[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_controller():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), loop=asyncio.new_event_loop())
    controller.start()
    yield SmtpServer(controller, inbox)
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller):
    """The session's SMTP server, with an empty inbox for this test."""
    _smtp_controller.inbox.messages.clear()
    return _smtp_controller


# --- Signing in -------------------------------------------------------------------------------

CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token from the form on a page."""
    response = client.get(path)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no form with a CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def totp_now(secret: str, *, steps_ahead: int = 0) -> str:
    """The authenticator code for a secret, optionally for a later 30-second step."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def post(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from form_page (default: the same path)."""
        data = {"csrf_token": csrf_token(self.client, form_page or path), **(data or {})}
        return self.client.post(path, data=data, **kwargs)

    def login(self, email: str, password: str = demo.DEMO_PASSWORD, *, totp_secret: str | None = None):
        """Sign in with password, then the MFA code when a secret is given; returns the last response."""
        response = self.post("/auth/login", {"email": email, "password": password})
        if totp_secret is not None and response.headers.get("Location", "").startswith("/auth/mfa"):
            response = self.post("/auth/mfa", {"code": totp_now(totp_secret)})
        return response

    def login_demo(self, role):
        """Sign in as the documented demo login of a role."""
        person = next(p for p in demo.demo_logins() if p.role == role)
        return self.login(person.email, totp_secret=demo.DEMO_TOTP_SECRET)

    def logout(self):
        """Sign out of this client."""
        return self.post("/auth/logout", form_page="/auth/account")


@pytest.fixture
def auth(client):
    """Sign-in helper bound to the test client."""
    return AuthActions(client)
