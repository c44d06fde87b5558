"""saved_readings: a file shape's confirmed reading, applied to the next file of that shape

Revision ID: 0006_saved_readings
Revises: 0005_sessions
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_saved_readings'
down_revision = '0005_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_readings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('unit_code', sa.String(length=5), nullable=True),
        sa.Column('reading', sa.Text(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('headers', sa.Text(), nullable=False),
        sa.Column('confirmed_by', sa.String(length=64), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_readings')),
        sa.UniqueConstraint('signature', name=op.f('uq_saved_readings_signature')),
    )


def downgrade() -> None:
    op.drop_table('saved_readings')
