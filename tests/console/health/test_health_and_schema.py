"""GET /healthz, the refusal to serve a database that is not migrated, and what data migrations do."""

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from console import create_app, schema
from console.extensions import db
from console.queue.lexicon import DEFAULT_TERMS
from escalation_pathways.vault.sealing import Sealer, new_key
from escalation_pathways.vault.store import Vault
from tests.conftest import base_config

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


@pytest.fixture
def make_app():
    """Build extra apps on other databases, disposing their connections afterwards."""
    apps = []

    def build(database_url: str):
        apps.append(create_app(base_config(database_url)))
        return apps[-1]

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_healthz_reports_a_reachable_migrated_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "migrations": "current", "vault": "ok"}


def test_healthz_reports_the_vault_without_failing_the_console(app, client):
    real = app.extensions["pid_vault"]
    # Nothing listens on loopback port 9.
    app.extensions["pid_vault"] = down = Vault("postgresql+psycopg://vault@127.0.0.1:9/vault", Sealer([new_key()]),
                                               chain_key=b"k")
    try:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.get_json()["vault"] == "unreachable"
    finally:
        app.extensions["pid_vault"] = real
        down.close()


def test_unmigrated_database_is_refused_with_a_clear_message(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    client = app.test_client()
    response = client.get("/auth/login")
    assert response.status_code == 503
    assert "database is not up to date" in response.get_data(as_text=True)
    assert "flask --app wsgi db upgrade" in response.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["migrations"] == "out of date"


def test_database_behind_the_code_is_refused(app, make_app):
    (head,) = schema.expected_heads()
    with app.app_context():
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
    fresh = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    assert fresh.test_client().get("/auth/login").status_code == 503
    with app.app_context():
        # The PostgreSQL database is shared by the whole session: put the real head back.
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()


def test_unreachable_database_is_a_503_with_a_message_not_a_crash(make_app):
    app = make_app("postgresql://nobody@127.0.0.1:1/none")
    client = app.test_client()
    response = client.get("/auth/login")
    assert response.status_code == 503
    assert "cannot reach its database" in response.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"] == "unreachable"


def test_upgrading_gives_services_without_word_lists_the_defaults_and_keeps_edited_lists(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'older.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="0012")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO services (id, name, slug, risk_tier, area, mailbox, active, created_at) VALUES "
                "(1, 'Bare', 'bare', 'low', 'A', 'a@x.org', 1, '2026-11-01'), "
                "(2, 'Edited', 'edited', 'low', 'A', 'b@x.org', 1, '2026-11-01')"))
            connection.execute(sa.text("INSERT INTO risk_terms (service_id, list, phrase, added_at) VALUES "
                                       "(2, 'critical', 'our own word', '2026-11-01 00:00:00')"))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            counts = dict(connection.execute(sa.text(
                "SELECT service_id, count(*) FROM risk_terms GROUP BY service_id")).all())
    assert counts == {1: len(DEFAULT_TERMS["critical"]) + len(DEFAULT_TERMS["risk"]), 2: 1}


def test_the_favicon_is_served_where_browsers_look_for_it(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.get_data()
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    with client.get("/static/favicon.svg") as static:
        assert static.status_code == 200


def test_the_migrations_make_the_tables_the_models_describe(app):
    """A model changed without its migration (or the other way round) shows here, on both databases."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": schema.include_object})
        differences = compare_metadata(context, db.metadata)
    if connection.dialect.name == "sqlite":
        # Migration 0012 left this column a VARCHAR(64) on SQLite, which does not limit lengths (see its comment).
        differences = [d for d in differences
                       if not (d[0][0] == "modify_type" and d[0][2:4] == ("staff_members", "mfa_secret"))]
    assert differences == []


def test_upgrading_gives_posts_already_stored_their_pseudonyms_look_alike_keys(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'older.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision="0023")  # the revision before the look-alike keys
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO services (id, name, slug, risk_tier, area, mailbox, active, created_at) VALUES "
                "(1, 'Low', 'low', 'low', 'A', 'a@x.org', 1, '2026-11-01')"))
            connection.execute(sa.text(
                "INSERT INTO posts (service_id, external_id, thread_id, kind, author_pseudonym, body, created_at, "
                "received_at, priority, matched, state) VALUES "
                "(1, 'a', 't', 'post', 'Willow', 'x', '2026-11-01', '2026-11-01', 2, '[]', 'open'), "
                "(1, 'b', 't', 'post', 'W\u0456llow', 'x', '2026-11-01', '2026-11-01', 2, '[]', 'open'), "
                "(1, 'c', 't', 'post', 'Rowan', 'x', '2026-11-01', '2026-11-01', 2, '[]', 'open')"))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            keys = dict(connection.execute(sa.text("SELECT external_id, author_key FROM posts")).all())
    assert keys == {"a": "willow", "b": "willow", "c": "rowan"}
