"""a conference's invitations listed and searched by name without joining its delegates: each invitation carries
its delegate's search name, copied and kept by triggers, and an index (conference, name, delegate); on PostgreSQL
a trigram index of the names too (pg_trgm)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from domain.invitations import names

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('invitations', sa.Column('search', sa.String(length=1000), server_default='', nullable=False))
    bind = op.get_bind()
    names.install(bind)
    names.refill(bind)
    op.create_index('ix_invitations_conference_search', 'invitations', ['conference_id', 'search', 'delegate_id'],
                    unique=False, postgresql_include=['id'])
    if bind.dialect.name == 'postgresql':
        names.install_extensions(bind)
        op.create_index('ix_invitations_search_trigrams', 'invitations', ['search'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search': 'gin_trgm_ops'})


def downgrade() -> None:
    bind = op.get_bind()
    for statement in names.drop_ddl(bind.dialect.name):
        op.execute(statement)
    if bind.dialect.name == 'postgresql':
        op.drop_index('ix_invitations_search_trigrams', table_name='invitations')
    op.drop_index('ix_invitations_conference_search', table_name='invitations')
    op.drop_column('invitations', 'search')  # SQLite ≥ 3.35 drops a column in place (a batch copy would lose the
    # table's counting triggers)
