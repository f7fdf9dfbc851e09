"""analytics: talk metrics, review samples, targets, action items, coaching

Revision ID: 0003_analytics
Revises: 0002_review_calibration
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Registers the analytics tables on Base.metadata (env.py imports only store.models), as 0002 does.
import callscore.store.analytics_models  # noqa: F401

revision = '0003_analytics'
down_revision = '0002_review_calibration'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coaching_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.String(length=80), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_sessions_agent_id'), ['agent_id'], unique=False)

    op.create_table('qa_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=80), nullable=True),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('comparator', sa.String(length=2), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('min_calls', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('review_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('agent_id', sa.String(length=80), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=False),
    sa.Column('seed', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('week', 'call_id', name='uq_review_samples')
    )
    with op.batch_alter_table('review_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_samples_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_samples_week'), ['week'], unique=False)

    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('evidence', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['target_id'], ['qa_targets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('target_id', 'week', name='uq_action_items')
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_items_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_items_target_id'), ['target_id'], unique=False)

    op.create_table('call_metrics',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('handle_s', sa.Float(), nullable=True),
    sa.Column('hold_s', sa.Float(), nullable=True),
    sa.Column('hold_count', sa.Integer(), nullable=True),
    sa.Column('dead_air_share', sa.Float(), nullable=True),
    sa.Column('overtalk_s', sa.Float(), nullable=True),
    sa.Column('agent_talk_share', sa.Float(), nullable=True),
    sa.Column('longest_monologue_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id')
    )


def downgrade() -> None:
    op.drop_table('call_metrics')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_items_target_id'))
        batch_op.drop_index(batch_op.f('ix_action_items_status'))

    op.drop_table('action_items')
    with op.batch_alter_table('review_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_samples_week'))
        batch_op.drop_index(batch_op.f('ix_review_samples_call_id'))

    op.drop_table('review_samples')
    op.drop_table('qa_targets')
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_sessions_agent_id'))

    op.drop_table('coaching_sessions')
