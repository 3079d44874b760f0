"""Indexes for searching the queue and for a poster's history: each service's posts by pseudonym, and on
PostgreSQL a full-text index of the posts' words (GIN over to_tsvector('english', body); SQLite searches without).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 03:10:00

"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_author', ['service_id', 'author_pseudonym', 'created_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_posts_body_search ON posts USING gin (to_tsvector('english'::regconfig, body))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_posts_body_search")
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_author')
