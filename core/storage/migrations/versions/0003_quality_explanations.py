"""quality_explanations: a unit's explanation of a data-quality finding

Revision ID: 0003_quality_explanations
Revises: 0002_audit_append_only
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_quality_explanations'
down_revision = '0002_audit_append_only'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quality_explanations',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('grp', sa.String(length=8), nullable=False),
        sa.Column('field', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('explained_by', sa.String(length=64), nullable=False),
        sa.Column('explained_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_code'], ['units.code'],
                                name=op.f('fk_quality_explanations_unit_code_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_explanations')),
        sa.UniqueConstraint('rule', 'unit_code', 'report_date', 'grp', 'field',
                            name=op.f('uq_quality_explanations_rule_unit_code_report_date_grp_field')),
    )


def downgrade() -> None:
    op.drop_table('quality_explanations')
