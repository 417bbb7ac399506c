"""display links: a signed, revocable link per screen that shows a conference's wall board without a sign-in

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from domain.db import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'display_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('created_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_by_user_id', sa.Integer(), nullable=True),
        sa.Column('secret', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'],
                                name=op.f('fk_display_links_conference_id_conferences'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'],
                                name=op.f('fk_display_links_created_by_user_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_user_id'], ['users.id'],
                                name=op.f('fk_display_links_revoked_by_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_display_links')),
    )
    op.create_index(op.f('ix_display_links_conference_id'), 'display_links', ['conference_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_display_links_conference_id'), table_name='display_links')
    op.drop_table('display_links')
