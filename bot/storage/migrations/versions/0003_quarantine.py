"""The quarantine: updates set aside, with their error, tries and shape, never their words.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:06:42.444755
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarantinedupdate',
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('shape', sa.String(length=200), nullable=False),
    sa.Column('error', sa.String(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('set_aside_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('quarantinedupdate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantinedupdate_set_aside_at'), ['set_aside_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarantinedupdate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantinedupdate_set_aside_at'))

    op.drop_table('quarantinedupdate')
