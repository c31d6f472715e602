"""The studio inbox without servers: events published through Rasa's own SQL event broker
are read by the consumer, masked, classified and grouped; staff decide on the page."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import List, Optional

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet
from sqlalchemy import func, select

from bot.bookings.db import session_scope
from bot.content.faq import load_topic
from bot.studio.inbox import groups, source
from bot.studio.inbox.consumer import InboxConsumer, import_tracker
from bot.studio.inbox.models import InboxConversation, InboxMessage
from bot.studio.models import AuditEntry, ExampleVersion
from tests.support.inbox_events import Broker, bot, user
from tests.unit.studio.test_answer_pages import _client, _token

HURT_FILE = "data/faq/does_it_hurt.yml"


@pytest.fixture
def consumer(broker, factory) -> InboxConsumer:
    return InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US", poll_seconds=0.05)


def _messages(factory, sender: Optional[str] = None, role: str = "patient") -> List[InboxMessage]:
    with session_scope(factory) as work:
        query = (
            select(InboxMessage)
            .join(InboxConversation)
            .where(InboxMessage.role == role)
            .order_by(InboxMessage.at)
        )
        if sender:
            query = query.where(InboxConversation.sender_id == sender)
        found = list(work.execute(query).scalars())
        work.expunge_all()
    return found


def _fixture_conversations(broker: Broker) -> None:
    broker.send(
        "dym",
        [
            user("wat about the nerve thingy", "nlu_fallback", 0.3),
            ActionExecuted("action_did_you_mean"),
            bot("utter_did_you_mean"),
        ],
    )
    broker.send(
        "declined",
        [
            user("who won the game last night", "out_of_scope", 0.95),
            ActionExecuted("utter_out_of_scope"),
            bot("utter_out_of_scope"),
        ],
    )
    broker.send(
        "declined-2",
        [user("who won the big game last night?", "out_of_scope", 0.93), bot("utter_out_of_scope")],
    )
    broker.send(
        "answered",
        [user("does it hurt", "faq", 0.97, "faq/does_it_hurt"), bot("utter_faq/does_it_hurt")],
    )
    broker.send(
        "unsure",
        [
            user("is the needle thing bad", "faq", 0.52, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
        ],
    )
    broker.send(
        "fallback",
        [
            user("zxqv blorp", "nlu_fallback", 0.2),
            ActionExecuted("action_did_you_mean"),
            bot("utter_default"),
        ],
    )
    broker.send(
        "red",
        [
            user("crushing chest pain right now", "red_flag", 1.0),
            ActionExecuted("action_red_flag"),
            bot("utter_red_flag"),
            user("who won the game last night??", "out_of_scope", 0.9),
            bot("utter_out_of_scope"),
        ],
    )


def test_events_become_masked_classified_messages_and_leave_the_queue(broker, consumer, factory):
    _fixture_conversations(broker)
    broker.send(
        "details",
        [
            user(
                "I'm Dana Price, call 202-555-0143 or dana@example.com, who won the game",
                "out_of_scope",
                0.8,
            ),
            bot("utter_out_of_scope"),
        ],
    )
    assert broker.queued() > 0
    consumer.run_once()
    assert broker.queued() == 0
    by_text = {m.text: m for m in _messages(factory)}
    assert by_text["wat about the nerve thingy"].outcome == "did_you_mean"
    assert by_text["who won the game last night"].outcome == "declined"
    assert by_text["does it hurt"].outcome == "answered"
    assert not by_text["does it hurt"].needs_review
    assert (
        by_text["is the needle thing bad"].low_confidence
        and by_text["is the needle thing bad"].needs_review
    )
    assert by_text["zxqv blorp"].outcome == "fallback"
    assert by_text["crushing chest pain right now"].outcome == "red_flag"
    masked = [t for t in by_text if "[name]" in t]
    assert masked == ["I'm [name], call [phone] or [email], who won the game"]


def test_the_tables_never_hold_what_was_masked(broker, consumer, factory, tmp_path):
    broker.send(
        "form",
        [
            user("hi, Smithers speaking, does it hurt", "faq", 0.4, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
            SlotSet("request_name", "Wayland Smithers"),
            user("also wayland asks: is it safe", "faq", 0.5, "faq/safety"),
            bot("utter_faq/safety"),
        ],
    )
    consumer.run_once()
    texts = [m.text for m in _messages(factory, "form")]
    assert texts == ["hi, [name] speaking, does it hurt", "also [name] asks: is it safe"]
    db_bytes = (tmp_path / "studio.db").read_bytes()
    assert b"Smithers" not in db_bytes and b"ayland" not in db_bytes


def test_a_rephrase_or_a_complaint_marks_the_message_before(broker, consumer, factory):
    broker.send(
        "again",
        [
            user("how long does one session take", "faq", 0.9, "faq/visit"),
            bot("utter_faq/visit"),
            user("how long does one session last", "faq", 0.9, "faq/visit"),
            bot("utter_faq/visit"),
        ],
    )
    broker.send(
        "complaint",
        [
            user("can my dog come along", "faq", 0.8, "faq/visit"),
            bot("utter_faq/visit"),
            user("that's not what I asked", "deny", 0.7),
            bot("utter_no_problem"),
        ],
    )
    broker.send(
        "later",
        [user("does it hurt", "faq", 0.9, "faq/does_it_hurt"), bot("utter_faq/does_it_hurt")],
    )
    broker.send(
        "later",
        [user("does it hurt", "faq", 0.9, "faq/does_it_hurt"), bot("utter_faq/does_it_hurt")],
        gap=3600,
    )
    consumer.run_once()
    again = _messages(factory, "again")
    assert again[0].rephrased and again[0].needs_review and not again[1].rephrased
    assert _messages(factory, "complaint")[0].rephrased
    assert not any(m.rephrased for m in _messages(factory, "later"))  # an hour apart


def test_events_read_twice_are_stored_once_and_bad_rows_are_skipped(broker, consumer, factory):
    events = [user("zxqv blorp", "nlu_fallback", 0.2, message_id="m-1"), bot("utter_default")]
    broker.send("twice", events)
    consumer.run_once()
    for event in events:
        broker.broker.publish({"sender_id": "twice", **event.as_dict()})
    engine = source.open_queue(f"sqlite:///{broker.path}")
    with engine.begin() as connection:
        connection.execute(source.QUEUE.insert().values(sender_id="x", data="{not json"))
        connection.execute(source.QUEUE.insert().values(sender_id="x", data=json.dumps([1])))
    engine.dispose()
    consumer.run_once()
    assert broker.queued() == 0
    found = _messages(factory, "twice")
    assert [(m.text, m.outcome) for m in found] == [("zxqv blorp", "fallback")]


def test_the_consumer_thread_keeps_up_and_survives_a_missing_queue(tmp_path, factory):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("event_broker:\n  type: SQL\n  dialect: sqlite\n  db: events.db\n")
    running = InboxConsumer(
        lambda: source.broker_url(endpoints, tmp_path), factory, "US", poll_seconds=0.05
    ).start()
    path = tmp_path / source.EVENTS_FILE
    try:
        time.sleep(0.2)  # no queue yet: nothing happens, nothing fails
        broker = Broker(path)
        broker.send("live", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
        deadline = time.monotonic() + 10
        # Until the reply is read too: the thread may take the question in one round and
        # the reply in the next.
        while time.monotonic() < deadline and [m.outcome for m in _messages(factory, "live")] != [
            "fallback"
        ]:
            time.sleep(0.05)
    finally:
        running.stop()
    assert [m.outcome for m in _messages(factory, "live")] == ["fallback"]


def test_similar_messages_are_grouped_and_red_flag_ones_are_labelled(broker, consumer, factory):
    _fixture_conversations(broker)
    consumer.run_once()
    with session_scope(factory) as work:
        found = groups.group(groups.waiting(work))
    by_first = {g.texts[0]: g for g in found}
    game = next(g for g in found if "game" in g.texts[0])
    assert game.count == 3 and game.topic == "out_of_scope" and game.red_flag
    assert game.suggested_topic == ""  # never suggested from a red-flag conversation
    assert "declined" in game.reasons
    unsure = by_first["is the needle thing bad"]
    assert unsure.count == 1 and unsure.topic == "faq/does_it_hurt" and unsure.suggested_topic
    assert "does it hurt" not in by_first  # answered with confidence: nothing to review


# --- the page ---------------------------------------------------------------------------
def _inbox(client) -> str:
    page = client.get("/staff/inbox")
    assert page.status_code == 200
    return page.text


def _ids(page: str, text: str) -> str:
    for row in re.findall(r'<tr class="inbox-group.*?</tr>', page, re.S):
        if text in row:
            return re.search(r'name="ids" value="([\d,]+)"', row).group(1)
    raise AssertionError(f"no group with {text!r}")


def _decide(client, page: str, ids: str, action: str, **fields):
    form = {"csrf_token": _token(page), "ids": ids, "action": action, **fields}
    return client.post("/staff/inbox", data=form)


def test_the_page_shows_groups_masked_and_filters(app, broker, factory):
    _fixture_conversations(broker)
    broker.send(
        "details",
        [user("Call me on 202-555-0143, I'm Dana", "nlu_fallback", 0.2), bot("utter_default")],
    )
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    client = _client(app, "ed")
    page = _inbox(client)
    assert "wat about the nerve thingy" in page and "did you mean" in page
    assert "555-0143" not in page and "Dana" not in page and "[phone]" in page
    assert "never suggested" in page
    assert "does it hurt</span>" not in page
    assert "Nothing is waiting" in client.get("/staff/inbox?channel=telegram").text
    assert "Nothing is waiting" in client.get("/staff/inbox?from=2030-01-01").text
    assert "nerve thingy" in client.get("/staff/inbox?from=2025-11-01&to=2025-11-30").text
    assert client.get("/staff/inbox?from=garbage&to=%00").status_code == 200


def test_assigning_a_group_adds_checked_examples_as_a_draft(app, broker, factory, content):
    broker.send(
        "a",
        [
            user("will the pokes sting much for a wimp like me", "faq", 0.45, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
        ],
    )
    broker.send(
        "b",
        [
            user("will the pokes sting much for a wimp like me?", "faq", 0.5, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
        ],
    )
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    before = list(load_topic(content / HURT_FILE).examples)
    editor = _client(app, "ed")
    page = _inbox(editor)
    ids = _ids(page, "pokes sting")
    assert ids.count(",") == 1  # one group of two
    response = _decide(editor, page, ids, "assign", topic="faq/does_it_hurt")
    assert response.status_code == 302
    assert "pokes sting" not in _inbox(editor)
    assert list(load_topic(content / HURT_FILE).examples) == before  # a draft only
    with session_scope(factory) as work:
        draft = (
            work.execute(
                select(ExampleVersion)
                .where(ExampleVersion.topic == "does_it_hurt")
                .order_by(ExampleVersion.number.desc())
            )
            .scalars()
            .first()
        )
        assert draft.state == "draft"
        assert draft.examples[-1] == "will the pokes sting much for a wimp like me"
        assert draft.examples[:-1] == before
        actions = list(work.execute(select(AuditEntry.action)).scalars())
        assert "inbox_assign" in actions
        patient = select(InboxMessage).where(InboxMessage.role == "patient")
        assert {m.status for m in work.execute(patient).scalars()} == {"assigned"}
    # the publisher publishes it from the topic's page, as any draft
    publisher = _client(app, "pub")
    number = draft.number
    topic_page = publisher.get("/staff/answers/utter_faq/does_it_hurt/examples").text
    response = publisher.post(
        f"/staff/answers/utter_faq/does_it_hurt/examples/{number}",
        data={"csrf_token": _token(topic_page)},
    )
    assert response.status_code == 302
    assert (
        "will the pokes sting much for a wimp like me" in load_topic(content / HURT_FILE).examples
    )


def test_what_fails_the_checks_or_holds_masked_details_changes_nothing(
    app, broker, factory, content
):
    held_out = yaml.safe_load((Path(__file__).parents[2] / "nlu" / "test_nlu.yml").read_text())
    test_text = held_out["nlu"][0]["examples"].splitlines()[0][2:].strip()
    broker.send(
        "t", [user(test_text, "faq", 0.5, "faq/does_it_hurt"), bot("utter_faq/does_it_hurt")]
    )
    broker.send(
        "p",
        [
            user("text me on 202 555 0143 about pain", "faq", 0.5, "faq/does_it_hurt"),
            bot("utter_faq/does_it_hurt"),
        ],
    )
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    editor = _client(app, "ed")
    page = _inbox(editor)
    response = _decide(editor, page, _ids(page, "[phone]"), "assign", topic="faq/does_it_hurt")
    assert response.status_code == 422 and "masked personal details" in response.text
    response = _decide(editor, page, _ids(page, test_text), "assign", topic="faq/does_it_hurt")
    assert response.status_code == 422 and "test set" in response.text
    response = _decide(editor, page, _ids(page, test_text), "assign", topic="faq/nope")
    assert response.status_code == 422 and "Choose the topic" in response.text
    response = _decide(editor, page, "", "dismiss")
    assert response.status_code == 422 and "Tick at least one" in response.text
    assert _decide(editor, page, "1", "explode").status_code == 400
    assert (
        _decide(editor, page, "1", "assign", topic="faq/does_it_hurt", publish="yes").status_code
        == 403
    )
    with session_scope(factory) as work:
        assert work.execute(select(func.count()).select_from(ExampleVersion)).scalar_one() == 0
        assert {m.status for m in work.execute(select(InboxMessage)).scalars()} == {"open"}
        assert {m.resolved_by for m in work.execute(select(InboxMessage)).scalars()} == {None}


def test_red_flag_conversations_need_a_check_before_they_train_anything(app, broker, factory):
    _fixture_conversations(broker)
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    publisher = _client(app, "pub")
    page = _inbox(publisher)
    ids = _ids(page, "who won the")
    response = _decide(publisher, page, ids, "out_of_scope")
    assert response.status_code == 422 and "red flag" in response.text
    response = _decide(publisher, page, ids, "out_of_scope", red_flag_checked="yes")
    assert response.status_code == 302


def test_out_of_scope_goes_to_its_own_file_after_a_publisher_publishes(
    app, broker, factory, content
):
    broker.send(
        "o",
        [
            user("can you recommend a plumber near me", "out_of_scope", 0.55),
            bot("utter_out_of_scope"),
        ],
    )
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    editor = _client(app, "ed")
    page = _inbox(editor)
    assert _decide(editor, page, _ids(page, "plumber"), "out_of_scope").status_code == 302
    target = content / "data" / "nlu" / "out_of_scope_inbox.yml"
    assert not target.exists()
    publisher = _client(app, "pub")
    page = _inbox(publisher)
    assert "waiting to be published" in page
    number = re.search(r"/staff/inbox/out-of-scope/(\d+)", page).group(1)
    assert (
        publisher.post(
            f"/staff/inbox/out-of-scope/{number}", data={"csrf_token": _token(page)}
        ).status_code
        == 302
    )
    written = yaml.safe_load(target.read_text())
    assert written["nlu"][0]["intent"] == "out_of_scope"
    assert written["nlu"][0]["examples"] == "- can you recommend a plumber near me\n"
    assert "waiting to be published" not in _inbox(publisher)


def test_new_topic_opens_the_new_topic_form_and_dismiss_works_on_many(app, broker, factory):
    broker.send(
        "n1", [user("do you validate parking", "out_of_scope", 0.5), bot("utter_out_of_scope")]
    )
    broker.send("n2", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
    broker.send("n3", [user("qwerty uiop", "nlu_fallback", 0.2), bot("utter_default")])
    InboxConsumer(lambda: f"sqlite:///{broker.path}", factory, "US").run_once()
    editor = _client(app, "ed")
    page = _inbox(editor)
    response = _decide(editor, page, _ids(page, "parking"), "new_topic")
    assert response.status_code == 200 and "do you validate parking" in response.text
    assert 'name="title"' in response.text  # the new-topic form, the examples filled in
    page = _inbox(editor)
    both = _ids(page, "zxqv") + "," + _ids(page, "qwerty")
    form = {"csrf_token": _token(page), "action": "dismiss"}
    response = editor.post(
        "/staff/inbox", data={**form, "ids": [_ids(page, "zxqv"), _ids(page, "qwerty")]}
    )
    assert response.status_code == 302
    assert "Nothing is waiting" in _inbox(editor)
    assert _decide(editor, page, both, "dismiss").status_code == 422  # already handled


def test_the_inbox_needs_a_sign_in(app):
    response = app.test_client().get("/staff/inbox")
    assert response.status_code in (302, 401, 403)


def test_a_one_off_import_reads_the_tracker_store(tmp_path, factory):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.privacy.tracker_events import open_tracker

    store = SQLTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events(
        "old-1", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")]
    )
    import asyncio

    asyncio.run(store.save(tracker))
    engine = open_tracker(f"sqlite:///{tmp_path / 'tracker.db'}")
    try:
        assert import_tracker(engine, factory, "US") >= 2
        assert import_tracker(engine, factory, "US") >= 2  # again: nothing new
    finally:
        engine.dispose()
    assert [(m.text, m.outcome) for m in _messages(factory, "old-1")] == [
        ("zxqv blorp", "fallback")
    ]


def test_one_bad_event_is_skipped_and_the_rest_of_its_batch_is_stored(broker, consumer, factory):
    broker.send("fine", [user("zxqv\x00 blorp", "nlu_fallback", 0.2), bot("utter_default")])
    broker.broker.publish({"sender_id": "bad", "event": "user", "text": "x", "timestamp": "soon"})
    broker.send("fine-2", [user("qwerty uiop", "nlu_fallback", 0.2), bot("utter_default")])
    consumer.run_once()
    assert broker.queued() == 0
    assert [m.text for m in _messages(factory, "fine")] == ["zxqv blorp"]  # NUL removed
    assert [m.text for m in _messages(factory, "fine-2")] == ["qwerty uiop"]
    assert _messages(factory, "bad") == []


def test_replies_are_kept_masked_for_the_transcript_but_never_become_examples(
    app, broker, consumer, factory
):
    broker.send(
        "r",
        [
            user("zxqv blorp", "nlu_fallback", 0.2),
            BotUttered("Thanks Dana, we will call 202-555-0143", metadata={"utter_action": "x"}),
            SlotSet("request_name", "Dana Price"),
        ],
    )
    consumer.run_once()
    replies = _messages(factory, "r", role="assistant")
    assert [m.text for m in replies] == ["Thanks [name], we will call [phone]"]
    editor = _client(app, "ed")
    page = _inbox(editor)
    response = _decide(editor, page, str(replies[0].id), "dismiss")
    assert response.status_code == 422  # only patient messages waiting for a look


def test_a_thumbs_down_puts_the_question_in_the_inbox(app, broker, consumer, factory):
    answer = BotUttered("Most people handle it well.", metadata={"utter_action": "utter_x"})
    other = BotUttered("Anything else?", metadata={"utter_action": "utter_anything_else"})
    broker.send("thumbs", [user("does it hurt", "faq", 0.95, "faq/does_it_hurt"), answer, other])
    broker.send(
        "thumbs",
        [
            SlotSet("answer_rating", {"rating": "down", "answer_at": answer.timestamp}),
            SlotSet("answer_rating", {"rating": "sideways", "answer_at": answer.timestamp}),
            SlotSet("answer_rating", {"rating": "down", "answer_at": "soon"}),
            SlotSet("answer_rating", {"rating": "up", "answer_at": 12.5}),  # no such answer
        ],
    )
    consumer.run_once()
    [question] = _messages(factory, "thumbs")
    assert question.rating == "down" and question.needs_review
    replies = {m.text: m.rating for m in _messages(factory, "thumbs", role="assistant")}
    assert replies == {"Most people handle it well.": "down", "Anything else?": ""}
    with session_scope(factory) as work:
        [group] = groups.group(groups.waiting(work))
    assert group.reasons == ["rated down"]


def test_the_page_shows_the_biggest_groups_and_says_how_many_more(
    app, broker, consumer, monkeypatch
):
    monkeypatch.setattr(groups, "SHOWN_GROUPS", 1)
    broker.send("g1", [user("zxqv blorp", "nlu_fallback", 0.2), bot("utter_default")])
    broker.send("g2", [user("zxqv blorp!", "nlu_fallback", 0.2), bot("utter_default")])
    broker.send("g3", [user("qwerty uiop", "nlu_fallback", 0.2), bot("utter_default")])
    consumer.run_once()
    page = _inbox(_client(app, "ed"))
    assert page.count('<tr class="inbox-group') == 1 and "zxqv blorp" in page
    assert "3 messages in 2 groups; the 1 biggest are shown, the other 1 after these" in page
