"""disputes: agent acknowledgements and item disputes (issue 8)

Revision ID: 0004_disputes
Revises: 0003_analytics
"""
from alembic import op
import sqlalchemy as sa

# Registers the dispute tables on Base.metadata (env.py imports only store.models), as 0002/0003 do.
import callscore.store.dispute_models  # noqa: F401

revision = '0004_disputes'
down_revision = '0003_analytics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_by', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'result_id', name='uq_acknowledgements')
    )
    with op.batch_alter_table('acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acknowledgements_call_id'), ['call_id'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('agent_user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('resolver_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['resolver_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_state'))
        batch_op.drop_index(batch_op.f('ix_disputes_call_id'))
    op.drop_table('disputes')
    with op.batch_alter_table('acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acknowledgements_call_id'))
    op.drop_table('acknowledgements')
