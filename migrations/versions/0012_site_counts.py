"""per-point attendance counts kept by triggers (site_counts), filled once from the invitations: reading a
conference's attendance no longer reads its invitations

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from domain.checkin import tally

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site_counts',
                    sa.Column('conference_site_id', sa.Integer(), nullable=False),
                    sa.Column('invited', sa.Integer(), nullable=False),
                    sa.Column('walk_ins', sa.Integer(), nullable=False),
                    sa.Column('present', sa.Integer(), nullable=False),
                    sa.Column('late', sa.Integer(), nullable=False),
                    sa.Column('absent', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['conference_site_id'], ['conference_sites.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('conference_site_id'))
    bind = op.get_bind()
    tally.install(bind)
    tally.refill(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name, _timing, _event, table, _statements in tally.TRIGGERS:
        if bind.dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
            op.execute(f'DROP FUNCTION IF EXISTS {name}()')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.drop_table('site_counts')
