"""indexes for lists at national scale: a conference's invitations by status, point and pass, and its mail by
kind and state; delegates and bridge points by their search text

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:00:00
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invitations_conference_status', 'invitations',
                    ['conference_id', 'status', 'conference_site_id', 'pass_version'], unique=False)
    op.create_index('ix_delegates_search', 'delegates', ['search', 'id'], unique=False)
    op.create_index('ix_bridge_sites_search', 'bridge_sites', ['search'], unique=False)
    op.create_index('ix_outbox_messages_conference_kind_status', 'outbox_messages',
                    ['conference_id', 'kind', 'status', 'invitation_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_messages_conference_kind_status', table_name='outbox_messages')
    op.drop_index('ix_bridge_sites_search', table_name='bridge_sites')
    op.drop_index('ix_delegates_search', table_name='delegates')
    op.drop_index('ix_invitations_conference_status', table_name='invitations')
