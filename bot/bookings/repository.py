"""Reading and writing booking requests and their outbox rows.

Every function takes an open session and leaves committing to the caller
(:func:`bot.bookings.db.session_scope`), so one unit of work is one transaction.
Updates by the delivery worker are compare-and-set on ``attempts``: a worker whose
lease ran out (another worker took the row over) cannot overwrite the newer result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.bookings.adapters.base import Adapter, Payload
from bot.bookings.constants import KINDS, REQUEST_STATUSES
from bot.bookings.intake import RequestDetails, prepare_request
from bot.bookings.models import BookingRequest, Delivery, utcnow
from bot.bookings.references import new_reference, normalise_reference
from bot.bookings.validation import normalise_phone, validate_email

# Channels that only inform the patient; a request counts as passed on to the
# clinic when one of the other channels delivered it.
PATIENT_SIDE_ADAPTERS = frozenset({"link"})
_CLAIM_ROUNDS = 3
_REFERENCE_TRIES = 20  # a clash is about 1 in 10^9 per try with thousands of requests


def new_idempotency_key() -> str:
    return f"pit-{uuid.uuid4().hex}"


class DailyLimitReached(Exception):
    """This phone number or email already sent the most requests allowed in a day."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"daily limit of {limit} request(s) per contact reached")
        self.limit = limit


def count_recent_for_contact(
    session: Session, phone: Optional[str], email: Optional[str], since: datetime
) -> int:
    """Requests since ``since`` with this (already normalised) phone or email."""
    matches = []
    if phone:
        matches.append(BookingRequest.phone == phone)
    if email:
        matches.append(func.lower(BookingRequest.email) == email.lower())
    if not matches:
        return 0
    query = (
        select(func.count())
        .select_from(BookingRequest)
        .where(or_(*matches), BookingRequest.created_at >= since)
    )
    return int(session.execute(query).scalar_one())


def unused_reference(session: Session, factory: Callable[[], str] = new_reference) -> str:
    """A reference code no stored request has (the unique constraint is the last guard)."""
    for _ in range(_REFERENCE_TRIES):
        code = factory()
        taken = session.execute(
            select(BookingRequest.id).where(BookingRequest.reference == code)
        ).first()
        if taken is None:
            return code
    raise RuntimeError("could not find an unused reference code")


def find_by_reference(session: Session, reference: str) -> Optional[BookingRequest]:
    """The request with this code, as staff type it (any case, spaces or dashes)."""
    code = normalise_reference(reference)
    if code is None:
        return None
    return session.execute(
        select(BookingRequest).where(BookingRequest.reference == code)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class ClaimedDelivery:
    """An outbox row this worker holds a lease on; ``attempts`` includes this one."""

    id: int
    request_id: int
    adapter: str
    idempotency_key: str
    payload: Payload
    attempts: int


def create_request(
    session: Session,
    details: RequestDetails,
    adapters: Sequence[Adapter],
    phone_region: str,
    now: Optional[datetime] = None,
    key_factory: Callable[[], str] = new_idempotency_key,
    daily_limit: Optional[int] = None,
    reference: Optional[str] = None,
) -> BookingRequest:
    """Store a request and one outbox row per adapter, in the caller's transaction.

    With ``daily_limit``, raises :class:`DailyLimitReached` when the patient's phone or
    email already sent that many requests in the last 24 hours (nothing is stored then).
    ``reference`` is the code the patient was already given (a spooled request); by
    default a new unused one is chosen.
    """
    now = now or utcnow()
    clean = prepare_request(details, phone_region, now=now)
    if daily_limit is not None:
        recent = count_recent_for_contact(
            session, clean.phone, clean.email, now - timedelta(days=1)
        )
        if recent >= daily_limit:
            raise DailyLimitReached(daily_limit)
    request = BookingRequest(
        reference=reference or unused_reference(session),
        kind=clean.kind,
        status="new",
        name=clean.name,
        phone=clean.phone,
        email=clean.email,
        pain_area=clean.pain_area,
        patient_type=clean.patient_type,
        preferred_times=clean.preferred_times,
        consent_at=clean.consent_at,
        channel=clean.channel,
        conversation_id=clean.conversation_id,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()  # assigns request.id, which the outbox rows point to
    snapshot = request.snapshot()
    for adapter in adapters:
        immediate = bool(adapter.immediate)
        request.deliveries.append(
            Delivery(
                adapter=adapter.name,
                idempotency_key=key_factory(),
                payload=adapter.prepare(dict(snapshot)),
                status="delivered" if immediate else "pending",
                attempts=1 if immediate else 0,
                next_attempt_at=None if immediate else now,
                delivered_at=now if immediate else None,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    _refresh_status(session, request, now)
    session.flush()
    return request


def is_same_request(stored: BookingRequest, details: RequestDetails, phone_region: str) -> bool:
    """Whether ``stored`` is this request (stored earlier), not another with the same code."""
    clean = prepare_request(details, phone_region, now=stored.created_at)
    return (stored.kind, stored.name, stored.phone, stored.email, stored.conversation_id) == (
        clean.kind,
        clean.name,
        clean.phone,
        clean.email,
        clean.conversation_id,
    )


def find_resent(
    session: Session, details: RequestDetails, phone_region: str, since: datetime
) -> Optional[BookingRequest]:
    """This conversation's request with these details, stored at or after ``since``.

    A Rasa server that stops after the request was stored but before the conversation was
    saved makes the patient send "yes, send it" again, to a tracker still at the summary:
    that is the same request, not a second one (``since``: when this form started).
    """
    if not details.conversation_id:
        return None
    candidates = session.execute(
        select(BookingRequest)
        .where(
            BookingRequest.conversation_id == details.conversation_id,
            BookingRequest.kind == details.kind,
            BookingRequest.created_at >= since,
        )
        .order_by(BookingRequest.id.desc())
    ).scalars()
    return next((r for r in candidates if is_same_request(r, details, phone_region)), None)


def get_request(session: Session, request_id: int) -> Optional[BookingRequest]:
    return session.get(BookingRequest, request_id)


def list_requests(
    session: Session,
    status: Optional[str] = None,
    kind: Optional[str] = None,
    limit: Optional[int] = None,
) -> List[BookingRequest]:
    """Newest first, optionally filtered; deliveries are loaded with them."""
    if status is not None and status not in REQUEST_STATUSES:
        raise ValueError(f"status must be one of {', '.join(REQUEST_STATUSES)}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    query = select(BookingRequest).order_by(
        BookingRequest.created_at.desc(), BookingRequest.id.desc()
    )
    if status:
        query = query.where(BookingRequest.status == status)
    if kind:
        query = query.where(BookingRequest.kind == kind)
    if limit:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def _refresh_status(session: Session, request: BookingRequest, now: datetime) -> None:
    """new while anything is pending; then delivered if the clinic got it, else failed."""
    if request.status == "cancelled":
        return
    rows = session.execute(
        select(Delivery.adapter, Delivery.status).where(Delivery.request_id == request.id)
    ).all()
    if not rows:
        return
    relevant = [s for a, s in rows if a not in PATIENT_SIDE_ADAPTERS] or [s for _, s in rows]
    if "pending" in relevant:
        status = "new"
    elif "delivered" in relevant:
        status = "delivered"
    else:
        status = "failed"
    if request.status != status:
        request.status = status
        request.updated_at = now


def _lock_request(session: Session, request_id: int) -> Optional[BookingRequest]:
    """The request, row-locked where the database supports it (serialises status updates)."""
    query = select(BookingRequest).where(BookingRequest.id == request_id).with_for_update()
    return session.execute(query).scalars().first()


def claim_due(
    session: Session,
    now: datetime,
    lease_seconds: float,
    adapters: Iterable[str],
    limit: int = 50,
) -> List[ClaimedDelivery]:
    """Take a lease on due pending rows for these adapters (safe with several workers).

    Claiming counts the attempt and moves ``next_attempt_at`` to the end of the
    lease, so a worker that dies mid-send leaves the row to be retried later.
    """
    names = list(adapters)
    if not names:
        return []
    lease_until = now + timedelta(seconds=lease_seconds)
    claimed_ids: Dict[int, int] = {}
    for _round in range(_CLAIM_ROUNDS):
        # PostgreSQL: rows another worker is claiming are skipped, not waited for.
        # SQLite ignores FOR UPDATE; its writes are serialised and the CAS decides.
        due = session.execute(
            select(Delivery.id, Delivery.attempts)
            .where(
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                Delivery.adapter.in_(names),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for delivery_id, attempts in due:
            result = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.status == "pending",
                    Delivery.attempts == attempts,
                    Delivery.next_attempt_at <= now,
                )
                .values(attempts=attempts + 1, next_attempt_at=lease_until, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                claimed_ids[delivery_id] = attempts + 1
        if claimed_ids or not due:
            break  # got work, or there is none; else another worker won every row: look again
    if not claimed_ids:
        return []
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.request_id,
            Delivery.adapter,
            Delivery.idempotency_key,
            Delivery.payload,
        )
        .where(Delivery.id.in_(list(claimed_ids)))
        .order_by(Delivery.id)
    ).all()
    return [
        ClaimedDelivery(
            id=r.id,
            request_id=r.request_id,
            adapter=r.adapter,
            idempotency_key=r.idempotency_key,
            payload=r.payload,
            attempts=claimed_ids[r.id],
        )
        for r in rows
    ]


def fail_unknown_adapters(session: Session, enabled: Iterable[str], now: datetime) -> int:
    """Pending rows for channels no longer in clinic.yml: mark failed so staff see them."""
    names = list(enabled)
    rows = session.execute(
        select(Delivery.id, Delivery.request_id).where(
            Delivery.status == "pending", Delivery.adapter.notin_(names)
        )
    ).all()
    for delivery_id, request_id in rows:
        _finish(
            session,
            delivery_id,
            request_id,
            None,
            now,
            status="failed",
            last_error="this hand-off channel is no longer enabled in clinic.yml",
        )
    return len(rows)


def _finish(
    session: Session,
    delivery_id: int,
    request_id: int,
    claimed_attempts: Optional[int],
    now: datetime,
    **values: object,
) -> bool:
    request = _lock_request(session, request_id)
    if request is None:  # erased while the send was in flight
        return False
    conditions = [Delivery.id == delivery_id, Delivery.status == "pending"]
    if claimed_attempts is not None:
        conditions.append(Delivery.attempts == claimed_attempts)
    result = session.execute(
        update(Delivery)
        .where(*conditions)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    _refresh_status(session, request, now)
    return True


def mark_delivered(
    session: Session,
    delivery_id: int,
    request_id: int,
    now: datetime,
    claimed_attempts: Optional[int] = None,
) -> bool:
    """Record a successful send; False if the row was no longer ours to update."""
    return _finish(
        session,
        delivery_id,
        request_id,
        claimed_attempts,
        now,
        status="delivered",
        delivered_at=now,
        next_attempt_at=None,
        last_error=None,
    )


def mark_failed(
    session: Session,
    delivery_id: int,
    request_id: int,
    reason: str,
    now: datetime,
    claimed_attempts: Optional[int] = None,
) -> bool:
    """Record a final failure (``reason`` must hold no personal details)."""
    return _finish(
        session,
        delivery_id,
        request_id,
        claimed_attempts,
        now,
        status="failed",
        next_attempt_at=None,
        last_error=reason[:300],
    )


def schedule_retry(
    session: Session,
    delivery_id: int,
    request_id: int,
    reason: str,
    now: datetime,
    next_attempt_at: datetime,
    claimed_attempts: Optional[int] = None,
) -> bool:
    """Record a failed attempt that will be tried again at ``next_attempt_at``."""
    return _finish(
        session,
        delivery_id,
        request_id,
        claimed_attempts,
        now,
        next_attempt_at=next_attempt_at,
        last_error=reason[:300],
    )


def cancel_request(session: Session, request_id: int, now: Optional[datetime] = None) -> bool:
    """Staff cancelled: stop pending sends. False if there is no such request."""
    now = now or utcnow()
    request = _lock_request(session, request_id)
    if request is None:
        return False
    session.execute(
        update(Delivery)
        .where(Delivery.request_id == request_id, Delivery.status == "pending")
        .values(status="cancelled", next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    request.status = "cancelled"
    request.updated_at = now
    return True


def retry_failed(session: Session, request_id: int, now: Optional[datetime] = None) -> int:
    """Staff fixed the cause: send this request's failed deliveries again from scratch."""
    now = now or utcnow()
    request = _lock_request(session, request_id)
    if request is None:
        return 0
    result = session.execute(
        update(Delivery)
        .where(Delivery.request_id == request_id, Delivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        if request.status == "cancelled":
            request.status = "new"
        _refresh_status(session, request, now)
    return int(result.rowcount or 0)


def _delete_requests(session: Session, condition: object) -> int:
    ids = select(BookingRequest.id).where(condition)
    session.execute(
        delete(Delivery)
        .where(Delivery.request_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        delete(BookingRequest).where(condition).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _cutoff(days: int, now: Optional[datetime]) -> datetime:
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ValueError("days must be a whole number of days, 0 or more")
    return (now or utcnow()) - timedelta(days=days)


def count_older_than(session: Session, days: int, now: Optional[datetime] = None) -> int:
    cutoff = _cutoff(days, now)
    return int(
        session.execute(
            select(func.count())
            .select_from(BookingRequest)
            .where(BookingRequest.created_at < cutoff)
        ).scalar_one()
    )


def count_deliveries_older_than(session: Session, days: int, now: Optional[datetime] = None) -> int:
    """Outbox rows of the requests :func:`purge_older_than` would delete."""
    old = select(BookingRequest.id).where(BookingRequest.created_at < _cutoff(days, now))
    return int(
        session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.request_id.in_(old))
        ).scalar_one()
    )


def purge_older_than(session: Session, days: int, now: Optional[datetime] = None) -> int:
    """Delete requests (and their outbox rows) created more than ``days`` days ago."""
    return _delete_requests(session, BookingRequest.created_at < _cutoff(days, now))


def _contact_condition(phone: Optional[str], email: Optional[str], phone_region: str) -> object:
    if bool(phone) == bool(email):
        raise ValueError("give exactly one of phone or email")
    if phone:
        return BookingRequest.phone == normalise_phone(phone, phone_region)
    return func.lower(BookingRequest.email) == validate_email(email).lower()


def count_by_contact(
    session: Session,
    phone: Optional[str] = None,
    email: Optional[str] = None,
    phone_region: str = "US",
) -> int:
    condition = _contact_condition(phone, email, phone_region)
    return int(
        session.execute(
            select(func.count()).select_from(BookingRequest).where(condition)
        ).scalar_one()
    )


def requests_by_contact(
    session: Session,
    phone: Optional[str] = None,
    email: Optional[str] = None,
    phone_region: str = "US",
) -> List[BookingRequest]:
    """Every request with this phone or email, oldest first, with its outbox rows."""
    condition = _contact_condition(phone, email, phone_region)
    query = select(BookingRequest).where(condition).order_by(BookingRequest.id)
    return list(session.execute(query).scalars())


def erase_by_contact(
    session: Session,
    phone: Optional[str] = None,
    email: Optional[str] = None,
    phone_region: str = "US",
) -> int:
    """Right to erasure: delete every request (and outbox row) with this phone or email.

    The phone is normalised with the clinic's region first, so staff may type it
    the way the patient says it. Returns how many requests were deleted.
    """
    return _delete_requests(session, _contact_condition(phone, email, phone_region))


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
        ).scalar_one()
    )
