"""The studio's analytics page (charts, sentences and tables) and its CSV export."""

from __future__ import annotations

from datetime import date
from typing import Callable, Optional

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import distinct, select

from bot.studio.inbox import analytics, report
from bot.studio.inbox.models import InboxConversation
from bot.studio.topic_views import faq_titles
from bot.studio.views import db, requires, studio


def _day(name: str) -> Optional[date]:
    try:
        value = request.args.get(name, "")
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def analytics_filters() -> tuple:
    """The date range and channel of the page's filter form (wrong dates are ignored)."""
    since, until = _day("from"), _day("to")
    channel = request.args.get("channel", "")[:64]
    filters = analytics.Filters(
        analytics.date_day(since) if since else None,
        analytics.date_day(until) if until else None,
        channel or None,
    )
    return filters, since, until, channel


def _title(titles: dict) -> Callable[[str], str]:
    def title(topic: str) -> str:
        return titles.get(topic) or topic.replace("_", " ")

    return title


@studio.route("/analytics")
@requires("editor")
def analytics_page() -> ResponseReturnValue:
    filters, since, until, channel = analytics_filters()
    with db() as work:
        figures = analytics.compute(work, filters)
        channels = sorted(
            c for c in work.execute(select(distinct(InboxConversation.channel))).scalars() if c
        )
    return render_template(
        "analytics.html",
        figures=figures,
        charts=report.charts(figures, _title(faq_titles())),
        channels=channels,
        channel=channel,
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
        query=request.query_string.decode("ascii", "replace"),
    )


@studio.route("/analytics.csv")
@requires("editor")
def analytics_csv() -> ResponseReturnValue:
    filters, *_ = analytics_filters()
    with db() as work:
        figures = analytics.compute(work, filters)
    body = report.to_csv(report.charts(figures, _title(faq_titles()), draw=False))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="assistant-analytics.csv"'},
    )
