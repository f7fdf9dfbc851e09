"""review app: calibration sessions

Revision ID: 0002_review_calibration
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

# Registers the calibration tables on Base.metadata (env.py imports only store.models), so that
# `alembic check` / compare_metadata against Base.metadata sees them once the store has been opened.
import callscore.store.review_models  # noqa: F401

revision = '0002_review_calibration'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calibration_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calibration_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['calibration_sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'call_id', name='uq_calibration_calls')
    )
    op.create_index('ix_calibration_calls_session_id', 'calibration_calls', ['session_id'], unique=False)
    op.create_table('calibration_raters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['calibration_sessions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_calibration_raters')
    )
    op.create_index('ix_calibration_raters_session_id', 'calibration_raters', ['session_id'], unique=False)
    op.create_table('calibration_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=255), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['calibration_sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id'),
    sa.UniqueConstraint('session_id', 'call_id', 'reviewer_id', name='uq_calibration_reviews')
    )
    op.create_index('ix_calibration_reviews_session_id', 'calibration_reviews', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_calibration_reviews_session_id', table_name='calibration_reviews')
    op.drop_table('calibration_reviews')
    op.drop_index('ix_calibration_raters_session_id', table_name='calibration_raters')
    op.drop_table('calibration_raters')
    op.drop_index('ix_calibration_calls_session_id', table_name='calibration_calls')
    op.drop_table('calibration_calls')
    op.drop_table('calibration_sessions')
