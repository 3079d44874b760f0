"""The audit log is append-only: the code refuses changes, and so does the database itself."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from console.audit import service as audit
from console.audit.models import AuditEntry, AuditLogIsAppendOnly
from console.extensions import db


@pytest.fixture
def entry_id(app):
    with app.app_context():
        entry = audit.record("test.event", target="service:1", actor="system", details={"why": "test"})
        db.session.commit()
        return entry.id


def test_recorded_entry_keeps_actor_action_target_time_and_details(app, entry_id):
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        assert (entry.actor, entry.action, entry.target, entry.details) == ("system", "test.event", "service:1",
                                                                            {"why": "test"})
        assert entry.at.tzinfo is not None


def test_the_orm_refuses_to_change_or_delete_an_entry(app, entry_id):
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        entry.action = "tampered"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"])
def test_the_database_refuses_raw_updates_and_deletes(app, entry_id, statement):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.get(AuditEntry, entry_id).action == "test.event"
