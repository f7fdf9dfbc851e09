"""CLI for the review app: `callscore review` (serve, export-labels) and `callscore users` (add, list, disable)."""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path

from callscore.store.models import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")


def _store(db: str | None):
    from callscore.settings import Settings
    from callscore.store import Store, database_url

    import callscore.store.review_models  # noqa: F401

    settings = Settings.from_env(db_url=db)
    return Store(database_url(settings)), settings


def cmd_review(args: argparse.Namespace) -> int:
    from callscore.review.app import create_app
    import uvicorn

    store, settings = _store(args.db)
    app = create_app(store, settings)
    print(f"callscore review on http://{args.host}:{args.port}/  (store: {store.engine.url.render_as_string()})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=args.proxy_headers,
                forwarded_allow_ips=args.forwarded_allow_ips, log_level="info")
    return 0


def cmd_export_labels(args: argparse.Namespace) -> int:
    from callscore.store.review_labels import write_label_file

    store, settings = _store(getattr(args, "export_db", None) or args.db)
    with store.session() as session:
        count = write_label_file(session, Path(settings.scorecard), args.out)
    print(f"{count} labels written to {args.out}", file=sys.stderr)
    return 0


def _read_password(from_stdin: bool, username: str) -> str:
    from callscore.review.auth import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise ValueError("the passwords differ")
    if problem := password_problem(password, username):
        raise ValueError(problem)
    return password


def cmd_users_add(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from callscore.review.auth import hash_password
    from callscore.store.models import User
    from callscore.store.repository import add_user

    if not USERNAME.match(args.username):
        raise ValueError("usernames are 2-80 letters, digits, '.', '_', '@' or '-'")
    if args.role == "agent" and not args.agent_id:
        raise ValueError("an agent account needs --agent-id (whose calls it may see)")
    store, _ = _store(args.db)
    with store.session() as session, session.begin():
        if session.scalar(select(User.id).where(User.username == args.username)) is not None:
            raise ValueError(f"user {args.username!r} exists")
    password_hash = hash_password(_read_password(args.password_stdin, args.username))
    with store.session() as session, session.begin():
        add_user(session, args.username, password_hash, args.role, args.agent_id)
    print(f"user {args.username} added ({args.role})", file=sys.stderr)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from callscore.store.models import User

    store, _ = _store(args.db)
    with store.session() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
    for user in users:
        print(f"{user.username:<24} {user.role:<8} {'active' if user.active else 'disabled':<9} {user.agent_id or ''}")
    return 0


def cmd_users_set(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from callscore.review.auth import end_sessions, hash_password
    from callscore.store.models import User

    store, _ = _store(args.db)
    password_hash = hash_password(_read_password(args.password_stdin, args.username)) \
        if args.users_command == "passwd" else None
    with store.session() as session, session.begin():
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            raise ValueError(f"no user {args.username!r}")
        if args.users_command == "disable":
            user.active = False
        else:
            user.password_hash, user.active = password_hash, True
        end_sessions(session, user.id)  # a stolen or shared cookie must not outlive the old password
    print(f"user {args.username}: {args.users_command} done", file=sys.stderr)
    return 0


def add_parsers(commands) -> None:
    """Register `callscore review` and `callscore users` on the main parser's subcommands."""
    db_help = "results store URL (default: CALLSCORE_DB_URL, else SQLite under CALLSCORE_HOME)"
    p = commands.add_parser(
        "review", help="the web app where QA monitors confirm or override scores, and calibrate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the review web app on the results store (log in with a user from `callscore users add`). "
                    "Session cookies are signed with CALLSCORE_SECRET_KEY, else a key kept in CALLSCORE_HOME.",
        epilog="examples:\n  callscore users add ana --role monitor\n  callscore review --port 8000\n"
               "  callscore review export-labels --out review_labels.jsonl")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--db", help=db_help)
    p.add_argument("--proxy-headers", action="store_true",
                   help="behind a TLS proxy: trust X-Forwarded-Proto/For (cookies become Secure over https)")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies trusted with --proxy-headers")
    p.set_defaults(run=cmd_review)
    actions = p.add_subparsers(dest="review_command", metavar="ACTION")
    e = actions.add_parser("export-labels", help="confirmed item labels as JSONL for retraining the phrase classifier")
    e.add_argument("--out", required=True, type=Path, help="JSONL file to write")
    e.add_argument("--db", dest="export_db", help=db_help)
    e.set_defaults(run=cmd_export_labels)

    users = commands.add_parser("users", help="review app accounts: add, list, disable, passwd").add_subparsers(
        dest="users_command", required=True, metavar="ACTION")
    u = users.add_parser("add", help="create a user (password asked, or read from stdin)")
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=ROLES)
    u.add_argument("--agent-id", dest="agent_id", help="for --role agent: the agent id whose calls they may see")
    u.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    u.add_argument("--db", help=db_help)
    u.set_defaults(run=cmd_users_add)
    u = users.add_parser("list", help="users and roles")
    u.add_argument("--db", help=db_help)
    u.set_defaults(run=cmd_users_list)
    for name, text in (("disable", "stop a user logging in"), ("passwd", "set a new password (and re-enable)")):
        u = users.add_parser(name, help=text)
        u.add_argument("username")
        u.add_argument("--password-stdin", action="store_true")
        u.add_argument("--db", help=db_help)
        u.set_defaults(run=cmd_users_set)
