"""Staff commands: ``python -m bot privacy export|erase|purge``.

Only argument handling and printing live here; what is read and deleted is in the
sibling modules. Exit status: 0 done (also when nothing matched), 1 an error or a
cancelled erase, 2 a contact that is neither a phone number nor an email address.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Callable

from bot.settings import ClinicSettings
from bot.staff_command import Command, ErrorStatuses, settings_command

if TYPE_CHECKING:  # the database modules load only when a command runs
    from bot.privacy.contact import Contact

EXIT_INVALID_CONTACT = 2


class _BadContact(Exception):
    """The --contact value cannot be used (exit status 2)."""


def _contact(text: str, settings: ClinicSettings) -> "Contact":
    from bot.privacy.contact import InvalidContact, parse_contact

    try:
        return parse_contact(text, settings.phone_region)
    except InvalidContact as error:
        raise _BadContact(str(error)) from None


def _actor() -> str:
    """Who ran the command, for the audit log (the studio's Audit log page shows it)."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    print(f"{question} [y/N] ", end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes")


def _export(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.privacy.export import export_contact, to_json
    from bot.privacy.stores import Stores

    contact = _contact(args.contact, settings)
    with Stores.open(settings) as stores:
        document = export_contact(stores, contact)
    sys.stdout.write(to_json(document))
    counts = document["export"]["counts"]
    if not any(counts.values()):
        print(f"Nothing is stored for that {contact.kind}.", file=sys.stderr)
    return 0


def _erase(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.privacy.erase import describe, erase_contact, survey
    from bot.privacy.stores import Stores

    contact = _contact(args.contact, settings)
    with Stores.open(settings) as stores:
        found = survey(stores, contact)
        if not any(found.values()):
            print(f"Nothing is stored for that {contact.kind}; nothing erased.")
            return 0
        print(f"Stored for that {contact.kind}:")
        print("".join(f"  {line}\n" for line in describe(found)), end="")
        if not _confirm("Erase all of it? This cannot be undone.", args.yes):
            print("Cancelled: nothing erased (add --yes to skip this question).")
            return 1
        removed = erase_contact(stores, contact, _actor())
    print(f"Erased for that {contact.kind}:")
    print("".join(f"  {line}\n" for line in describe(removed)), end="")
    return 0


def _purge(args: argparse.Namespace, settings: ClinicSettings) -> int:
    from bot.privacy.retention import purge_expired
    from bot.privacy.stores import Stores

    days = settings.privacy.retention_days
    with Stores.open(settings) as stores:
        report = purge_expired(stores, days, dry_run=args.dry_run, actor=_actor())
    print(f"Privacy purge (privacy.retention_days: {days}): {report}.")
    return 0


def _known_errors() -> ErrorStatuses:
    from bot.bookings.db import DatabaseError
    from bot.privacy.tracker_events import TrackerStoreError

    return [((_BadContact,), EXIT_INVALID_CONTACT), ((DatabaseError, TrackerStoreError), 1)]


def _run(command: Command) -> Callable[[argparse.Namespace], int]:
    return settings_command(command, _known_errors)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``privacy`` to the ``python -m bot`` command line."""
    privacy = subparsers.add_parser(
        "privacy", help="a patient's data: export, erase; purge what is past retention"
    )
    privacy.set_defaults(handler=lambda _args: (privacy.print_help(), 2)[1])
    sub = privacy.add_subparsers(dest="privacy_command", metavar="<action>")
    contact_help = "phone number (as the patient gives it) or email address"

    p = sub.add_parser(
        "export", help="print everything stored about a patient as JSON (right of access)"
    )
    p.add_argument("--contact", required=True, metavar="PHONE|EMAIL", help=contact_help)
    p.set_defaults(handler=_run(_export))

    p = sub.add_parser(
        "erase",
        help="delete a patient's booking requests, outbox rows, conversations and "
        "channel records (right to erasure)",
    )
    p.add_argument("--contact", required=True, metavar="PHONE|EMAIL", help=contact_help)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=_run(_erase))

    p = sub.add_parser(
        "purge", help="delete what is older than privacy.retention_days (clinic.yml) now"
    )
    p.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    p.set_defaults(handler=_run(_purge))
