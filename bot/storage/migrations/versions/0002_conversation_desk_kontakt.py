"""Tables and columns of small talk, saved replies, honest figures, topics that follow tickets, and Kontakt.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:42:31.701345
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contactblock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_key', sa.String(length=64), nullable=False),
    sa.Column('asker_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('target_key', 'asker_key')
    )
    with op.batch_alter_table('contactblock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contactblock_asker_key'), ['asker_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactblock_target_key'), ['target_key'], unique=False)

    op.create_table('contactcard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_key', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('art_forms', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=80), nullable=False),
    sa.Column('place_key', sa.String(length=80), nullable=False),
    sa.Column('region_key', sa.String(length=80), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=False),
    sa.Column('languages', sa.String(length=20), nullable=False),
    sa.Column('line', sa.String(length=300), nullable=False),
    sa.Column('folded', sa.String(length=400), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_key')
    )
    with op.batch_alter_table('contactcard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contactcard_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactcard_listed'), ['listed'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactcard_place_key'), ['place_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactcard_region_key'), ['region_key'], unique=False)

    op.create_table('contactrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_key', sa.String(length=64), nullable=True),
    sa.Column('asker_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('asker_username', sa.String(length=64), nullable=True),
    sa.Column('target_key', sa.String(length=64), nullable=True),
    sa.Column('target_card_id', sa.Integer(), nullable=True),
    sa.Column('line', sa.String(length=300), nullable=True),
    sa.Column('by_staff', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('settled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contactrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contactrequest_asker_key'), ['asker_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactrequest_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactrequest_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactrequest_target_card_id'), ['target_card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contactrequest_target_key'), ['target_key'], unique=False)

    op.create_table('contactsearch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('sought', sa.String(length=80), nullable=False),
    sa.Column('art_forms', sa.String(length=200), nullable=False),
    sa.Column('place_key', sa.String(length=80), nullable=True),
    sa.Column('place', sa.String(length=80), nullable=True),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contactsearch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contactsearch_created_at'), ['created_at'], unique=False)

    op.create_table('directoryversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('savedreply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'language')
    )
    with op.batch_alter_table('savedreply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savedreply_name'), ['name'], unique=False)

    op.create_table('smalltalkcount',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'language', 'kind')
    )
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=16), nullable=False, server_default='domain'))

    sqlite = op.get_bind().dialect.name == 'sqlite'  # SQLite hands a deleted last number out again without this
    with op.batch_alter_table('ticket', schema=None, recreate='always' if sqlite else 'auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('relayed', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('forgotten', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('forgotten')
        batch_op.drop_column('relayed')
        batch_op.drop_column('subject')

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_column('scope')

    op.drop_table('smalltalkcount')
    with op.batch_alter_table('savedreply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savedreply_name'))

    op.drop_table('savedreply')
    op.drop_table('directoryversion')
    with op.batch_alter_table('contactsearch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contactsearch_created_at'))

    op.drop_table('contactsearch')
    with op.batch_alter_table('contactrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contactrequest_target_key'))
        batch_op.drop_index(batch_op.f('ix_contactrequest_target_card_id'))
        batch_op.drop_index(batch_op.f('ix_contactrequest_state'))
        batch_op.drop_index(batch_op.f('ix_contactrequest_created_at'))
        batch_op.drop_index(batch_op.f('ix_contactrequest_asker_key'))

    op.drop_table('contactrequest')
    with op.batch_alter_table('contactcard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contactcard_region_key'))
        batch_op.drop_index(batch_op.f('ix_contactcard_place_key'))
        batch_op.drop_index(batch_op.f('ix_contactcard_listed'))
        batch_op.drop_index(batch_op.f('ix_contactcard_country'))

    op.drop_table('contactcard')
    with op.batch_alter_table('contactblock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contactblock_target_key'))
        batch_op.drop_index(batch_op.f('ix_contactblock_asker_key'))

    op.drop_table('contactblock')
