"""The analytics page's figures from fixture conversations, its charts, tables and CSV."""

from __future__ import annotations

import csv
import io

from rasa.shared.core.events import ActionExecuted, SlotSet

from bot.bookings.db import session_scope
from bot.studio.inbox import analytics
from bot.studio.inbox.consumer import InboxConsumer
from tests.support.inbox_events import DAY, Broker, bot, user
from tests.unit.studio.test_answer_pages import _client


def _week(broker: Broker) -> None:
    """Two days of conversations: answered, declined, a red flag, a booking, a call-back."""
    broker.send(
        "a", [user("does it hurt", "faq", 0.9, "faq/does_it_hurt"), bot("utter_faq/does_it_hurt")]
    )
    broker.send("a", [user("is it safe", "faq", 0.9, "faq/safety"), bot("utter_faq/safety")])
    broker.send("b", [user("who won the game", "out_of_scope", 0.9), bot("utter_out_of_scope")])
    broker.send(
        "c",
        [
            user("chest pain now", "red_flag", 1.0),
            ActionExecuted("action_red_flag"),
            bot("utter_red_flag"),
        ],
    )
    broker.clock += DAY
    broker.send(
        "d",
        [
            user("does it hurt?", "faq", 0.9, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
            user("/request_booking", "request_booking", 1.0),
            ActionExecuted("action_submit_booking"),
            bot("utter_booking_sent"),
        ],
    )
    broker.send(
        "e",
        [
            user("call me back", "faq", 0.5, "faq/first_step"),
            ActionExecuted("action_submit_callback"),
            bot("utter_callback_sent"),
        ],
    )
    broker.send("f", [user("zxqv", "nlu_fallback", 0.2), bot("utter_did_you_mean")], gap=5)
    hurt = bot("utter_faq/does_it_hurt")
    broker.send("g", [user("will it hurt", "faq", 0.9, "faq/does_it_hurt"), hurt])
    broker.send("g", [SlotSet("answer_rating", {"rating": "down", "answer_at": hurt.timestamp})])


def _filled(broker, factory) -> None:
    _week(broker)
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()


def test_the_figures_count_what_happened(broker, factory):
    _filled(broker, factory)
    with session_scope(factory) as work:
        figures = analytics.compute(work)
    assert figures.conversations == 7
    assert figures.messages == 8  # typed only: the booking button is not a message
    assert figures.conversations_per_day == [3, 4]
    assert figures.messages_per_day == [4, 4]
    assert figures.top_topics[0] == ("faq/does_it_hurt", 3)
    assert figures.ratings == [("faq/does_it_hurt", 1, 0)]
    assert sum(figures.handled_per_week["declined"]) == 1
    assert sum(figures.handled_per_week["did_you_mean"]) == 1
    assert sum(figures.handled_per_week["red_flag"]) == 1
    assert sum(figures.red_flags_per_week) == 1
    assert (sum(figures.bookings_per_week), sum(figures.callbacks_per_week)) == (1, 1)
    assert figures.requests == 2 and figures.with_messages == 7
    assert figures.channels == [("rest", 7)]


def test_filters_by_day_and_channel(broker, factory):
    _filled(broker, factory)
    with session_scope(factory) as work:
        first = analytics.compute(work)
        one_day = first.days[0]
        only_first = analytics.compute(
            work, analytics.Filters(analytics.date_day(one_day), analytics.date_day(one_day))
        )
        none = analytics.compute(work, analytics.Filters(channel="telegram"))
    assert only_first.conversations == first.conversations_per_day[0]
    assert none.conversations == 0 and none.days == [] and none.conversion == 0.0


def test_the_page_has_each_chart_with_a_summary_and_a_table(app, broker, factory):
    _filled(broker, factory)
    client = _client(app, "ed")
    page = client.get("/staff/analytics")
    assert page.status_code == 200
    html = page.text
    for title in (
        "Conversations and messages per day",
        "Top topics answered",
        "How messages were handled, per week",
        "Conversations with a red flag, per week",
        "Booking and call-back requests, per week",
        "Answers rated down, by topic",
        "Channel mix",
    ):
        assert title in html
    assert html.count('<svg role="img" aria-labelledby="chart-') == 7
    assert html.count('<table class="data">') == 7
    assert "style=" not in html.split("<svg", 1)[1]  # the CSP allows no inline style
    assert '<th scope="row">Does it hurt?</th><td>3</td>' in html  # the topic's title
    empty = client.get("/staff/analytics?channel=telegram&from=bad").text
    assert "Nothing to show with these filters" in empty and "<svg" not in empty


def test_csv_export_has_every_table(app, broker, factory):
    _filled(broker, factory)
    response = _client(app, "ed").get("/staff/analytics.csv?from=2000-01-01")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    titles = [row[0] for row in rows if row[0]]
    assert titles[0] == "Conversations and messages per day" and len(titles) == 7
    assert ["", "rest", "7"] in rows and ["", "Does it hurt?", "1", "0"] in rows


def test_analytics_need_a_sign_in(app):
    assert app.test_client().get("/staff/analytics").status_code in (302, 401, 403)
    assert app.test_client().get("/staff/analytics.csv").status_code in (302, 401, 403)
