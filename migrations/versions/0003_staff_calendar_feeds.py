"""staff calendar feeds: a per-user version that revokes the user's secret feed URLs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('feed_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('feed_version')
