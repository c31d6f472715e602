"""Staff change answers in Debian's chromium against the real stack (Rasa server, action
server, web process, one database), and patients see the change over REST.

Each test puts the answers back as the files have them, because the stack is shared.
"""

from __future__ import annotations

import re
import time
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from bot.bookings.db import session_factory, session_scope
from bot.settings import PROJECT_ROOT
from bot.stack import Stack
from bot.studio import accounts
from bot.studio.models import AnswerVersion, AuditEntry, ExampleVersion, LiveAnswer, NewTopic
from tests.support.rest import RestChat

pytestmark = [pytest.mark.browser]

PASSWORDS = {
    "answers_admin": "admin passphrase for answers 1",
    "answers_pub": "publisher passphrase for answers 2",
    "answers_ed": "editor passphrase for answers 3",
}
ROLES = {"answers_admin": "admin", "answers_pub": "publisher", "answers_ed": "editor"}
HURT = "utter_faq/does_it_hurt"
HURT_FILE = "data/faq/does_it_hurt.yml"
ORIGINAL_START = "Most people handle it well."
QUESTION = "does it hurt?"
NEW_TOPIC_FILE = "data/faq/interpreters.yml"


@pytest.fixture(scope="module")
def studio_users(stack: Stack, stack_database: str) -> str:
    with session_scope(session_factory(stack_database)) as work:
        for name, role in ROLES.items():
            if accounts.find_user(work, name) is None:
                accounts.create_user(work, name, role, PASSWORDS[name], "test")
    return stack.web_url + "staff/"


@pytest.fixture
def studio(studio_users: str, stack_database: str, stack_content) -> Iterator[str]:
    _forget_studio_changes(stack_database, stack_content)  # other tests' drafts, too
    yield studio_users
    # Back to the files' answers for every other test on the shared stack.
    _forget_studio_changes(stack_database, stack_content)


def _forget_studio_changes(stack_database: str, stack_content) -> None:
    with session_scope(session_factory(stack_database)) as work:
        work.execute(delete(LiveAnswer))
        work.execute(delete(AnswerVersion))
        work.execute(delete(ExampleVersion))
        work.execute(delete(NewTopic))
    (stack_content / HURT_FILE).write_bytes((PROJECT_ROOT / HURT_FILE).read_bytes())
    (stack_content / NEW_TOPIC_FILE).unlink(missing_ok=True)


def sign_in(page: Page, studio: str, name: str) -> Page:
    page.goto(studio)
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    return page


def open_hurt(page: Page) -> None:
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Answers").click()
    page.get_by_role("link", name="Does it hurt?", exact=True).click()
    expect(page.get_by_role("heading", name="Does it hurt?")).to_be_visible()


def seconds_until_patients_get(stack: Stack, words: str, limit: float = 5.0) -> float:
    """Ask over REST until the answer contains ``words``; how long that took."""
    started = time.monotonic()
    while True:
        if words in RestChat(stack.rest_url).texts(QUESTION):
            return time.monotonic() - started
        if time.monotonic() - started > limit:
            pytest.fail(f"patients did not get {words!r} within {limit} s")
        time.sleep(0.05)


def test_an_admin_publishes_and_patients_get_it_within_a_second_then_restore(
    context, stack, studio, stack_content
):
    assert ORIGINAL_START in RestChat(stack.rest_url).texts(QUESTION)
    page = sign_in(context.new_page(), studio, "answers_admin")
    open_hurt(page)
    box = page.get_by_label("Answer", exact=True)
    expect(box).to_have_value(re.compile("^" + re.escape(ORIGINAL_START)))
    box.fill("It feels like a few quick pin-pricks. Most people say it is easy.")
    expect(page.locator("#preview")).to_contain_text("quick pin-pricks")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is live")
    assert seconds_until_patients_get(stack, "quick pin-pricks") < 1.0
    # The file in data/ says the same, for git diff and the next training.
    assert "quick pin-pricks" in (stack_content / HURT_FILE).read_text()
    page.locator("tr[data-version='1']").get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 restored")
    assert seconds_until_patients_get(stack, ORIGINAL_START) < 1.0


def test_an_editors_draft_is_not_live_until_a_publisher_publishes_it(context, stack, studio):
    editor = sign_in(context.new_page(), studio, "answers_ed")
    open_hurt(editor)
    expect(editor.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    editor.get_by_label("Answer", exact=True).fill(
        "Only tiny pin-pricks. Most people cope well with them."
    )
    editor.get_by_role("button", name="Save draft").click()
    expect(editor.get_by_role("status")).to_contain_text("Draft saved as version 2")
    time.sleep(0.6)  # more than two refreshes of the assistant's answers
    assert "tiny pin-pricks" not in RestChat(stack.rest_url).texts(QUESTION)

    publisher_context = context.browser.new_context()
    publisher = sign_in(publisher_context.new_page(), studio, "answers_pub")
    open_hurt(publisher)
    row = publisher.locator("tr[data-version='2']")
    expect(row).to_contain_text("Draft")
    row.get_by_role("button", name="Publish draft").click()
    expect(publisher.get_by_role("status")).to_contain_text("Version 2 published")
    assert seconds_until_patients_get(stack, "tiny pin-pricks") < 1.0
    publisher_context.close()


@pytest.mark.parametrize(
    "text, says",
    [
        (
            "Perineural injection therapy necessitates comprehensive multidisciplinary "
            "evaluation, individualized therapeutic prescriptions and considerable "
            "administrative coordination between specialized practitioners.",
            "grade",
        ),
        ("Each session costs $149 and most people need six.", "$149"),
    ],
)
def test_a_hard_answer_or_an_invented_price_is_refused_with_a_clear_message(
    context, stack, studio, text, says
):
    page = sign_in(context.new_page(), studio, "answers_pub")
    open_hurt(page)
    page.get_by_label("Answer", exact=True).fill(text)
    expect(page.locator("#live-problems")).to_contain_text(says)  # while typing
    page.get_by_role("button", name="Publish", exact=True).click()
    alert = page.locator("#save-problems")
    expect(alert).to_contain_text("Not saved.")
    expect(alert).to_contain_text(says)
    expect(page.get_by_label("Answer", exact=True)).to_have_value(text)  # nothing typed is lost
    assert ORIGINAL_START in RestChat(stack.rest_url).texts(QUESTION)


def test_an_editor_posting_publish_and_a_post_without_csrf_both_fail(context, stack, studio):
    page = sign_in(context.new_page(), studio, "answers_ed")
    open_hurt(page)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    form = {
        "csrf_token": token,
        "text": "Short and plain. It is fine.",
        "action": "publish",
        "sources": "000_3761424d347833e3.txt",
    }
    assert page.request.post(studio + "answers/" + HURT, form=form).status == 403
    restore = {"csrf_token": token, "action": "restore"}
    assert page.request.post(studio + f"answers/{HURT}/versions/1", form=restore).status == 403
    no_token = {k: v for k, v in form.items() if k != "csrf_token"}
    assert page.request.post(studio + "answers/" + HURT, form=no_token).status == 400
    assert ORIGINAL_START in RestChat(stack.rest_url).texts(QUESTION)


def test_every_answer_change_is_in_the_audit_log(context, stack, studio, stack_database):
    page = sign_in(context.new_page(), studio, "answers_admin")
    open_hurt(page)
    page.get_by_label("Answer", exact=True).fill("A few quick pricks. The sting goes away fast.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is live")
    page.goto(studio + "audit")
    rows = page.locator("table.audit tbody tr")
    expect(rows.filter(has_text="answer_publish").first).to_contain_text("answers_admin")
    expect(rows.filter(has_text="answer_draft").first).to_contain_text(HURT)
    with session_scope(session_factory(stack_database)) as work:
        last = work.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert last.action == "answer_publish" and last.after["text"].startswith("A few quick")
        assert last.before["text"].startswith(ORIGINAL_START)


def test_new_questions_are_written_to_the_file_and_ones_read_elsewhere_are_flagged(
    context, stack, studio, stack_content
):
    page = sign_in(context.new_page(), studio, "answers_pub")
    open_hurt(page)
    page.get_by_role("link", name="Example questions for this topic").click()
    box = page.get_by_label("Example questions (one per line)")
    cost_question = "what will one session of this cost me in total"
    box.fill(box.input_value() + "\nwill the little jabs sting a lot\n" + cost_question)
    page.get_by_role("button", name="Publish questions").click()
    expect(page.get_by_role("status").first).to_contain_text("next retrain")
    flag = page.locator(".flash-warning")
    expect(flag).to_have_count(1)
    expect(flag).to_contain_text(cost_question)
    expect(flag).to_contain_text("Cost")
    written = (stack_content / HURT_FILE).read_text()
    assert "    - will the little jabs sting a lot\n" in written and cost_question in written


def test_a_publisher_creates_a_new_topic_in_the_browser(context, stack, studio, stack_content):
    page = sign_in(context.new_page(), studio, "answers_pub")
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Answers").click()
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill("Interpreters")
    page.get_by_label("Example questions (one per line)").fill(
        "\n".join(
            [
                "can i bring an interpreter to my visit",
                "do you offer interpreters",
                "i need an interpreter for my mum",
                "is there a sign language interpreter",
                "can my son translate for me at the appointment",
                "interpreter service available?",
                "can someone translate during the consult",
                "will you book an interpreter for me",
                "i don't speak english well, can i bring a translator",
                "do you have translators",
            ]
        )
    )
    page.get_by_label("Answer", exact=True).fill(
        "You are welcome to bring someone to translate. Call us before your visit if you need help."
    )
    expect(page.locator("#grade")).not_to_have_text("0.0")
    page.get_by_label("clinic.yml").check()
    page.get_by_role("button", name="Publish topic").click()
    expect(page.get_by_role("status").first).to_contain_text("after the next retrain")
    assert "- do you have translators" in (stack_content / NEW_TOPIC_FILE).read_text()
