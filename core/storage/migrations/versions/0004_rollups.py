"""rollups: districts' and provinces' figures summed from below, on every date they change

Built here from the figures already stored, so an upgraded database answers at once.

Revision ID: 0004_rollups
Revises: 0003_quality_explanations
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_rollups'
down_revision = '0003_quality_explanations'
branch_labels = None
depends_on = None

_OPTIONAL = ('proxy_paid', 'cash_at_home', 'id_verified', 'id_pending', 'id_problem')


def upgrade() -> None:
    op.create_table(
        'rollups',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('grp', sa.String(length=8), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('accounts', sa.Integer(), nullable=True),
        sa.Column('cashless', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in _OPTIONAL),
        sa.PrimaryKeyConstraint('unit_code', 'grp', 'report_date', name=op.f('pk_rollups')),
        sqlite_with_rowid=False,
    )
    # The rules live in core.storage.rollups (one implementation for the pages and the table).
    from core.storage import rollups
    rollups.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table('rollups')
