"""Requests kept on local disk while the booking database cannot be reached.

Why: a patient who confirms a booking while PostgreSQL restarts (or the network to it
is down) has finished the conversation; asking them to phone instead loses the request
for everyone who does not. So the request is written to a small durable queue on the
action server's disk, the patient gets its reference code, and it is stored in the
database, exactly once, when the database answers again (:mod:`bot.bookings.service`
drains the queue after each successful store, and the delivery worker every round).

One JSON file per request, named ``<UTC time>-<reference>.json`` so that order is kept.
Written to a temporary name, flushed to disk and then renamed, so a crash never leaves
half a request. The files hold personal details: the folder is owner-only (0700), the
files 0600, and nothing about them beyond the reference is logged.

Several processes may drain the same folder: each file is locked (``flock``) while it
is stored, and the reference, chosen here before spooling and unique in the database,
tells a retry that the request is already there (a crash between the database commit
and the file's removal must not store it twice).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import sessionmaker

from bot.bookings import repository
from bot.bookings.adapters import Adapter, build_adapters
from bot.bookings.config import parse_booking_config
from bot.bookings.db import session_scope
from bot.bookings.intake import RequestDetails
from bot.bookings.validation import InvalidInput, normalise_phone, validate_email
from bot.settings import PROJECT_ROOT, ClinicSettings, get_settings

logger = logging.getLogger(__name__)

SPOOL_DIR_ENV = "PIT_BOOKING_SPOOL_DIR"
DEFAULT_SPOOL_DIR = PROJECT_ROOT / "var" / "spool" / "bookings"
# Enough for hours of requests at a busy clinic; past it the patient is asked to phone,
# so a long outage (or a flood) cannot fill the disk.
MAX_SPOOLED = 1000
FORMAT_VERSION = 1
_SUFFIX = ".json"
BAD_DIR_NAME = "unreadable"

# Errors that mean "the database did not answer" (refused or lost connection, time-out,
# PostgreSQL restarting or shutting down, SQLite busy or missing its tables): worth keeping
# the request for later. Any other error is a bug or a refusal, and is raised.
UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


class SpoolUnavailable(Exception):
    """The request could not be kept on disk either (full, or not writable)."""


@dataclass
class DrainReport:
    """What one pass over the spool did (counts only)."""

    stored: int = 0
    already_stored: int = 0
    set_aside: int = 0
    waiting: int = 0


@dataclass(frozen=True)
class SpooledRequest:
    """A request waiting in the spool, as the patient confirmed it."""

    path: Path
    reference: str
    spooled_at: datetime
    details: RequestDetails


def spool_dir() -> Path:
    """``$PIT_BOOKING_SPOOL_DIR``, else ``var/spool/bookings`` in the project."""
    return Path(os.environ.get(SPOOL_DIR_ENV) or DEFAULT_SPOOL_DIR)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encode(details: RequestDetails) -> Dict[str, Any]:
    values = asdict(details)
    if isinstance(details.consent_at, datetime):
        values["consent_at"] = details.consent_at.isoformat()
    return values


def pending(directory: Optional[Path] = None) -> List[Path]:
    """Waiting files, oldest first (empty when the folder does not exist)."""
    folder = directory or spool_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == _SUFFIX and p.is_file())


def put(
    details: RequestDetails,
    reference: str,
    *,
    directory: Optional[Path] = None,
    now: Optional[datetime] = None,
) -> Path:
    """Keep one request on disk, durably; raises :class:`SpoolUnavailable`."""
    folder = directory or spool_dir()
    now = now or datetime.now(timezone.utc)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if len(pending(folder)) >= MAX_SPOOLED:
            raise SpoolUnavailable(f"the spool already holds {MAX_SPOOLED} requests")
        record = {
            "version": FORMAT_VERSION,
            "reference": reference,
            "spooled_at": now.isoformat(),
            "details": _encode(details),
        }
        final = folder / f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{reference}{_SUFFIX}"
        temporary = final.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        _fsync_dir(folder)
    except OSError as error:
        raise SpoolUnavailable(f"cannot write to the spool: {type(error).__name__}") from error
    return final


def load(path: Path) -> SpooledRequest:
    """Read one file; raises ``ValueError`` when it is not a request we wrote."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown spool format {record.get('version')!r}")
        details = RequestDetails(**record["details"])
        spooled_at = datetime.fromisoformat(record["spooled_at"])
        return SpooledRequest(path, str(record["reference"]), spooled_at, details)
    except (KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"not a spooled request: {type(error).__name__}") from None


@contextmanager
def claimed(path: Path) -> Iterator[Optional[SpooledRequest]]:
    """Hold an exclusive lock on one file while it is stored.

    Yields None when another process holds it, or already stored and removed it.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        if os.fstat(fd).st_nlink == 0:  # removed by the process that held the lock
            yield None
            return
        yield load(path)
    finally:
        os.close(fd)  # releases the lock


def remove(path: Path) -> None:
    """The request is in the database: forget the file."""
    path.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def set_aside(path: Path) -> Path:
    """Move a file that cannot be read or stored out of the queue, for staff to look at."""
    folder = path.parent / BAD_DIR_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / path.name
    os.replace(path, target)
    return target


def drain(
    factory: sessionmaker,
    settings: Optional[ClinicSettings] = None,
    *,
    directory: Optional[Path] = None,
) -> DrainReport:
    """Store every spooled request, oldest first, each exactly once.

    Stops at the first sign that the database is still unreachable (the rest wait for
    the next pass). No daily limit applies: the patient was told their request is kept.
    A file that cannot be read or stored for another reason is moved aside (logged as an
    error, for staff), never deleted.
    """
    report = DrainReport()
    paths = pending(directory)
    if not paths:
        return report  # the usual case, every round of the worker: nothing else to do
    settings = settings or get_settings()
    adapters = list(build_adapters(parse_booking_config(settings), settings).values())
    for position, path in enumerate(paths):
        try:
            with claimed(path) as item:
                if item is None:  # another process has it, or has just stored it
                    continue
                if _store_spooled(factory, item, adapters, settings.phone_region):
                    report.stored += 1
                else:
                    report.already_stored += 1
                remove(path)
        except UNAVAILABLE as error:
            report.waiting = len(paths) - position
            logger.warning(
                "booking database still unreachable (%s): %d spooled request(s) wait",
                type(error).__name__,
                report.waiting,
            )
            break
        except Exception as error:  # noqa: BLE001 - one bad file must not block the others
            moved = set_aside(path)
            report.set_aside += 1
            logger.error(
                "spooled booking request %s could not be stored (%s): moved to %s",
                path.name,
                type(error).__name__,
                moved.parent,
            )
    if report.stored:
        logger.info("stored %d booking request(s) from the spool", report.stored)
    return report


def _store_spooled(
    factory: sessionmaker,
    item: SpooledRequest,
    adapters: Sequence[Adapter],
    phone_region: str,
) -> bool:
    """Store one spooled request; False if it was already stored (a retry after a crash)."""
    with session_scope(factory) as session:
        existing = repository.find_by_reference(session, item.reference)
        reference: Optional[str] = item.reference
        if existing is not None:
            if repository.is_same_request(existing, item.details, phone_region):
                return False
            reference = None  # another request drew the same code: give this one a new one
        request = repository.create_request(
            session,
            item.details,
            adapters,
            phone_region,
            now=item.spooled_at.astimezone(timezone.utc),
            reference=reference,
        )
        if request.reference != item.reference:
            logger.error(
                "spooled request %s: its code was already in use, so it is stored as %s "
                "(the patient was given the first code)",
                item.reference,
                request.reference,
            )
    return True


def erase_by_contact(
    phone: Optional[str] = None,
    email: Optional[str] = None,
    phone_region: str = "US",
    *,
    directory: Optional[Path] = None,
    dry_run: bool = False,
) -> int:
    """Right to erasure for requests still waiting here (the database's are erased by
    :func:`bot.bookings.repository.erase_by_contact`); returns how many files matched
    (and were deleted, unless ``dry_run``)."""
    if bool(phone) == bool(email):
        raise ValueError("give exactly one of phone or email")
    wanted_phone = normalise_phone(phone, phone_region) if phone else None
    wanted_email = validate_email(email).lower() if email else None
    erased = 0
    for path in pending(directory):
        try:
            item = load(path)
        except ValueError:
            continue  # not readable: left for staff, as drain() leaves it
        their_phone = _phone_or_none(item.details.phone, phone_region)
        their_email = (item.details.email or "").strip().lower() or None
        if (wanted_phone and their_phone == wanted_phone) or (
            wanted_email and their_email == wanted_email
        ):
            if not dry_run:
                remove(path)
            erased += 1
    return erased


def _phone_or_none(value: Optional[str], phone_region: str) -> Optional[str]:
    try:
        return normalise_phone(value, phone_region) if value else None
    except (ValueError, InvalidInput):
        return None
