"""The studio's analytics page (charts, sentences and tables) and its CSV export."""

from __future__ import annotations

from typing import Callable

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from bot.studio.inbox import analytics, report
from bot.studio.inbox.page_filters import page_filters
from bot.studio.topic_views import faq_titles
from bot.studio.views import db, requires, studio


def _title(titles: dict) -> Callable[[str], str]:
    def title(topic: str) -> str:
        return titles.get(topic) or topic.replace("_", " ")

    return title


@studio.route("/analytics")
@requires("editor")
def analytics_page() -> ResponseReturnValue:
    chosen = page_filters()
    with db() as work:
        figures = analytics.compute(work, chosen.filters)
        channels = analytics.known_channels(work)
    return render_template(
        "analytics.html",
        figures=figures,
        charts=report.charts(figures, _title(faq_titles())),
        query=request.query_string.decode("ascii", "replace"),
        **chosen.form(channels),
    )


@studio.route("/analytics.csv")
@requires("editor")
def analytics_csv() -> ResponseReturnValue:
    with db() as work:
        figures = analytics.compute(work, page_filters().filters)
    body = report.to_csv(report.charts(figures, _title(faq_titles()), draw=False))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="assistant-analytics.csv"'},
    )
