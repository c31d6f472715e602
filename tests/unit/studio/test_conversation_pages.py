"""The conversation list (search, filters, pages) and the masked transcript."""

from __future__ import annotations

import re

from rasa.shared.core.events import ActionExecuted, BotUttered

from bot.studio.inbox import conversations
from bot.studio.inbox.consumer import InboxConsumer
from tests.support.inbox_events import bot, user
from tests.unit.studio.test_answer_pages import _client


def _fill(broker, factory) -> None:
    broker.send(
        "calm",
        [
            user("does it hurt", "faq", 0.9, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
            user("I'm Dana Price, text 202-555-0101", "share_details", 0.9),
            BotUttered("Thanks Dana Price!", metadata={"utter_action": "x"}),
            user("/request_callback", "request_callback", 1.0),
            ActionExecuted("action_submit_callback"),
            bot("utter_callback_sent"),
        ],
    )
    broker.send(
        "urgent",
        [user("chest pain now", "red_flag", 1.0), ActionExecuted("action_red_flag"), bot("x")],
    )
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()


def _rows(page: str) -> list:
    return re.findall(r'href="/staff/conversations/(\d+)"', page)


def test_the_list_filters_and_searches(app, broker, factory):
    _fill(broker, factory)
    client = _client(app, "ed")
    page = client.get("/staff/conversations").text
    assert len(_rows(page)) == 2 and "Does it hurt?" in page
    assert len(_rows(client.get("/staff/conversations?red_flag=yes").text)) == 1
    assert len(_rows(client.get("/staff/conversations?request=yes").text)) == 1
    assert len(_rows(client.get("/staff/conversations?request=no&red_flag=no").text)) == 0
    assert len(_rows(client.get("/staff/conversations?q=CHEST+pain").text)) == 1
    assert len(_rows(client.get("/staff/conversations?q=Dana").text)) == 0  # masked: not there
    assert len(_rows(client.get("/staff/conversations?q=%25").text)) == 0  # a wildcard is text
    for odd in ("?page=0", "?page=-3", "?page=99999999999", "?q=" + "x" * 5000, "?from=%00"):
        assert client.get("/staff/conversations" + odd).status_code == 200


def test_the_transcript_is_masked_and_in_order(app, broker, factory):
    _fill(broker, factory)
    client = _client(app, "ed")
    first = _rows(client.get("/staff/conversations?request=yes").text)[0]
    page = client.get(f"/staff/conversations/{first}").text
    assert "A call-back request was sent" in page
    turns = ("does it hurt", "[name], text [phone]", "Thanks [name]!")
    order = [page.index(text) for text in turns]
    assert order == sorted(order)
    assert "Dana" not in page and "0101" not in page and "calm" not in page  # nor the sender id
    assert "pressed a button" in page
    assert client.get("/staff/conversations/999999").status_code == 404


def test_pages_of_fifty(app, broker, factory, monkeypatch):
    monkeypatch.setattr(conversations, "PAGE_SIZE", 2)
    for number in range(5):
        broker.send(f"c{number}", [user("zxqv", "nlu_fallback", 0.2), bot("utter_default")])
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    client = _client(app, "ed")
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/staff/conversations?page={page}").text
        seen += _rows(html)
        assert ("Older" in html) == (page < 3)
    assert len(seen) == 5 == len(set(seen))


def test_conversations_need_a_sign_in(app):
    assert app.test_client().get("/staff/conversations").status_code in (302, 401, 403)
    assert app.test_client().get("/staff/conversations/1").status_code in (302, 401, 403)
