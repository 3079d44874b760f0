"""The risk model beside the word lists: what it raised each post to and why, each service's sensitivity, the
moderators' marks on flags, and the trust's retrained models.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import importlib.util
from pathlib import Path


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable or defaulted columns are an ALTER TABLE on SQLite too: posts keeps its triggers and full-text table.
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_flag', sa.JSON(), nullable=True))
    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_sensitivity', sa.String(length=12), server_default='standard',
                                      nullable=False))
    op.create_table(
        'risk_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.String(length=8), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("verdict IN ('wrong', 'critical', 'risk')", name=op.f('ck_risk_marks_verdict')),
        sa.ForeignKeyConstraint(['marked_by_id'], ['staff_members.id'],
                                name=op.f('fk_risk_marks_marked_by_id_staff_members')),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_risk_marks_post_id_posts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_risk_marks_service_id_services'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_marks')))
    with op.batch_alter_table('risk_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_marks_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_risk_marks_service_time', ['service_id', 'marked_at'], unique=False)
    op.create_table(
        'risk_model_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trained_at', sa.DateTime(), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        sa.Column('trained_on', sa.JSON(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('model', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_model_versions')))


def downgrade():
    op.drop_table('risk_model_versions')
    with op.batch_alter_table('risk_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_marks_service_time')
        batch_op.drop_index(batch_op.f('ix_risk_marks_post_id'))
    op.drop_table('risk_marks')
    with op.batch_alter_table('queue_settings', schema=None) as batch_op:
        batch_op.drop_column('model_sensitivity')
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # SQLite rebuilds the table to drop a column: its full-text triggers go and are made again
        _full_text_migration().posts_fts_triggers(create=False)
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('model_flag')
    if sqlite:
        _full_text_migration().posts_fts_triggers()


def _full_text_migration():
    path = next(Path(__file__).parent.glob("0026_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0026", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
