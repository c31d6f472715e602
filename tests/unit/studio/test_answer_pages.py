"""The studio's answer pages on a copy of the content: drafts, publish, restore, checks,
write-back to the YAML file, drift, roles and the audit log (the browser tests run the
same flows against the real stack, with the assistant's answer checked over REST)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.bookings.db import session_scope
from bot.studio import answers, audit

PASSWORD = "a long enough passphrase"
HURT = "utter_faq/does_it_hurt"
HURT_FILE = Path("data") / "faq" / "does_it_hurt.yml"
NEW_TEXT = "Most people find it easy. The needles are tiny.\n\nYou may feel a short sting."


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _client(app, username: str):
    client = app.test_client()
    token = _token(client.get("/staff/sign-in").text)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/staff/sign-in", data=form).status_code == 302
    return client


def _form(client, name: str = HURT, **changes) -> dict:
    page = client.get(f"/staff/answers/{name}").text
    form = {
        "csrf_token": _token(page),
        "latest": re.search(r'name="latest" value="(\d+)"', page).group(1),
        "text": NEW_TEXT,
        "sources": ["000_3761424d347833e3.txt"],
        "button_title_0": "Side effects",
        "button_payload_0": '/ask_topic{{"topic":"side_effects"}}',
    }
    form.update(changes)
    return form


def _live(factory) -> dict:
    with session_scope(factory) as work:
        return answers.live_texts(work)


def test_the_list_shows_every_topic_by_title_and_other_responses(app):
    page = _client(app, "ed").get("/staff/answers").text
    assert '<a href="/staff/answers/utter_faq/does_it_hurt">Does it hurt?</a>' in page
    assert "utter_greet" in page and "Emergency reply: read-only" in page


def test_an_editor_saves_a_draft_that_is_not_live(app, factory, content):
    client = _client(app, "ed")
    before = (content / HURT_FILE).read_bytes()
    response = client.post(f"/staff/answers/{HURT}", data=_form(client, action="draft"))
    assert response.status_code == 302
    assert HURT not in _live(factory)  # patients still get the file's text
    assert (content / HURT_FILE).read_bytes() == before
    page = client.get(f"/staff/answers/{HURT}").text
    assert "Draft saved as version 2" in page and "Draft" in page
    assert (
        client.post(f"/staff/answers/{HURT}", data=_form(client, action="publish")).status_code
        == 403
    )
    assert client.post(f"/staff/answers/{HURT}/versions/2", data=_form(client)).status_code == 403


def test_publish_goes_live_writes_the_file_and_restore_brings_back_the_original(
    app, factory, content
):
    client = _client(app, "pub")
    original = (content / HURT_FILE).read_bytes()
    assert (
        client.post(f"/staff/answers/{HURT}", data=_form(client, action="publish")).status_code
        == 302
    )
    assert _live(factory)[HURT].text == NEW_TEXT
    written = yaml.safe_load((content / HURT_FILE).read_text())
    assert written["responses"][HURT][0]["text"] == NEW_TEXT
    assert written["nlu"][0]["metadata"]["sources"] == ["000_3761424d347833e3.txt"]
    assert len(written["nlu"][0]["examples"].splitlines()) > 50  # examples untouched
    page = client.get(f"/staff/answers/{HURT}").text
    assert "Version 2 is live" in page
    token = _token(page)
    restore = {"csrf_token": token, "action": "restore"}
    assert client.post(f"/staff/answers/{HURT}/versions/1", data=restore).status_code == 302
    assert (content / HURT_FILE).read_bytes() == original  # the same bytes as before
    assert _live(factory)[HURT].text.startswith("Most people handle it well.")


def test_a_publisher_publishes_an_editors_draft(app, factory):
    editor = _client(app, "ed")
    editor.post(f"/staff/answers/{HURT}", data=_form(editor, action="draft"))
    publisher = _client(app, "pub")
    token = _token(publisher.get(f"/staff/answers/{HURT}").text)
    publish = {"csrf_token": token, "action": "publish"}
    assert publisher.post(f"/staff/answers/{HURT}/versions/2", data=publish).status_code == 302
    assert _live(factory)[HURT].text == NEW_TEXT


@pytest.mark.parametrize(
    "text, code, words",
    [
        (
            "Perineural injection therapy necessitates comprehensive multidisciplinary "
            "evaluation, individualized therapeutic prescriptions and considerable "
            "administrative coordination between practitioners.",
            "grade",
            "grade",
        ),
        ("It costs $150 for each visit.", "unknown_number", "$150"),
        ("It is <b>safe</b> for most people.", "html", "HTML"),
        ("   ", "empty", ""),
    ],
)
def test_a_bad_answer_is_refused_with_a_clear_message(app, factory, content, text, code, words):
    client = _client(app, "pub")
    before = (content / HURT_FILE).read_bytes()
    response = client.post(
        f"/staff/answers/{HURT}", data=_form(client, text=text, action="publish")
    )
    assert response.status_code == 422
    assert "Not saved." in response.text and f'data-code="{code}"' in response.text
    assert words in response.text
    assert HURT not in _live(factory) and (content / HURT_FILE).read_bytes() == before


def test_no_source_is_refused(app):
    client = _client(app, "pub")
    form = _form(client, action="publish")
    del form["sources"]
    response = client.post(f"/staff/answers/{HURT}", data=form)
    assert response.status_code == 422 and 'data-code="no_source"' in response.text


def test_a_button_the_studio_did_not_offer_is_refused(app):
    client = _client(app, "pub")
    form = _form(client, action="publish", button_payload_0='/request_booking{"name":"x"}')
    assert client.post(f"/staff/answers/{HURT}", data=form).status_code == 400


def test_emergency_replies_cannot_be_changed(app):
    client = _client(app, "ada")
    name = "utter_red_flag_emergency"
    page = client.get(f"/staff/answers/{name}").text
    assert "read-only" in page and "Publish</button>" not in page
    form = {"csrf_token": _token(page), "text": "Relax.", "action": "publish"}
    assert client.post(f"/staff/answers/{name}", data=form).status_code == 403


def test_a_stale_page_does_not_overwrite_a_newer_version(app):
    first, second = _client(app, "pub"), _client(app, "ada")
    stale = _form(first, action="publish")
    assert (
        second.post(f"/staff/answers/{HURT}", data=_form(second, action="publish")).status_code
        == 302
    )
    response = first.post(f"/staff/answers/{HURT}", data=stale)
    assert response.status_code == 409 and "while you were editing" in response.text
    assert NEW_TEXT.split("\n")[0] in response.text  # the text is kept in the box


def test_a_file_changed_on_disk_is_shown_and_can_be_reloaded(app, factory, content):
    client = _client(app, "pub")
    client.post(f"/staff/answers/{HURT}", data=_form(client, action="publish"))
    path = content / HURT_FILE
    path.write_text(path.read_text().replace("You may feel a short sting.", "Changed in git."))
    page = client.get(f"/staff/answers/{HURT}").text
    assert "changed on disk" in page
    assert "File changed on disk" in client.get("/staff/answers").text
    response = client.post(f"/staff/answers/{HURT}/reload", data={"csrf_token": _token(page)})
    assert response.status_code == 302
    assert _live(factory)[HURT].text.endswith("Changed in git.")
    assert "changed on disk" not in client.get(f"/staff/answers/{HURT}").text


def test_the_live_check_gives_grade_problems_and_an_escaped_preview(app):
    client = _client(app, "ed")
    token = _token(client.get(f"/staff/answers/{HURT}").text)
    body = {"name": HURT, "text": "Call {clinic_phone}. <script>x</script> $99", "sources": []}
    result = client.post("/staff/answers/check", json=body, headers={"X-CSRFToken": token}).json
    codes = {problem["code"] for problem in result["problems"]}
    assert {"html", "unknown_number", "no_source"} <= codes
    assert "<script>" not in result["preview"] and "&lt;script&gt;" in result["preview"]
    assert "+1 555 010 0199" in result["preview"]  # the clinic's phone, filled in
    assert isinstance(result["grade"], float)
    assert client.post("/staff/answers/check", json=body).status_code == 400  # no CSRF token


def test_every_change_is_in_the_audit_log(app, factory):
    client = _client(app, "pub")
    client.post(f"/staff/answers/{HURT}", data=_form(client, action="draft"))
    client.post(f"/staff/answers/{HURT}", data=_form(client, action="publish", latest="2"))
    with session_scope(factory) as work:
        entries = [(e.actor, e.action, e.target) for e in audit.recent(work)]
    assert ("pub", "answer_draft", HURT) in entries and ("pub", "answer_publish", HURT) in entries
    page = _client(app, "ada").get("/staff/audit").text
    assert "answer_publish" in page and "You may feel a short sting." in page
