"""Example questions and new topics in the studio, on a copy of the content: checks,
drafts, publishing into the topic file, roles and the audit log."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.bookings.db import session_scope
from bot.content.faq import MIN_EXAMPLES, load_topic
from bot.studio import audit
from tests.unit.studio.test_answer_pages import _client, _token

HURT = "utter_faq/does_it_hurt"
HURT_FILE = "data/faq/does_it_hurt.yml"
NEW_QUESTION = "will the little jabs be sore for someone who hates pain"


def _examples_form(client, lines, action="draft"):
    page = client.get(f"/staff/answers/{HURT}/examples").text
    latest = re.search(r'name="latest" value="(\d+)"', page).group(1)
    return {
        "csrf_token": _token(page),
        "latest": latest,
        "examples": "\n".join(lines),
        "action": action,
    }


def _file_examples(content):
    return list(load_topic(content / HURT_FILE).examples)


def test_a_publisher_adds_and_removes_questions_and_only_the_examples_change(app, content):
    client = _client(app, "pub")
    before_text = (content / HURT_FILE).read_text()
    current = _file_examples(content)
    wanted = [*current[1:], NEW_QUESTION]
    response = client.post(
        f"/staff/answers/{HURT}/examples", data=_examples_form(client, wanted, "publish")
    )
    assert response.status_code == 302
    assert _file_examples(content) == wanted
    after = yaml.safe_load((content / HURT_FILE).read_text())
    before = yaml.safe_load(before_text)
    assert (
        after["responses"] == before["responses"]
        and after["nlu"][0]["metadata"] == before["nlu"][0]["metadata"]
    )
    page = client.get(f"/staff/answers/{HURT}/examples").text
    assert "next retrain" in page
    assert "could not be asked" in page  # no assistant running in this test


def test_an_editors_questions_are_a_draft_until_published(app, content):
    editor = _client(app, "ed")
    current = _file_examples(content)
    form = _examples_form(editor, [*current, NEW_QUESTION])
    assert editor.post(f"/staff/answers/{HURT}/examples", data=form).status_code == 302
    assert _file_examples(content) == current
    assert (
        editor.post(
            f"/staff/answers/{HURT}/examples", data={**form, "action": "publish"}
        ).status_code
        == 403
    )
    publisher = _client(app, "pub")
    page = publisher.get(f"/staff/answers/{HURT}/examples").text
    assert NEW_QUESTION in page and "draft version 2" in page
    assert (
        publisher.post(
            f"/staff/answers/{HURT}/examples/2", data={"csrf_token": _token(page)}
        ).status_code
        == 302
    )
    assert _file_examples(content)[-1] == NEW_QUESTION


@pytest.mark.parametrize(
    "extra, says",
    [
        ("are there side effects of PIT", "another topic"),  # an example of faq/side_effects
        ("does it hurt [a lot](pain)", "markup"),
    ],
)
def test_questions_that_would_spoil_the_training_data_are_refused(app, content, extra, says):
    client = _client(app, "pub")
    current = _file_examples(content)
    response = client.post(
        f"/staff/answers/{HURT}/examples", data=_examples_form(client, [*current, extra], "publish")
    )
    assert response.status_code == 422 and says in response.text
    assert extra.split(" [")[0] in response.text  # the list is kept in the box
    assert _file_examples(content) == current


def test_a_held_out_test_message_is_refused(app, content):
    from bot.evaluation.nlu import load_examples

    held_out = next(e.text for e in load_examples() if e.label == "faq/does_it_hurt")
    client = _client(app, "pub")
    form = _examples_form(client, [*_file_examples(content), held_out], "publish")
    response = client.post(f"/staff/answers/{HURT}/examples", data=form)
    assert response.status_code == 422 and "test set" in response.text


def test_too_few_questions_are_refused(app, content):
    client = _client(app, "pub")
    form = _examples_form(client, _file_examples(content)[: MIN_EXAMPLES - 1], "publish")
    response = client.post(f"/staff/answers/{HURT}/examples", data=form)
    assert response.status_code == 422 and f"at least {MIN_EXAMPLES}" in response.text


INTERPRETERS = [
    "can i bring an interpreter to my visit",
    "do you offer interpreters",
    "i need an interpreter for my mum",
    "is there a sign language interpreter",
    "can my son translate for me at the appointment",
    "interpreter service available?",
    "do you have staff who speak spanish at the clinic",
    "can someone translate during the consult",
    "will you book an interpreter for me",
    "i don't speak english well, can i bring a translator",
]


def _topic_form(client, **changes):
    page = client.get("/staff/topics/new").text
    form = {
        "csrf_token": _token(page),
        "title": "Interpreters",
        "examples": "\n".join(INTERPRETERS),
        "text": (
            "You are welcome to bring someone to translate. "
            "Call us before your visit if you need help."
        ),
        "sources": ["clinic.yml"],
        "button_title_0": "Book a consultation",
        "button_payload_0": "/book_consultation",
        "action": "publish",
    }
    form.update(changes)
    return form


def test_a_publisher_creates_a_new_topic_file(app, content, factory):
    client = _client(app, "pub")
    response = client.post("/staff/topics/new", data=_topic_form(client))
    assert response.status_code == 302
    topic = load_topic(content / "data" / "faq" / "interpreters.yml")
    assert topic.title == "Interpreters" and list(topic.examples) == INTERPRETERS
    assert topic.sources == ("clinic.yml",) and topic.answers[0].startswith("You are welcome")
    assert "Interpreters" in client.get("/staff/answers").text
    page = client.get("/staff/answers/utter_faq/interpreters").text
    assert "created in the studio by pub" in page and "next retrain" in page
    with session_scope(factory) as work:
        assert "topic_publish" in [e.action for e in audit.recent(work)]
    again = client.post("/staff/topics/new", data=_topic_form(client))
    assert again.status_code == 409 and "already" in again.text


def test_an_editors_new_topic_waits_for_a_publisher(app, content):
    editor = _client(app, "ed")
    response = editor.post("/staff/topics/new", data=_topic_form(editor, action="draft"))
    assert response.status_code == 302
    assert not (content / "data" / "faq" / "interpreters.yml").exists()
    assert editor.post("/staff/topics/new", data=_topic_form(editor)).status_code == 403
    publisher = _client(app, "pub")
    listing = publisher.get("/staff/answers").text
    assert "New topics waiting" in listing and "/staff/topics/new?draft=interpreters" in listing
    page = publisher.get("/staff/topics/new?draft=interpreters").text
    assert "do you offer interpreters" in page
    assert publisher.post("/staff/topics/new", data=_topic_form(publisher)).status_code == 302
    assert (content / "data" / "faq" / "interpreters.yml").exists()


@pytest.mark.parametrize(
    "changes, says",
    [
        ({"title": ""}, "short title"),
        ({"examples": "do you offer interpreters"}, "at least"),
        ({"text": "An interpreter costs $12."}, "$12"),
        ({"sources": []}, "source"),
    ],
)
def test_a_new_topic_with_problems_is_refused(app, content, changes, says):
    client = _client(app, "pub")
    response = client.post("/staff/topics/new", data=_topic_form(client, **changes))
    assert response.status_code == 422 and says in response.text
    assert not (content / "data" / "faq" / "interpreters.yml").exists()
