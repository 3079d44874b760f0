"""The vault's own database: sealed identities by pseudonym, and a tamper-evident audit trail of every access.

Nothing outside `escalation_pathways.vault` touches this engine. The main database links to a record by
(service id, pseudonym) alone. Every reveal, edit, export and erasure appends an audit entry in the same
transaction as the access itself. Each entry carries an HMAC-SHA256, under a key kept with the vault's keys
(never in a database), of its content and the previous entry's HMAC: `verify` finds any entry edited, removed
or inserted after the fact, and someone who can write to the vault database cannot make a consistent new chain.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from escalation_pathways.vault.identity import Identity
from escalation_pathways.vault.sealing import Sealer

GENESIS = "0" * 64
ACTIONS = ("reveal", "edit", "erase", "export")


class VaultUnavailable(RuntimeError):
    """The vault database cannot be reached; nothing was read or changed."""


class Base(DeclarativeBase):
    """The vault's tables (their own metadata: never created in the main database)."""


class PidRecord(Base):
    """The sealed identity behind one pseudonym of one service."""

    __tablename__ = "pid_records"
    __table_args__ = (sa.UniqueConstraint("service_id", "pseudonym", name="uq_pid_records_pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int]
    pseudonym: Mapped[str] = mapped_column(sa.String(80))
    sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)  # Fernet token of the identity as JSON
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class AuditEntry(Base):
    """One access to the vault; rows are only ever added (database triggers refuse changes)."""

    __tablename__ = "vault_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(16))
    service_id: Mapped[int]
    pseudonym: Mapped[str] = mapped_column(sa.String(80))
    case_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    previous_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def content(self) -> str:
        """The entry as canonical JSON: what its hash covers, including the previous entry's hash."""
        return content_of({name: getattr(self, name) for name in CHAINED_FIELDS})


CHAINED_FIELDS = ("id", "at", "actor_id", "actor", "action", "service_id", "pseudonym", "case_id", "reason",
                  "previous_hash")


def content_of(entry: dict) -> str:
    """An audit entry's chained fields as canonical JSON (its time in UTC)."""
    return json.dumps({**{name: entry[name] for name in CHAINED_FIELDS}, "at": _utc(entry["at"]).isoformat()},
                      sort_keys=True, separators=(",", ":"))


def chain_hash(key: bytes, content: str) -> str:
    """The HMAC-SHA256 of an entry's content under the chain key, in hex."""
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who is asking, as the audit trail records them."""

    id: int | None
    label: str  # an email address, or "system" for commands


@dataclass(frozen=True)
class Access:
    """Why the vault is being opened: the case it serves and the reason typed by the clinician."""

    actor: Actor
    reason: str
    case_id: int | None = None


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Vault:
    """The vault: its engine, its keys, and the only ways in."""

    def __init__(self, url: str, sealer: Sealer, *, chain_key: bytes):
        connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
        self.engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._sealer = sealer
        self.chain_key = chain_key

    def close(self) -> None:
        """Close the vault's database connections."""
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A session in one transaction; any database outage becomes VaultUnavailable."""
        try:
            with self._sessions.begin() as session:
                yield session
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            # Not reachable, refused, timed out, or a vault never migrated: the vault cannot be used now.
            raise VaultUnavailable("The PID vault cannot be reached.") from None

    def is_available(self) -> bool:
        """Tell whether the vault database answers (the subject rights page warns when it does not)."""
        try:
            with self._transaction() as session:
                session.execute(sa.text("SELECT 1"))
        except VaultUnavailable:
            return False
        return True

    def holds(self, service_id: int, pseudonym: str) -> bool:
        """Whether the vault has an identity for the pseudonym (no PID leaves; nothing is audited)."""
        with self._transaction() as session:
            return _record(session, service_id, pseudonym) is not None

    def reveal(self, service_id: int, pseudonym: str, access: Access) -> Identity | None:
        """The identity behind a pseudonym (None when none is held), audited as a reveal."""
        return self._read(service_id, pseudonym, access, "reveal")

    def export(self, service_id: int, pseudonym: str, access: Access) -> Identity | None:
        """The identity for a subject access request, audited as an export."""
        return self._read(service_id, pseudonym, access, "export")

    def _read(self, service_id: int, pseudonym: str, access: Access, action: str) -> Identity | None:
        with self._transaction() as session:
            record = _record(session, service_id, pseudonym)
            _append(session, self.chain_key, action, service_id, pseudonym, access)
            if record is None:
                return None
            return Identity(**json.loads(self._sealer.unseal(record.sealed)))

    def save(self, service_id: int, pseudonym: str, identity: Identity, access: Access) -> None:
        """Store (or replace) the identity behind a pseudonym, audited as an edit."""
        sealed = self._sealer.seal(json.dumps(identity.as_dict(), sort_keys=True))
        with self._transaction() as session:
            record = _record(session, service_id, pseudonym)
            if record is None:
                record = PidRecord(service_id=service_id, pseudonym=pseudonym)
                session.add(record)
            record.sealed, record.updated_at = sealed, datetime.now(UTC)
            _append(session, self.chain_key, "edit", service_id, pseudonym, access)

    def erase(self, service_id: int, pseudonym: str, access: Access) -> bool:
        """Delete the identity behind a pseudonym (a subject's right to erasure); the erasure itself is audited.
        Returns whether there was anything to erase."""
        with self._transaction() as session:
            record = _record(session, service_id, pseudonym)
            if record is not None:
                session.delete(record)
            _append(session, self.chain_key, "erase", service_id, pseudonym, access)
            return record is not None

    def history(self, service_id: int, pseudonym: str) -> list[AuditEntry]:
        """Every access to a pseudonym's record, oldest first (no PID: who, when, why)."""
        with self._transaction() as session:
            return list(session.scalars(sa.select(AuditEntry).where(
                AuditEntry.service_id == service_id, AuditEntry.pseudonym == pseudonym).order_by(AuditEntry.id)))

    def verify(self) -> list[str]:
        """Every break in the audit chain, in words; empty when the chain is whole."""
        problems = []
        expected_previous = GENESIS
        with self._transaction() as session:
            for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
                if entry.previous_hash != expected_previous:
                    problems.append(f"entry {entry.id}: does not follow the entry before it (one was removed, "
                                    "inserted or edited)")
                if not hmac.compare_digest(chain_hash(self.chain_key, entry.content()), entry.hash):
                    problems.append(f"entry {entry.id}: its content does not match its hash (it was edited)")
                expected_previous = entry.hash
        return problems

    def reseal_all(self) -> int:
        """Re-seal every record under the newest key (after a key is added); returns how many."""
        with self._transaction() as session:
            records = list(session.scalars(sa.select(PidRecord)))
            for record in records:
                record.sealed = self._sealer.reseal(record.sealed)
            return len(records)


def _record(session: Session, service_id: int, pseudonym: str) -> PidRecord | None:
    return session.scalar(sa.select(PidRecord).where(PidRecord.service_id == service_id,
                                                     PidRecord.pseudonym == pseudonym))


def _append(session: Session, key: bytes, action: str, service_id: int, pseudonym: str, access: Access) -> None:
    """Chain a new audit entry to the last one. On PostgreSQL the table is locked for the rest of the
    transaction, so two accesses at once cannot both follow the same entry; SQLite writes one at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE vault_audit IN SHARE ROW EXCLUSIVE MODE"))
    last = session.execute(sa.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(id=(last.id + 1) if last else 1, at=datetime.now(UTC).replace(microsecond=0),
                       actor_id=access.actor.id, actor=access.actor.label, action=action, service_id=service_id,
                       pseudonym=pseudonym, case_id=access.case_id, reason=access.reason,
                       previous_hash=last.hash if last else GENESIS)
    entry.hash = chain_hash(key, entry.content())
    session.add(entry)
