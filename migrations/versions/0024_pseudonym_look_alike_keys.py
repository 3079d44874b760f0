"""Each post keeps its pseudonym's look-alike key (the UTS #39 skeleton of its case-folded form, see
console.identifiers.look_alike_key), so a search for "Willow" finds "Wіllow" with a Cyrillic і and the queue marks a
pseudonym that looks like another poster's. The keys of posts already stored are worked out here.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa

from console.identifiers import look_alike_key


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('author_pseudonym', sa.String),
                 sa.column('author_key', sa.Text))


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_key', sa.Text(), nullable=True))
    connection = op.get_bind()
    pseudonyms = connection.execute(sa.select(posts.c.author_pseudonym).distinct()).scalars().all()
    for pseudonym in pseudonyms:
        connection.execute(posts.update().where(posts.c.author_pseudonym == pseudonym)
                           .values(author_key=look_alike_key(pseudonym)))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.alter_column('author_key', existing_type=sa.Text(), nullable=False)
        batch_op.create_index('ix_posts_author_key', ['service_id', 'author_key'], unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_author_key')
        batch_op.drop_column('author_key')
