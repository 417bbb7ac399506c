"""each delegate's language (Vietnamese by default): their e-mails, calendar and personal pages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delegates') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=8), server_default='vi', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('delegates') as batch:
        batch.drop_column('locale')
