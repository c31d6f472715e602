"""The analytics page's charts: each one a picture, a sentence and the table behind it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence

from bot.studio.inbox.analytics import HANDLED, Analytics
from bot.studio.inbox.charts import bar_chart


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    summary: str  # one sentence: what a reader who cannot see the picture needs first
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    svg: str = ""


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def charts(figures: Analytics, topic_title: Callable[[str], str], draw: bool = True) -> List[Chart]:
    """Every chart of the page, in order; ``draw=False`` skips the pictures (CSV export)."""
    days = [d.isoformat() for d in figures.days]
    weeks = [f"week of {w.isoformat()}" for w in figures.weeks]
    found: List[Chart] = []

    def add(key: str, title: str, summary: str, headers, rows, picture: Callable[[], str]) -> None:  # type: ignore[no-untyped-def]
        svg = picture() if draw and rows else ""
        found.append(Chart(key, title, summary, headers, rows, svg))

    busiest = max(zip(figures.messages_per_day, days, strict=True), default=(0, ""))
    add(
        "per_day",
        "Conversations and messages per day",
        f"{_count(figures.conversations, 'conversation')} and "
        f"{_count(figures.messages, 'patient message')}"
        + (
            f"; the busiest day was {busiest[1]} with {busiest[0]} messages." if busiest[0] else "."
        ),
        ("day", "conversations", "messages"),
        list(zip(days, figures.conversations_per_day, figures.messages_per_day, strict=True)),
        lambda: bar_chart(
            "chart-per_day",
            days,
            {"conversations": figures.conversations_per_day, "messages": figures.messages_per_day},
        ),
    )
    topics = [(topic_title(topic), count) for topic, count in figures.top_topics]
    add(
        "topics",
        "Top topics answered",
        (
            f"The most asked topic was “{topics[0][0]}” ({_count(topics[0][1], 'message')})."
            if topics
            else "No answered messages yet."
        ),
        ("topic", "messages"),
        topics,
        lambda: bar_chart(
            "chart-topics",
            [t for t, _ in topics],
            {"messages": [c for _, c in topics]},
            horizontal=True,
        ),
    )
    totals = {key: sum(values) for key, values in figures.handled_per_week.items()}
    all_handled = sum(totals.values())
    per_week = [sum(week) for week in zip(*figures.handled_per_week.values(), strict=True)]
    shares: Dict[str, List[float]] = {
        words: [
            100 * value / week_total if week_total else 0.0
            for value, week_total in zip(figures.handled_per_week[key], per_week, strict=True)
        ]
        for key, words in HANDLED
    }
    add(
        "handled",
        "How messages were handled, per week",
        "Of all patient messages, "
        + ", ".join(f"{_share(totals[key], all_handled)} {words}" for key, words in HANDLED)
        + ".",
        ("week", *[words for _, words in HANDLED]),
        [
            (week, *[figures.handled_per_week[key][i] for key, _ in HANDLED])
            for i, week in enumerate(weeks)
        ],
        lambda: bar_chart("chart-handled", weeks, shares, stacked=True, percent=True),
    )
    add(
        "red_flags",
        "Conversations with a red flag, per week",
        f"{_count(sum(figures.red_flags_per_week), 'conversation')} reported a red flag and got "
        "urgent guidance first.",
        ("week", "conversations with a red flag"),
        list(zip(weeks, figures.red_flags_per_week, strict=True)),
        lambda: bar_chart("chart-red_flags", weeks, {"red flags": figures.red_flags_per_week}),
    )
    add(
        "requests",
        "Booking and call-back requests, per week",
        f"{sum(figures.bookings_per_week)} booking and {sum(figures.callbacks_per_week)} call-back "
        f"requests; {_share(figures.requests, figures.with_messages)} of conversations with a "
        "patient message went on to send a request.",
        ("week", "booking requests", "call-back requests"),
        list(zip(weeks, figures.bookings_per_week, figures.callbacks_per_week, strict=True)),
        lambda: bar_chart(
            "chart-requests",
            weeks,
            {"booking": figures.bookings_per_week, "call-back": figures.callbacks_per_week},
        ),
    )
    rated = [(topic_title(topic), down, up) for topic, down, up in figures.ratings]
    add(
        "ratings",
        "Answers rated down, by topic",
        (
            f"Patients rated {_count(sum(d for _, d, _ in rated), 'answer')} down and "
            f"{sum(u for _, _, u in rated)} up; most rated down: “{rated[0][0]}”."
            if rated
            else "No answer has been rated yet."
        ),
        ("topic", "rated down", "rated up"),
        rated,
        lambda: bar_chart(
            "chart-ratings",
            [t for t, _, _ in rated],
            {"rated down": [d for _, d, _ in rated], "rated up": [u for _, _, u in rated]},
            horizontal=True,
        ),
    )
    add(
        "channels",
        "Channel mix",
        ", ".join(
            f"{_share(count, figures.conversations)} {name}" for name, count in figures.channels
        )
        + " of conversations."
        if figures.channels
        else "No conversations yet.",
        ("channel", "conversations"),
        figures.channels,
        lambda: bar_chart(
            "chart-channels",
            [name for name, _ in figures.channels],
            {"conversations": [count for _, count in figures.channels]},
            horizontal=True,
        ),
    )
    return found


def to_csv(found: Sequence[Chart]) -> str:
    """One CSV for every table: chart, then the chart's own columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    for chart in found:
        writer.writerow([chart.title, *chart.headers])
        for row in chart.rows:
            writer.writerow(["", *(_cell(value) for value in row)])
    return out.getvalue()


def _cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
