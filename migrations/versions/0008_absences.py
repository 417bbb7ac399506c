"""the bridge-point desk: delegates reported absent with a reason, the offline kits handed to desks (an offline
scan may not claim a time before its kit was issued), and the newest scans of one point

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from domain.db import UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'absences',
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Enum('leave', 'duty', 'illness', 'other', name='absence_reason', native_enum=False,
                                    length=16), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.Column('set_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'],
                                name=op.f('fk_absences_conference_id_conferences'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_absences_invitation_id_invitations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_user_id'], ['users.id'], name=op.f('fk_absences_set_by_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('invitation_id', name=op.f('pk_absences')),
    )
    op.create_index(op.f('ix_absences_conference_id'), 'absences', ['conference_id'], unique=False)
    op.create_table(
        'offline_kits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'],
                                name=op.f('fk_offline_kits_conference_id_conferences'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_offline_kits_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offline_kits')),
    )
    op.create_index(op.f('ix_offline_kits_conference_id'), 'offline_kits', ['conference_id'], unique=False)
    op.create_index('ix_checkin_scans_conference_site_recent', 'checkin_scans', ['conference_site_id', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_checkin_scans_conference_site_recent', table_name='checkin_scans')
    op.drop_index(op.f('ix_offline_kits_conference_id'), table_name='offline_kits')
    op.drop_table('offline_kits')
    op.drop_index(op.f('ix_absences_conference_id'), table_name='absences')
    op.drop_table('absences')
