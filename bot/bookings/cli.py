"""Staff commands: ``python -m bot bookings ...`` and ``python -m bot db upgrade``.

``register(subparsers)`` adds them to the main ``python -m bot`` parser. Every
command prepares the database first (so a fresh install just works), prints plain
messages, and exits non-zero on any error. Deleting asks for confirmation unless
``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence

from bot.bookings.constants import KINDS, REQUEST_STATUSES
from bot.settings import ClinicSettings
from bot.staff_command import Command, ErrorStatuses, settings_command

if TYPE_CHECKING:  # the database modules load only when a command runs
    from sqlalchemy.orm import sessionmaker

    from bot.bookings.models import BookingRequest

MAX_DAYS = 36500
NAME_WIDTH = 28
CONTACT_WIDTH = 42


class CommandError(Exception):
    """A problem to report to the user in one line (exit status 1)."""


# --- small helpers -----------------------------------------------------------


def _width(text: str) -> int:
    return sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )


def _printable(text: str) -> str:
    """One line, no control characters (stored text is clean, but be safe in a terminal)."""
    return "".join(
        " " if c in "\n\t" else "?" if unicodedata.category(c)[0] == "C" else c for c in text
    )


def _fit(text: str, width: int) -> str:
    text = _printable(text)
    if _width(text) <= width:
        return text
    out = ""
    for char in text:
        if _width(out + char) > width - 1:
            break
        out += char
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _local(moment: Optional[datetime], settings: ClinicSettings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _delivery_summary(request: "BookingRequest") -> str:
    parts = []
    for delivery in request.deliveries:
        text = f"{delivery.adapter}:{delivery.status}"
        if delivery.status in ("pending", "failed") and delivery.attempts:
            text += f"({delivery.attempts})"
        parts.append(text)
    return " ".join(parts) or "-"


def _as_json(request: "BookingRequest", settings: ClinicSettings) -> Dict[str, object]:
    data = request.snapshot()
    data["status"] = request.status
    data["created_local"] = request.created_at.astimezone(settings.tz).isoformat()
    data["deliveries"] = [
        {
            "adapter": d.adapter,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "last_error": d.last_error,
        }
        for d in request.deliveries
    ]
    return data


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    print(f"{question} [y/N] ", end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes")


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of days") from None
    if not 0 <= days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"days must be between 0 and {MAX_DAYS}")
    return days


def _count(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a positive whole number")
    return int(value)


def _reference(value: str) -> str:
    from bot.bookings.references import normalise_reference

    code = normalise_reference(value)
    if code is None:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a request reference (8 letters and digits, as in the list)"
        )
    return code


def _open(settings: ClinicSettings) -> "sessionmaker":
    from bot.bookings.db import database_url, session_factory, upgrade_database

    url = upgrade_database(database_url(settings))
    return session_factory(url)


# --- commands ----------------------------------------------------------------


def _list(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository
    from bot.bookings.db import session_scope

    factory = _open(settings)
    with session_scope(factory) as session:
        requests = repository.list_requests(
            session, status=args.status, kind=args.kind, limit=args.limit
        )
    if args.json:
        json.dump(
            [_as_json(r, settings) for r in requests], sys.stdout, ensure_ascii=False, indent=2
        )
        print()
        return 0
    if not requests:
        print(
            "No booking requests"
            + (" match those filters." if args.status or args.kind else " yet.")
        )
        return 0
    rows = [
        (
            r.reference,
            _local(r.created_at, settings),
            r.kind,
            r.status,
            _fit(r.name, NAME_WIDTH),
            _fit(" / ".join(c for c in (r.phone, r.email) if c), CONTACT_WIDTH),
            _delivery_summary(r),
        )
        for r in requests
    ]
    headers = (
        "REFERENCE",
        f"CREATED ({settings.time_zone})",
        "KIND",
        "STATUS",
        "NAME",
        "CONTACT",
        "DELIVERY",
    )
    print(_table(headers, rows))
    print(f"\n{len(rows)} request(s).")
    return 0


def _purge(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository
    from bot.bookings.db import session_scope

    factory = _open(settings)
    with session_scope(factory) as session:
        count = repository.count_older_than(session, args.older_than)
    if not count:
        print(f"No requests older than {args.older_than} day(s); nothing to delete.")
        return 0
    if not _confirm(
        f"Delete {count} request(s) older than {args.older_than} day(s)? This cannot be undone.",
        args.yes,
    ):
        print("Cancelled: nothing deleted (add --yes to skip this question).")
        return 1
    with session_scope(factory) as session:
        deleted = repository.purge_older_than(session, args.older_than)
    print(f"Deleted {deleted} request(s) older than {args.older_than} day(s).")
    return 0


def _erase(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository, spool
    from bot.bookings.db import session_scope

    what = "phone number" if args.phone else "email address"
    factory = _open(settings)
    contact = {"phone": args.phone, "email": args.email, "phone_region": settings.phone_region}
    with session_scope(factory) as session:
        count = repository.count_by_contact(session, **contact)
    # Requests kept on disk while the database was down (bot/bookings/spool.py) go too.
    kept = spool.erase_by_contact(**contact, dry_run=True)
    if not count and not kept:
        print(f"No requests with that {what}; nothing to erase.")
        return 0
    total = count + kept
    if not _confirm(f"Erase {total} request(s) with that {what}? This cannot be undone.", args.yes):
        print("Cancelled: nothing erased (add --yes to skip this question).")
        return 1
    with session_scope(factory) as session:
        erased = repository.erase_by_contact(session, **contact)
    erased_kept = spool.erase_by_contact(**contact)
    print(
        f"Erased {erased + erased_kept} request(s) with that {what}, with their delivery records"
        + (f" ({erased_kept} of them waiting in the spool)." if erased_kept else ".")
    )
    return 0


def _deliver(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import spool
    from bot.bookings.delivery import deliver_due

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    factory = _open(settings)
    kept = spool.drain(factory, settings)
    if kept.stored or kept.waiting or kept.set_aside:
        print(
            f"Spool: stored {kept.stored}, still waiting {kept.waiting}, "
            f"set aside (unreadable) {kept.set_aside}."
        )
    report = deliver_due(factory, settings=settings)
    print(f"Deliveries due now: {report}.")
    return 0


def _cancel(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository
    from bot.bookings.db import session_scope

    factory = _open(settings)
    with session_scope(factory) as session:
        request = repository.find_by_reference(session, args.reference)
        found = request is not None and repository.cancel_request(session, request.id)
    if not found:
        raise CommandError(f"there is no request {args.reference}")
    print(f"Request {args.reference} cancelled; nothing more will be sent for it.")
    return 0


def _retry(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository
    from bot.bookings.db import session_scope

    factory = _open(settings)
    with session_scope(factory) as session:
        request = repository.find_by_reference(session, args.reference)
        if request is None:
            raise CommandError(f"there is no request {args.reference}")
        count = repository.retry_failed(session, request.id)
    if not count:
        print(f"Request {args.reference} has no failed deliveries.")
        return 0
    print(
        f"{count} failed delivery(ies) of request {args.reference} will be sent again "
        "(run `bookings deliver`)."
    )
    return 0


def _check(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings import repository, spool
    from bot.bookings.config import environment_problems, parse_booking_config
    from bot.bookings.db import (
        database_url,
        safe_url,
        session_factory,
        session_scope,
        upgrade_database,
    )

    config = parse_booking_config(settings)
    url = upgrade_database(database_url(settings))
    with session_scope(session_factory(url)) as session:
        pending = repository.pending_count(session)
    print(f"Database: {safe_url(url)} (ready)")
    print(f"Hand-off: {', '.join(config.handoff) or 'none (requests are only stored)'}")
    print(f"Deliveries waiting: {pending}")
    waiting = len(spool.pending())
    print(
        f"Kept while the database was down: {waiting} in {spool.spool_dir()}"
        + (" (stored by the delivery worker or `bookings deliver`)" if waiting else "")
    )
    problems = environment_problems(config)
    for problem in problems:
        print(f"Problem: {problem}")
    return 1 if problems else 0


def _db_upgrade(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings.db import database_url, safe_url, upgrade_database

    url = upgrade_database(database_url(settings))
    print(f"Booking database is up to date: {safe_url(url)}")
    return 0


def _db_prepare_shared(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.bookings.db import database_url, safe_url
    from bot.cluster.database import prepare

    try:
        url = prepare(database_url(settings))
    except ValueError as error:  # not PostgreSQL
        raise CommandError(str(error)) from error
    print(f"Shared database is ready (booking, studio and Rasa's events tables): {safe_url(url)}")
    return 0


def _known_errors() -> ErrorStatuses:
    from bot.bookings.db import DatabaseError
    from bot.bookings.validation import InvalidInput  # its message is the hint for staff

    return [((InvalidInput, CommandError, DatabaseError), 1)]


def _run(command: Command) -> Callable[[argparse.Namespace], int]:
    return settings_command(command, _known_errors)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bookings`` and ``db`` to the ``python -m bot`` command line."""
    bookings = subparsers.add_parser(
        "bookings", help="booking and call-back requests (list, erase, ...)"
    )
    bookings.set_defaults(handler=lambda _args: (bookings.print_help(), 2)[1])
    sub = bookings.add_subparsers(dest="bookings_command", metavar="<action>")

    p = sub.add_parser("list", help="show requests, newest first")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--status", choices=REQUEST_STATUSES)
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--limit", type=_count, default=None, metavar="N", help="show at most N")
    p.set_defaults(handler=_run(_list))

    p = sub.add_parser("purge", help="delete requests older than DAYS days")
    p.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=_run(_purge))

    p = sub.add_parser(
        "erase", help="delete every request with this phone number or email (right to erasure)"
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--phone", metavar="P", help="as the patient gave it; local numbers use phone_region"
    )
    who.add_argument("--email", metavar="E")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=_run(_erase))

    p = sub.add_parser("deliver", help="send the deliveries that are due now, once")
    p.set_defaults(handler=_run(_deliver))

    p = sub.add_parser("cancel", help="mark a request cancelled and stop sending it")
    p.add_argument("reference", type=_reference, help="the request's reference code")
    p.set_defaults(handler=_run(_cancel))

    p = sub.add_parser("retry", help="send a request's failed deliveries again")
    p.add_argument("reference", type=_reference, help="the request's reference code")
    p.set_defaults(handler=_run(_retry))

    p = sub.add_parser("check", help="check the booking settings, secrets and database")
    p.set_defaults(handler=_run(_check))

    db = subparsers.add_parser("db", help="database maintenance")
    db.set_defaults(handler=lambda _args: (db.print_help(), 2)[1])
    db_sub = db.add_subparsers(dest="db_command", metavar="<action>")
    p = db_sub.add_parser("upgrade", help="create or upgrade the booking tables")
    p.set_defaults(handler=_run(_db_upgrade))
    p = db_sub.add_parser(
        "prepare-shared",
        help="for several Rasa servers on one PostgreSQL database: create it if missing, "
        "upgrade its tables and create Rasa's events table (before the servers start)",
    )
    p.set_defaults(handler=_run(_db_prepare_shared))
