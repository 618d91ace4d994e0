"""Reminders: who subscribed to funding deadlines or new events, and the chat to reach them in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:00:20.901797
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subscription',
    sa.Column('user_key', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('known', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_key', 'topic')
    )


def downgrade() -> None:
    op.drop_table('subscription')
