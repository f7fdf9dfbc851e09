"""`callscore review` and `callscore users` (review/cli.py), and the review tables' migration."""
import io

import pytest
from sqlalchemy import select

from callscore.store import Store
from callscore.store.models import User
from review_helpers import cli_parser


def test_cli_parses_and_adds_users(tmp_path, monkeypatch):
    parser = cli_parser()
    args = parser.parse_args(["review", "--port", "9001", "--db", "sqlite:///x.db"])
    assert (args.host, args.port, args.db, args.review_command) == ("127.0.0.1", 9001, "sqlite:///x.db", None)
    url = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    args = parser.parse_args(["users", "add", "mona", "--role", "monitor", "--password-stdin", "--db", url])
    assert args.run(args) == 0
    store = Store(url)
    with store.session() as session:
        mona = session.scalar(select(User).where(User.username == "mona"))
    assert mona.role == "monitor" and "a long secret" not in mona.password_hash
    from callscore.review.auth import verify_password

    assert verify_password("a long secret", mona.password_hash)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    with pytest.raises(ValueError, match="exists"):
        args.run(args)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    args = parser.parse_args(["users", "add", "tom", "--role", "lead", "--password-stdin", "--db", url])
    with pytest.raises(ValueError, match="8 characters"):
        args.run(args)
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "add", "tom", "--role", "superuser"])
    store.engine.dispose()


def test_migration_matches_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from callscore.store.models import Base

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert "calibration_sessions" in Base.metadata.tables
    store.engine.dispose()
