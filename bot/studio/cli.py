"""`python -m bot staff ...`: create the first accounts and help locked-out staff.

There is no default account and no default password: the first admin is made here,
with the password read from standard input (never from the command line, where
other users of the machine could read it in the process list).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.studio.models import ROLES


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("No terminal to ask for the password: pipe it in with --password-stdin.")
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("The two passwords are not the same; nothing was saved.")
    return first


def _factory() -> sessionmaker:
    from bot.bookings.db import database_url, session_factory, upgrade_database

    return session_factory(upgrade_database(database_url()))


def _add_user(args: argparse.Namespace) -> int:
    from bot.bookings.db import DatabaseError, session_scope
    from bot.studio.accounts import AccountError, create_user

    password = _read_password(args)
    try:
        with session_scope(_factory()) as work:
            user = create_user(work, args.name, args.role, password, _actor())
            name, role = user.username, user.role
    except AccountError as error:
        print(f"Not created: {error}", file=sys.stderr)
        return 1
    except DatabaseError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Created {role} '{name}'. Sign in at /staff/ on the web page (`make run` prints it).")
    return 0


def _list_users(args: argparse.Namespace) -> int:
    from bot.bookings.db import session_scope
    from bot.studio.accounts import is_locked, list_users

    with session_scope(_factory()) as work:
        people = list_users(work)
        if not people:
            print("No staff accounts yet: add one with `python -m bot staff add-user`.")
        for person in people:
            state = (
                "disabled" if not person.active else ("locked" if is_locked(person) else "active")
            )
            print(f"{person.username}\t{person.role}\t{state}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    from bot.bookings.db import session_scope
    from bot.studio.accounts import find_user, unlock

    with session_scope(_factory()) as work:
        user = find_user(work, args.name)
        if user is None:
            print(f"There is no account named '{args.name}'.", file=sys.stderr)
            return 1
        unlock(work, user, _actor())
    print(f"Unlocked '{args.name}'.")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    from bot.bookings.db import session_scope
    from bot.studio.accounts import AccountError, find_user, set_password

    password = _read_password(args)
    try:
        with session_scope(_factory()) as work:
            user = find_user(work, args.name)
            if user is None:
                print(f"There is no account named '{args.name}'.", file=sys.stderr)
                return 1
            set_password(work, user, password, _actor())
    except AccountError as error:
        print(f"Not changed: {error}", file=sys.stderr)
        return 1
    print(f"New password set for '{args.name}'; their open sessions were ended.")
    return 0


def _inbox_import(args: argparse.Namespace) -> int:
    from bot.privacy.tracker_events import TrackerStoreError, open_tracker, tracker_store_url
    from bot.settings import get_settings
    from bot.studio.inbox.consumer import import_tracker

    try:
        url = tracker_store_url(folder=args.run_dir)
    except TrackerStoreError as error:
        print(f"Nothing imported: {error}", file=sys.stderr)
        return 1
    if url is None:
        print("Nothing to import: no conversations are stored on disk yet.")
        return 0
    tracker = open_tracker(url)
    try:
        read = import_tracker(tracker, _factory(), get_settings().phone_region)
    finally:
        tracker.dispose()
    print(f"Read {read} conversation events into the studio's inbox (masked).")
    return 0


def _gates(args: argparse.Namespace) -> int:
    from bot.studio.training.gates import run_gate

    return run_gate(args.gate, args.candidate, args.live, args.out, args.cache_dir)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``staff``: accounts for the staff studio."""
    staff = subparsers.add_parser(
        "staff", help="staff studio accounts (add-user, list, unlock), inbox import, model gates"
    )
    commands = staff.add_subparsers(dest="staff_command", required=True)

    p = commands.add_parser("add-user", help="create a studio account")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(handler=_add_user)

    p = commands.add_parser("set-password", help="set a new password (ends the user's sessions)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=_set_password)

    p = commands.add_parser("list-users", help="list studio accounts and their state")
    p.set_defaults(handler=_list_users)

    p = commands.add_parser("unlock", help="unlock an account locked after failed sign-ins")
    p.add_argument("name")
    p.set_defaults(handler=_unlock)

    p = commands.add_parser(
        "inbox-import",
        help="read conversations already in the tracker store into the studio's inbox (once)",
    )
    p.add_argument(
        "--run-dir", type=Path, default=None, help="folder of tracker.db (default: var/run)"
    )
    p.set_defaults(handler=_inbox_import)

    p = commands.add_parser(
        "gates",
        help="one gate a studio-trained model must pass (the studio runs this), as JSON",
    )
    p.add_argument("gate", choices=("nlu", "safety"))
    p.add_argument("--candidate", type=Path, required=True, help="the new model file")
    p.add_argument("--live", type=Path, default=None, help="the live model, to compare with")
    p.add_argument("--out", type=Path, required=True, help="where the JSON report goes")
    p.add_argument(
        "--cache-dir", type=Path, required=True, help="where the live model's readings are kept"
    )
    p.set_defaults(handler=_gates)
