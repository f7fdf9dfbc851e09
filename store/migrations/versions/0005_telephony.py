"""analytics at scale: telephony call records (ACD KPIs), script-step order on item results, calls.filed_at
(indexed call time), covering indexes on results, no item-first index on item_results (issue 8)

Revision ID: 0005_telephony
Revises: 0004_disputes
"""
from alembic import op
import sqlalchemy as sa

import callscore.store.analytics_models  # noqa: F401  (registers the table on Base.metadata, as 0003 does)

revision = '0005_telephony'
down_revision = '0004_disputes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telephony_calls',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('agent_id', sa.String(length=80), nullable=True),
    sa.Column('team', sa.String(length=80), nullable=True),
    sa.Column('queue', sa.String(length=80), nullable=True),
    sa.Column('campaign', sa.String(length=80), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telephony_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telephony_calls_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_telephony_calls_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_telephony_calls_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_telephony_calls_team'), ['team'], unique=False)
    with op.batch_alter_table('item_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('out_of_order', sa.Boolean(), nullable=True))
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE calls SET filed_at = COALESCE(call_time, created_at)")
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_filed_at'), ['filed_at'], unique=False)
    op.drop_index('ix_item_results_item_outcome', table_name='item_results')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_current_scores', ['call_id', 'is_current', 'percent', 'auto_failed', 'scorecard'], unique=False)
        batch_op.create_index('ix_results_id_current', ['id', 'is_current', 'call_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_id_current')
        batch_op.drop_index('ix_results_current_scores')
    op.create_index('ix_item_results_item_outcome', 'item_results', ['item_id', 'outcome'], unique=False)
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_filed_at'))
        batch_op.drop_column('filed_at')
    with op.batch_alter_table('item_results', schema=None) as batch_op:
        batch_op.drop_column('out_of_order')
    with op.batch_alter_table('telephony_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telephony_calls_team'))
        batch_op.drop_index(batch_op.f('ix_telephony_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_telephony_calls_call_id'))
        batch_op.drop_index(batch_op.f('ix_telephony_calls_agent_id'))
    op.drop_table('telephony_calls')
