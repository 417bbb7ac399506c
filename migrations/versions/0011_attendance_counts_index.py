"""attendance counts without reading a conference's invitations: a covering index by conference and point (status,
walk-in and id in it), so the read model's one aggregate is an index-only scan

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invitations_conference_site_counts', 'invitations',
                    ['conference_id', 'conference_site_id', 'status', 'walk_in', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invitations_conference_site_counts', table_name='invitations')
