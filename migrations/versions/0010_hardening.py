"""hardening: a password set by an administrator must be changed at first sign-in; a conference's real start and
end (busy rules and calendars use them once known)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('conferences') as batch:
        batch.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conferences') as batch:
        batch.drop_column('ended_at')
        batch.drop_column('started_at')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('must_change_password')
