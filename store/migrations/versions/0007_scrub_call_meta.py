"""calls.meta keeps only the fields callscore knows: calls stored before store/call_info.py filtered sidecars kept
every key, card numbers and addresses included (issue 18)

Revision ID: 0007_scrub_call_meta
Revises: 0006_session_generation
"""
from alembic import op
import sqlalchemy as sa

from callscore.store.call_info import known_meta
from callscore.store.models import Json

revision = '0007_scrub_call_meta'
down_revision = '0006_session_generation'
branch_labels = None
depends_on = None

calls = sa.table('calls', sa.column('id', sa.String), sa.column('meta', Json))


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(calls.c.id, calls.c.meta).where(calls.c.meta.is_not(None))).all()
    scrubbed = [{"call_id": call_id, "kept": kept} for call_id, meta in rows if (kept := _kept(meta)) != meta]
    if scrubbed:  # one executemany; only the calls that held unknown keys are written
        connection.execute(calls.update().where(calls.c.id == sa.bindparam("call_id"))
                           .values(meta=sa.bindparam("kept", type_=Json)), scrubbed)


def _kept(meta: object) -> dict:
    # callscore always wrote an object here; anything else came from another writer and is not call metadata
    return known_meta(meta) if isinstance(meta, dict) else {}


def downgrade() -> None:
    pass  # what was dropped is gone on purpose: it must not come back
