"""Give every service that has no critical or risk words the default lists (console.queue.lexicon); services
with lists of their own keep them as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 12:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from console.queue.lexicon import DEFAULT_TERMS


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

services = sa.table('services', sa.column('id', sa.Integer))
terms = sa.table('risk_terms', sa.column('service_id', sa.Integer), sa.column('list', sa.String),
                 sa.column('phrase', sa.String), sa.column('added_at', sa.DateTime))


def upgrade():
    connection = op.get_bind()
    with_terms = set(connection.scalars(sa.select(terms.c.service_id).distinct()))
    now = datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC, as console.database.UTCDateTime does
    for service_id in connection.scalars(sa.select(services.c.id)).all():
        if service_id not in with_terms:
            connection.execute(terms.insert(), [{"service_id": service_id, "list": name, "phrase": phrase,
                                                 "added_at": now}
                                                for name, phrases in DEFAULT_TERMS.items() for phrase in phrases])


def downgrade():
    pass  # the lists stay: administrators may have edited them since
