"""The inbox's lane: a keyed hash of each update's chat, so any instance finds a chat's pending updates in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:52.913984
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inboxupdate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lane', sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inboxupdate_lane'), ['lane'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inboxupdate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inboxupdate_lane'))
        batch_op.drop_column('lane')
