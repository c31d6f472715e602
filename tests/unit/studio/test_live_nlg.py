"""The assistant's generator: published answers replace the domain's within a refresh,
placeholders are still filled, and a database that fails never fails a turn."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.bookings.config import DATABASE_URL_ENV
from bot.bookings.db import session_scope
from bot.content.live_nlg import PublishedAnswers, PublishedAnswersGenerator, merged, read_published
from bot.content.responses import load_responses
from bot.settings import PROJECT_ROOT
from bot.studio import answers
from bot.studio.answers import LiveText

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  clinic_phone:
    type: text
    mappings: [{type: custom}]
responses:
  utter_hi:
  - text: "Hello, call {clinic_phone}."
  utter_bye:
  - text: "Bye."
"""
)


def _generate(generator: PublishedAnswersGenerator, name: str) -> dict:
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    tracker.update(SlotSet("clinic_phone", "555 0100"))
    return asyncio.run(generator.generate(name, tracker, "rest"))


def test_a_published_answer_replaces_the_domain_one_with_placeholders_filled():
    published = {"utter_hi": LiveText("New hello, ring {clinic_phone}.", [])}
    generator = PublishedAnswersGenerator(domain=DOMAIN, reader=lambda: published)
    try:
        assert _generate(generator, "utter_hi")["text"] == "New hello, ring 555 0100."
        assert _generate(generator, "utter_bye")["text"] == "Bye."
    finally:
        generator.published.stop()


def test_a_response_the_model_does_not_know_is_never_invented():
    published = {"utter_new": LiveText("Hi", [])}
    assert "utter_new" not in merged(DOMAIN.responses, published)


def test_buttons_come_with_the_published_version():
    buttons = [{"title": "Book", "payload": "/book_consultation"}]
    result = merged(DOMAIN.responses, {"utter_bye": LiveText("Bye!", buttons)})
    assert result["utter_bye"] == [{"text": "Bye!", "buttons": buttons}]


def test_changes_arrive_within_the_refresh_and_failures_keep_the_last_answers(caplog):
    state = {"answers": {}, "fail": False}

    def reader():
        if state["fail"]:
            raise ConnectionError("database down")
        return state["answers"]

    poller = PublishedAnswers(dict(DOMAIN.responses), reader, every=0.05).start()
    try:
        state["answers"] = {"utter_bye": LiveText("See you.", [])}
        deadline = time.monotonic() + 1.0
        while poller.responses["utter_bye"][0]["text"] != "See you.":
            assert time.monotonic() < deadline, "not live within a second"
            time.sleep(0.01)
        state["fail"] = True
        with caplog.at_level(logging.WARNING):
            time.sleep(0.3)
        assert poller.responses["utter_bye"][0]["text"] == "See you."
        warnings = [r for r in caplog.records if "cannot be read" in r.getMessage()]
        assert len(warnings) == 1  # said once, not four times a second
    finally:
        poller.stop()


def test_it_reads_what_the_studio_published_in_the_database(factory, tmp_path, monkeypatch):
    url = str(factory.kw["bind"].url)
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    base = load_responses(root)["utter_greet"]
    assert read_published() == {}
    with session_scope(factory) as work:
        answers.save(work, base, {**base.content(), "text": "Hi there."}, "pub", True, root)
    assert read_published()["utter_greet"].text == "Hi there."


def test_an_unmigrated_database_means_every_answer_is_the_domains(tmp_path, monkeypatch):
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'empty.db'}")
    assert read_published() == {}
