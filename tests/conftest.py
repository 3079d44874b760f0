"""Shared fixtures: the app on SQLite and PostgreSQL, a client, a real SMTP server and people signed in (the plain
helpers are in helpers.py).

Every test that uses `app` runs twice, once per database. The real migrations run once per session, into templates
(empty, with the demo trust, and the vault); each test starts from one (see _test_database). One app per kind of
database is built per process and reused (see SharedApp). PostgreSQL is required in CI (the CI variable is set) and
skipped elsewhere when it is not reachable at TEST_POSTGRES_URL. Under pytest-xdist each worker has databases of
its own.
"""

import asyncio
import os
import shutil
import socket
import tempfile
import zlib
from email import message_from_bytes, policy
from datetime import date
from pathlib import Path

import flask_migrate
import psycopg
import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from hypothesis import settings as hypothesis_settings
from psycopg import sql

from console import create_app, demo, task_queue
from console.config import normalise_database_url
from console.extensions import db, limiter
from console.permissions import Role
from escalation_pathways import vault
from escalation_pathways.vault import schema as vault_schema
from escalation_pathways.vault.identity import validated
from tests.helpers import AuthActions, signed_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Each pytest-xdist worker ("gw0", "gw1", ...) works in databases of its own; TEST_DATABASE_TAG keeps two runs on one
# machine (two working copies, say) out of each other's PostgreSQL databases.
WORKER = os.environ.get("TEST_DATABASE_TAG", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")
POSTGRES_TEST_DATABASE = f"moderation_console_test_{WORKER}"
POSTGRES_VAULT_DATABASE = f"moderation_console_test_{WORKER}_vault"
# The tests' own vault key (a real deployment keeps its keys in a key file or PID_KEYS, outside both databases).
TEST_PID_KEY = "dGVzdC1waWQta2V5LWZvci10aGUtdGVzdHMtb25seSE="
TEST_AUDIT_KEY = "test-audit-chain-key"
ARTIFACTS = Path(__file__).parent / "artifacts"

# Hypothesis draws the same examples on every run ("repeatable", the default), so a failure seen in CI reproduces
# anywhere; HYPOTHESIS_PROFILE=explore draws new ones each run, to look further.
hypothesis_settings.register_profile("repeatable", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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
        # One file per test process for every app it builds: the rate limiter is one extension object, whose
        # storage the app built last sets, so all of them must count in the same place.
        # The suite runs three processes on two cores: a solver run takes one thread, not two.
        "SOLVER_WORKERS": 1,
        "RATELIMIT_STORAGE_URI": f"sqlite:///{tempfile.gettempdir()}/console-test-rate-limits-{os.getpid()}.db",
        # The platform's stand-ins (receivers, a Discourse stub) listen on loopback, as `make run`'s does.
        "PLATFORM_ALLOW_LOOPBACK": True,
        **overrides,
    }


def migrate_database(database_url: str) -> None:
    """Apply the real Alembic migrations to an empty database."""
    app = create_app(base_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def load_demo(database_url: str) -> None:
    """Load the demo trust into a migrated, empty database."""
    app = create_app(base_config(database_url))
    with app.app_context():
        demo.load()
        db.engine.dispose()
        vault.get().close()


def migrate_vault(url: str) -> None:
    """Apply the vault's own migrations to an empty database."""
    engine = sa.create_engine(normalise_database_url(url))
    vault_schema.upgrade(engine, chain_key=TEST_AUDIT_KEY.encode())
    engine.dispose()


# --- One database per test, from templates made once per session -------------------------------------------------
# Migrating from scratch and loading the demo trust for every test would cost more than most tests themselves. The
# session migrates once into templates: the main database empty and with the demo trust, and the vault empty.
# On SQLite each test gets a copy of a template file. On PostgreSQL (where CREATE DATABASE ... TEMPLATE takes about
# a second here) the session keeps one database of each kind, and each test starts by resetting it in one round
# trip: every table emptied and, for a demo test, the demo trust copied back from a snapshot schema, with the
# sequences as they were after the load.

@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> dict[str, Path]:
    """Migrated SQLite files, copied for each test: "empty", "demo" (the demo trust loaded) and "vault"."""
    folder = tmp_path_factory.mktemp("templates")
    templates = {name: folder / f"{name}.db" for name in ("empty", "demo", "vault")}
    migrate_database(f"sqlite:///{templates['empty']}")
    shutil.copy(templates["empty"], templates["demo"])
    load_demo(f"sqlite:///{templates['demo']}")
    migrate_vault(f"sqlite:///{templates['vault']}")
    return templates


def _postgres_url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _fresh_postgres_database(database: str) -> str:
    """An empty PostgreSQL database of that name (dropped first if it is there), its URL; in CI PostgreSQL must be
    there, elsewhere its tests skip."""
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


class PostgresResets:
    """One session database and the SQL that puts it back to a known state before each test."""

    SNAPSHOT = "test_snapshot"  # the schema holding the demo trust's rows

    def __init__(self, url: str, tables: list[str]):
        self.url, self.tables = url, tables
        self.connection = psycopg.connect(url, autocommit=True)
        sequences = self._sequences()
        # Triggers (the append-only guards and foreign keys) stay quiet while the rows are put back.
        empty = ["SET LOCAL session_replication_role = replica"]
        empty += [f'DELETE FROM public."{table}"' for table in tables]
        empty += [f"SELECT setval('public.\"{name}\"', 1, false)" for name in sequences]
        self.scripts = {"empty": self._transaction(empty)}

    def _sequences(self) -> dict[str, int | None]:
        rows = self.connection.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        return dict(rows.fetchall())

    @staticmethod
    def _transaction(statements: list[str]) -> str:
        return "BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;"

    def snapshot(self, name: str) -> None:
        """Keep the database's rows as they are now, to be put back by reset(name)."""
        copy = [f'DROP SCHEMA IF EXISTS {self.SNAPSHOT} CASCADE', f"CREATE SCHEMA {self.SNAPSHOT}"]
        copy += [f'CREATE TABLE {self.SNAPSHOT}."{table}" AS TABLE public."{table}"' for table in self.tables]
        self.connection.execute(self._transaction(copy))
        restore = ["SET LOCAL session_replication_role = replica"]
        restore += [f'DELETE FROM public."{table}"' for table in self.tables]
        restore += [f'INSERT INTO public."{table}" OVERRIDING SYSTEM VALUE SELECT * FROM {self.SNAPSHOT}."{table}"'
                    for table in self.tables]
        restore += [f"SELECT setval('public.\"{sequence}\"', {value or 1}, {'true' if value else 'false'})"
                    for sequence, value in self._sequences().items()]
        self.scripts[name] = self._transaction(restore)

    def reset(self, name: str) -> str:
        """Put the database back to a state ("empty" or a snapshot's name); its URL."""
        self.connection.execute(self.scripts[name])
        return self.url

    def close(self) -> None:
        """Close the session's own connection."""
        self.connection.close()


@pytest.fixture(scope="session")
def postgres_resets() -> dict[str, PostgresResets]:
    """The session's PostgreSQL databases: "main" (migrated; "empty" and "demo" states) and "vault" (migrated)."""
    main = _fresh_postgres_database(POSTGRES_TEST_DATABASE)
    migrate_database(main)
    resets = {"main": PostgresResets(main, [table.name for table in db.metadata.sorted_tables])}
    load_demo(main)
    resets["main"].snapshot("demo")
    vault_url = _fresh_postgres_database(POSTGRES_VAULT_DATABASE)
    migrate_vault(vault_url)
    resets["vault"] = PostgresResets(vault_url, ["pid_records", "vault_audit"])
    yield resets
    for reset in resets.values():
        reset.close()


@pytest.fixture(scope="session")
def session_folder(tmp_path_factory) -> Path:
    """Where the session keeps the files its shared apps use (the SQLite databases and the task queues)."""
    return tmp_path_factory.mktemp("session")


def _test_database(request, kind: str, which: str, contents: str) -> str:
    """This test's database, at the same address for every test of its kind (the shared app keeps its engine): on
    SQLite a fresh copy of a template file, on PostgreSQL the session's database, reset."""
    if kind == "sqlite":
        path = request.getfixturevalue("session_folder") / f"{which}.db"
        shutil.copy(request.getfixturevalue("sqlite_templates")[contents if which == "main" else which], path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_resets")[which].reset(contents)


DATABASES = ("sqlite", "postgresql")


def databases_for(definition) -> tuple[str, ...]:
    """The databases a test runs on: both where its behaviour depends on the database (marked both_databases: text
    search, claims and locks, stored text, migrations), else one, the same one every run, chosen by the test's name
    so the app's tests are spread over SQLite (the default) and PostgreSQL (production) about half and half."""
    if definition.get_closest_marker("both_databases"):
        return DATABASES
    return (DATABASES[zlib.crc32(definition.nodeid.split("[")[0].encode()) % 2],)


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", databases_for(metafunc.definition), indirect=True)


@pytest.fixture
def database_url(request) -> str:
    """The main database of one test (see databases_for): with the demo trust when the test asks for demo_data
    (directly or through another fixture), else empty."""
    contents = "demo" if "demo_data" in request.fixturenames else "empty"
    return _test_database(request, request.param, "main", contents)


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
def vault_url(database_url, request) -> str:
    """The PID vault's database for this test, empty, on the same kind of database as the main one."""
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return _test_database(request, kind, "vault", "empty")


class SharedApp:
    """An app built once per kind of database and reused by every test of that kind: building one compiles every
    route and, as pages are first rendered, every template, which would cost more than most tests. Before each test
    its settings and extensions are put back as built, its task queue emptied and its rate limits reset; its
    databases are the test's own (see _test_database)."""

    def __init__(self, app: Flask):
        self.app = app
        self.config, self.extensions = dict(app.config), dict(app.extensions)

    def fresh(self) -> Flask:
        """The app as built, with nothing left from the test before."""
        app = self.app
        app.config.clear()
        app.config.update(self.config)
        app.extensions.clear()
        app.extensions.update(self.extensions)
        limiter.enabled = True
        with app.app_context():
            limiter.reset()
        task_queue.get(app).huey.flush()
        return app


@pytest.fixture(scope="session")
def _shared_apps() -> dict[str, SharedApp]:
    return {}


@pytest.fixture
def app(database_url, vault_url, smtp_server, session_folder, _shared_apps):
    """The console app on this test's databases, sending mail to the test SMTP server, with its own task queue.
    Afterwards, if the test put anything in the vault, the main database must hold none of the demo identity."""
    kind = database_url.split(":", 1)[0]
    if kind not in _shared_apps:
        _shared_apps[kind] = SharedApp(create_app(base_config(
            database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PID_DATABASE_URL=vault_url,
            TASK_QUEUE_URL=f"sqlite:///{session_folder / f'tasks-{kind}.db'}")))
    app = _shared_apps[kind].fresh()
    yield app
    with app.app_context():
        db.session.remove()
        if _vault_was_used():
            assert pid_found_in(main_database_dump()) == [], "demo PID in the main database"
        db.engine.dispose()  # before the next test's database is copied into place
        vault.get().close()


def demo_pid_values() -> list[str]:
    """The demo identity's values as they could appear anywhere: as typed, as the vault normalises them, and as the
    reveal page shows them (the date of birth without the age)."""
    typed = demo.DEMO_IDENTITY
    identity = validated(typed, today=date(2026, 11, 25))
    shown = [value.split(" (age ")[0] for _, value in identity.shown(today=date(2026, 11, 25))]
    return sorted({value for value in (*typed.values(), *identity.as_dict().values(), *identity.as_typed().values(),
                                       *shown) if value})


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


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo_data(database_url):
    """The demo trust in this test's database: database_url copies it from the session's template with the demo
    trust already loaded (by demo.load, as `make run` loads it)."""


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

@pytest.fixture
def auth(client):
    """Sign-in helper bound to the test client."""
    return AuthActions(client)


@pytest.fixture
def admin(app, demo_data) -> AuthActions:
    """The demo's clinical administrator (every administrator's pages, and where a service's decisions go), signed in
    on a browser of their own beside the test's client."""
    return signed_in(app, Role.CLINICAL_ADMIN)
