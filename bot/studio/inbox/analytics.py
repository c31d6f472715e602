"""What patients ask and how the assistant does: the figures of the studio's analytics page.

Every figure is counted by the database (GROUP BY on the inbox tables, by day), so the page
stays fast with many conversations; weeks are summed from days here. A conversation counts
on the day it started; a message on the day it was sent. Only patients' typed messages
count as messages (not button presses, not the assistant's replies).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.studio.inbox.models import InboxConversation, InboxMessage

EPOCH = date(1970, 1, 1)
RESPONSE_PREFIX = "utter_"  # an answer's response name: utter_faq/<topic>, utter_greet...
TOP_TOPICS = 15
# How messages were handled, in the order the charts stack them, with the words staff read.
HANDLED = (
    ("answered", "answered"),
    ("declined", "declined"),
    ("did_you_mean", "did you mean"),
    ("fallback", "not understood"),
    ("red_flag", "red flag"),
)


def day_of(timestamp: float) -> int:
    """An event's day number (days since 1970-01-01, UTC): what the figures group by."""
    return int(timestamp // 86400)


def day_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def date_day(value: date) -> int:
    return (value - EPOCH).days


def week_start(day: int) -> date:
    """The Monday of the week holding ``day``."""
    value = day_date(day)
    return value - timedelta(days=value.weekday())


@dataclass(frozen=True)
class Filters:
    """Days (since 1970-01-01, both included) and a channel; None means no limit."""

    first_day: Optional[int] = None
    last_day: Optional[int] = None
    channel: Optional[str] = None


NO_FILTERS = Filters()  # every day, every channel


@dataclass
class Analytics:
    days: List[date] = field(default_factory=list)
    conversations_per_day: List[int] = field(default_factory=list)
    messages_per_day: List[int] = field(default_factory=list)
    top_topics: List[Tuple[str, int]] = field(default_factory=list)
    weeks: List[date] = field(default_factory=list)
    handled_per_week: Dict[str, List[int]] = field(default_factory=dict)
    red_flags_per_week: List[int] = field(default_factory=list)
    bookings_per_week: List[int] = field(default_factory=list)
    callbacks_per_week: List[int] = field(default_factory=list)
    channels: List[Tuple[str, int]] = field(default_factory=list)
    # (response's topic, answers rated down, answers rated up), most rated down first
    ratings: List[Tuple[str, int, int]] = field(default_factory=list)
    conversations: int = 0
    with_messages: int = 0  # conversations where the patient typed at least one message
    requests: int = 0  # conversations that sent a booking or a call-back request
    messages: int = 0

    @property
    def conversion(self) -> float:
        """Share of conversations with a typed message that went on to send a request."""
        return self.requests / self.with_messages if self.with_messages else 0.0


def within_days(query, column, filters: Filters):  # type: ignore[no-untyped-def]
    """``query`` limited to rows whose day ``column`` is in the filters' range."""
    if filters.first_day is not None:
        query = query.where(column >= filters.first_day)
    if filters.last_day is not None:
        query = query.where(column <= filters.last_day)
    return query


def conversation_filter(query, filters: Filters):  # type: ignore[no-untyped-def]
    """``query`` on conversations limited to those started in the filters' days and channel."""
    query = within_days(query, InboxConversation.start_day, filters)
    if filters.channel:
        query = query.where(InboxConversation.channel == filters.channel)
    return query


def _message_filter(query, filters: Filters, role: str = "patient"):  # type: ignore[no-untyped-def]
    """``query`` on messages of ``role`` sent in the filters' days and channel (patients':
    typed ones only)."""
    query = within_days(query.where(InboxMessage.role == role), InboxMessage.day, filters)
    if role == "patient":
        query = query.where(InboxMessage.typed.is_(True))
    if filters.channel:
        query = query.join(
            InboxConversation, InboxMessage.conversation_id == InboxConversation.id
        ).where(InboxConversation.channel == filters.channel)
    return query


def known_channels(session: Session) -> List[str]:
    """Every channel a kept conversation came from, for the pages' channel filter."""
    found = session.execute(select(func.distinct(InboxConversation.channel))).scalars()
    return sorted(channel for channel in found if channel)


def compute(session: Session, filters: Filters = NO_FILTERS) -> Analytics:
    per_day_conversations: Counter = Counter()
    flags: Dict[str, Counter] = defaultdict(Counter)
    channels: Counter = Counter()
    query = conversation_filter(
        select(
            InboxConversation.start_day,
            InboxConversation.channel,
            InboxConversation.red_flag,
            InboxConversation.booking,
            InboxConversation.callback,
            func.count(),
        ).group_by(
            InboxConversation.start_day,
            InboxConversation.channel,
            InboxConversation.red_flag,
            InboxConversation.booking,
            InboxConversation.callback,
        ),
        filters,
    )
    for day, channel, red_flag, booking, callback, count in session.execute(query):
        per_day_conversations[day] += count
        channels[channel or "unknown"] += count
        week = date_day(week_start(day))
        for name, on in (("red_flag", red_flag), ("booking", booking), ("callback", callback)):
            if on:
                flags[name][week] += count
        if booking or callback:
            flags["request"][week] += count

    per_day_messages: Counter = Counter()
    handled: Dict[str, Counter] = defaultdict(Counter)
    query = _message_filter(
        select(InboxMessage.day, InboxMessage.outcome, func.count()).group_by(
            InboxMessage.day, InboxMessage.outcome
        ),
        filters,
    )
    for day, outcome, count in session.execute(query):
        per_day_messages[day] += count
        key = outcome if outcome in dict(HANDLED) else "answered"  # "pending": no reply yet
        handled[key][date_day(week_start(day))] += count

    topics_query = _message_filter(
        select(InboxMessage.topic, func.count())
        .where(InboxMessage.outcome == "answered", InboxMessage.topic != "")
        .group_by(InboxMessage.topic)
        .order_by(func.count().desc(), InboxMessage.topic)
        .limit(TOP_TOPICS),
        filters,
    )
    top_topics = [(str(topic), int(count)) for topic, count in session.execute(topics_query)]

    with_messages = _message_filter(
        select(func.count(func.distinct(InboxMessage.conversation_id))), filters
    )
    requests_query = conversation_filter(
        select(func.count()).where(
            (InboxConversation.booking.is_(True)) | (InboxConversation.callback.is_(True))
        ),
        filters,
    )

    rated = _message_filter(
        select(InboxMessage.topic, InboxMessage.rating, func.count()).where(
            InboxMessage.rating != ""
        ),
        filters,
        role="assistant",
    )
    votes: Dict[str, Counter] = defaultdict(Counter)
    for response, rating, count in session.execute(
        rated.group_by(InboxMessage.topic, InboxMessage.rating)
    ):
        votes[str(response).removeprefix(RESPONSE_PREFIX)][rating] += count
    ratings = sorted(
        ((topic, c["down"], c["up"]) for topic, c in votes.items()),
        key=lambda item: (-item[1], -item[2], item[0]),
    )[:TOP_TOPICS]

    days_present = sorted(set(per_day_conversations) | set(per_day_messages))
    days = list(range(days_present[0], days_present[-1] + 1)) if days_present else []
    weeks = sorted({date_day(week_start(day)) for day in days})
    return Analytics(
        days=[day_date(day) for day in days],
        conversations_per_day=[per_day_conversations[day] for day in days],
        messages_per_day=[per_day_messages[day] for day in days],
        top_topics=top_topics,
        weeks=[day_date(week) for week in weeks],
        handled_per_week={key: [handled[key][week] for week in weeks] for key, _ in HANDLED},
        red_flags_per_week=[flags["red_flag"][week] for week in weeks],
        bookings_per_week=[flags["booking"][week] for week in weeks],
        callbacks_per_week=[flags["callback"][week] for week in weeks],
        channels=channels.most_common(),
        ratings=ratings,
        conversations=sum(per_day_conversations.values()),
        with_messages=int(session.execute(with_messages).scalar_one()),
        requests=int(session.execute(requests_query).scalar_one()),
        messages=sum(per_day_messages.values()),
    )
