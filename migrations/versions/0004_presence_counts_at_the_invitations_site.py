"""presence counts at the invitation's bridge point: drop the copy of it kept on presences

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('presences') as batch:
        batch.drop_constraint('fk_presences_conference_site_id_conference_sites', type_='foreignkey')
        batch.drop_column('conference_site_id')


def downgrade() -> None:
    op.add_column('presences', sa.Column('conference_site_id', sa.Integer(), nullable=True))
    op.execute("UPDATE presences SET conference_site_id = (SELECT conference_site_id FROM invitations "
               "WHERE invitations.id = presences.invitation_id)")
    with op.batch_alter_table('presences') as batch:
        batch.alter_column('conference_site_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_presences_conference_site_id_conference_sites', 'conference_sites',
                                 ['conference_site_id'], ['id'], ondelete='CASCADE')
