"""Configuration from environment variables, with safe defaults for the embedded set-up."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from escalation_pathways.vault import create_once


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" are yes)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver SQLAlchemy should use."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL, or None for any other database."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return Path(path) if path and path != ":memory:" else None
    return None


def keep_private(folder: Path, urls: list[str]) -> None:
    """Make the instance folder and the SQLite files of these URLs readable by their owner only. The files are
    created empty (SQLite starts on an empty file) so they never exist with wider permissions; SQLite gives its
    journal files the same permissions as the database."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    for path in filter(None, map(sqlite_path, urls)):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)


def _instance_secret_key(instance: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first use."""
    key_file = instance / "secret_key"
    create_once(key_file, secrets.token_hex(32))
    return key_file.read_text().strip()


DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"


def _public_url(env) -> str:
    """PUBLIC_URL, checked: an http(s) address. Outside the embedded set-up (DATABASE_URL set) it must be given."""
    url = (env("PUBLIC_URL") or "").strip()
    if not url:
        if env("DATABASE_URL"):
            raise RuntimeError("Set PUBLIC_URL to the address staff reach the console at (e.g. "
                               "https://moderation.trust.nhs.uk): links in emails are built from it.")
        return DEVELOPMENT_PUBLIC_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_URL must be an http:// or https:// address such as https://console.example.org, "
                           f"not {url!r}.")
    return url.rstrip("/")


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill app.config from the environment, then apply explicit overrides (tests)."""
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    overrides = dict(overrides or {})
    env = os.environ.get
    app.config.from_mapping(
        SECRET_KEY=overrides.pop("SECRET_KEY", None) or env("SECRET_KEY") or _instance_secret_key(instance),
        SQLALCHEMY_DATABASE_URI=normalise_database_url(
            env("DATABASE_URL") or f"sqlite:///{instance / 'console.db'}"
        ),
        PID_DATABASE_URL=normalise_database_url(
            env("PID_DATABASE_URL") or f"sqlite:///{instance / 'pid-vault.db'}"
        ),
        # Keys that seal PID fields (escalation_pathways.vault): PID_KEYS, or else the key file.
        PID_KEYS=env("PID_KEYS", ""),
        PID_KEY_FILE=env("PID_KEY_FILE") or str(instance / "pid-vault.keys"),
        # The HMAC key of the vault's audit chain, kept with the sealing keys: PID_AUDIT_KEY, or else its key file.
        PID_AUDIT_KEY=env("PID_AUDIT_KEY", ""),
        PID_AUDIT_KEY_FILE=env("PID_AUDIT_KEY_FILE") or str(instance / "pid-vault-audit.key"),
        # Reveals need an MFA code given within this many seconds.
        PID_REVEAL_MFA_SECONDS=int(env("PID_REVEAL_MFA_SECONDS", "300")),
        # The address staff reach the console at: every link in an email or on a page is built from it, never
        # from the request's Host header. Required once DATABASE_URL is set (anything but the embedded demo).
        PUBLIC_URL=_public_url(env),
        # Host names the console answers to (comma-separated); any other Host header is refused with 400.
        TRUSTED_HOSTS=[host.strip() for host in env("TRUSTED_HOSTS", "").split(",") if host.strip()] or None,
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix); 0: none.
        PROXY_HOPS=int(env("PROXY_HOPS", "0")),
        # Solver runs go through this queue; a consumer (make run starts one) takes them off it.
        TASK_QUEUE_URL=env("TASK_QUEUE_URL") or f"sqlite:///{instance / 'tasks.db'}",
        # CP-SAT threads a solver run uses in the consumer (give each consumer worker this many cores).
        SOLVER_WORKERS=int(env("SOLVER_WORKERS", "2")),
        # A scheduler process that stops renewing its leader lock this long is replaced by a waiting one (SQLite;
        # on PostgreSQL the lock goes with the dead process's connection at once).
        SCHEDULER_LEASE_SECONDS=int(env("SCHEDULER_LEASE_SECONDS", "30")),
        MAIL_SERVER=env("MAIL_SERVER", ""),
        MAIL_PORT=int(env("MAIL_PORT", "25")),
        MAIL_USE_TLS=_env_bool("MAIL_USE_TLS", False),
        MAIL_USERNAME=env("MAIL_USERNAME", ""),
        MAIL_PASSWORD=env("MAIL_PASSWORD", ""),
        MAIL_FROM=env("MAIL_FROM", "moderation-console@localhost"),
        SESSION_COOKIE_SECURE=_env_bool("SESSION_COOKIE_SECURE", True),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="console_session",
        # A session unused this long ends (each answer renews the cookie for this long again)...
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # ...and a sign-in ends this many hours after it began however often it is used: checked on the server
        # against its sign-in session (console.accounts.sign_in.load_session_user).
        SESSION_MAX_HOURS=int(env("SESSION_MAX_HOURS", "12")),
        # Forms are small; anything larger is refused with a 413 page before it is parsed.
        MAX_CONTENT_LENGTH=256 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # Where rate-limit counters live: a file every worker process shares, or Redis for several machines.
        RATELIMIT_STORAGE_URI=env("RATELIMIT_STORAGE_URI") or env("REDIS_URL")
        or f"sqlite:///{instance / 'rate-limits.db'}",
        RATELIMIT_HEADERS_ENABLED=True,
        # Posts a service may push a minute: a platform sends in bursts, never this fast for long.
        INGEST_RATE_LIMIT=env("INGEST_RATE_LIMIT", "600 per minute"),
        # Requests with a bad signature a client address may send (they never count against a service's limit).
        INGEST_BAD_SIGNATURE_LIMIT=env("INGEST_BAD_SIGNATURE_LIMIT", "60 per minute"),
        # How long the platform's webhook has to answer a decision before it is tried again later.
        PLATFORM_TIMEOUT_SECONDS=float(env("PLATFORM_TIMEOUT_SECONDS", "10")),
        # The ports a platform's https:// address may use (console.platform.addresses): any other is refused, so
        # an address cannot be used to reach other services of a host.
        PLATFORM_PORTS=tuple(int(port) for port in env("PLATFORM_PORTS", "443").split(",") if port.strip()),
        # Development only: decisions may go to this machine (127.0.0.1, ::1, localhost; http:// too, any port), as
        # the demo's stand-in platform under `make run` and the tests' receivers need. Never in production: the
        # console's own pages and the machine's other services listen there.
        PLATFORM_ALLOW_LOOPBACK=_env_bool("PLATFORM_ALLOW_LOOPBACK", False),
        LOGIN_RATE_LIMIT=env("LOGIN_RATE_LIMIT", "20 per minute"),
        LOCKOUT_THRESHOLD=int(env("LOCKOUT_THRESHOLD", "5")),
        LOCKOUT_MINUTES=int(env("LOCKOUT_MINUTES", "15")),
        INVITE_VALID_HOURS=int(env("INVITE_VALID_HOURS", "72")),
        RESET_VALID_MINUTES=int(env("RESET_VALID_MINUTES", "60")),
        # Argon2id cost; RFC 9106's second recommended option by default.
        ARGON2_TIME_COST=int(env("ARGON2_TIME_COST", "3")),
        ARGON2_MEMORY_COST_KIB=int(env("ARGON2_MEMORY_COST_KIB", "65536")),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    )
    for name in ("SQLALCHEMY_DATABASE_URI", "PID_DATABASE_URL"):
        if name in overrides:
            overrides[name] = normalise_database_url(overrides[name])
    app.config.from_mapping(overrides)
    keep_private(instance, [app.config[name] for name in ("SQLALCHEMY_DATABASE_URI", "PID_DATABASE_URL",
                                                          "TASK_QUEUE_URL", "RATELIMIT_STORAGE_URI")])
    if app.config["PID_DATABASE_URL"] == app.config["SQLALCHEMY_DATABASE_URI"]:
        raise RuntimeError("PID_DATABASE_URL must name a database of its own, not the console's main database.")
