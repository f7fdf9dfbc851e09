"""users.session_generation: a number every session cookie carries; logout and a password change raise it, which
ends every earlier session of that user (issue 18)

Revision ID: 0006_session_generation
Revises: 0005_telephony
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_session_generation'
down_revision = '0005_telephony'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
