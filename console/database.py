"""The declarative base and column types shared by every model."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# A check constraint for a time of day from start_minute to end_minute: it starts before it ends, from 00:00 to
# 24:00 of one day.
WITHIN_ONE_DAY = "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute"


# Rotas, deadlines and reports are in the wall-clock time of the services' users: the same 08:00-22:00 on the
# days the clocks change.
LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the services' users are (Europe/London)."""
    return utcnow().astimezone(LONDON).date()


class UTCDateTime(sa.TypeDecorator):
    """An aware UTC datetime, stored naive-UTC so SQLite and PostgreSQL agree."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC before it is stored."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Mark a stored naive-UTC datetime as UTC again."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base for the main (non-PID) database."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


@sa.event.listens_for(Engine, "connect")
def _sqlite_enforce_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def insert_or_ignore(session: Session, model, *, index_elements: list[str], **values) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike: two requests at the same moment both
    go on, and the second then reads the first's row."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=index_elements))
