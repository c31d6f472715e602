"""The whole loop of issues 11 and 12 in Debian's chromium, on the real stack, nothing
stood in for: phrasings the live model misreads reach the inbox (each patient says "that's
not what I asked"); a publisher adds them to their topic from the inbox and adds one more
question by hand on the topic's page; the studio trains a model on that content (a quick
training, starting from the live model) and runs every gate; the model is published while
REST patients keep chatting, none of them failing; and new patients typing the same words
now get the topic's answer.

A full training and its gates take several minutes, so this is one test. Afterwards the
server runs its first model again and the topic's file is as it was, for the tests after it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from bot.bookings.db import session_factory, session_scope
from bot.model_store import quick_model_name
from bot.stack import Stack
from bot.studio.models import ExampleVersion
from bot.studio.training.models import ModelPublication, TrainingRun
from tests.browser.test_studio_model import (
    _open_model_page,
    _wait_for_run_end,
    signed_in_publisher,
)
from tests.integration.test_inbox_live import _stored
from tests.integration.test_model_swap import Patients, _live
from tests.support.fuzz_studio import signed_in_admin
from tests.support.rest import RestChat

pytestmark = [pytest.mark.browser]

NAME, PASSWORD = "loop_pub", "publisher passphrase for the whole loop"
TOPIC = "faq/how_many_sessions"
TOPIC_TITLE = "How many sessions"
TOPIC_FILE = Path("data") / "faq" / "how_many_sessions.yml"
REFERENCE = "how many sessions will I need?"
# Written for this test (not taken from any training or test file): asking how many
# sessions it takes, in words the model CI trains read as another topic on 2026-12-05
# (an AVX-512 + AMX machine). Models trained on other CPU kinds differ a little, so the
# test uses the first three that the live model misreads.
CANDIDATES = [
    "am I signing up for a marathon of appointments or a sprint",
    "is this a single visit thing or a long haul",
    "what's the commitment like, visit-wise",
    "do people get away with just the one round",
    "will I be a regular fixture at your clinic for months",
    "punch card situation or one and done",
]
NEEDED = 3  # two added from the inbox, one typed on the topic's page
NOT_WHAT_I_ASKED = "that's not what I asked"
TRAINING_TIMEOUT_S = 40 * 60
SWAP_TIMEOUT_MS = 600_000


def _topics_of(database: str, senders: List[str]) -> Dict[str, str]:
    """The topic each conversation's first patient message was answered with."""
    stored = _stored(database, senders, typed=dict.fromkeys(senders, 1))
    return {sender: messages[0].topic for sender, messages in stored.items()}


@pytest.fixture
def publisher(stack: Stack, stack_database: str, context) -> Page:
    return signed_in_publisher(context, stack, stack_database, NAME, PASSWORD)


@pytest.fixture
def restored(stack: Stack, stack_database: str, stack_content: Path) -> Iterator[None]:
    """After the test: the server's first model again, the topic's file as it was and no
    studio versions of its questions."""
    start_model = _live(stack)
    original = (stack_content / TOPIC_FILE).read_bytes()
    yield
    (stack_content / TOPIC_FILE).write_bytes(original)
    with session_scope(session_factory(stack_database)) as work:
        work.execute(delete(ExampleVersion))
    if _live(stack) != start_model:
        with session_scope(session_factory(stack_database)) as work:
            back_to = work.execute(
                select(ModelPublication.id)
                .where(ModelPublication.model_file == start_model)
                .order_by(ModelPublication.id.desc())
            ).scalar()
        assert back_to is not None
        staff = signed_in_admin(stack_database, stack.web_url)
        response = staff.post(
            f"models/rollback/{back_to}",
            {"csrf_token": staff.token("models")},
            timeout=SWAP_TIMEOUT_MS / 1000,
        )
        assert response.status_code == 302
    assert _live(stack) == start_model


def _misread(stack: Stack, database: str) -> Dict[str, str]:
    """The first NEEDED candidates the live model answers with another topic, each
    followed by the patient's "that's not what I asked": text -> the patient's sender id."""
    chats = {text: RestChat(stack.rest_url) for text in CANDIDATES}
    for text, chat in chats.items():
        chat.send(text)
    topics = _topics_of(database, [chat.sender for chat in chats.values()])
    misread = [t for t, chat in chats.items() if topics[chat.sender] not in (TOPIC, "red_flag")]
    assert len(misread) >= NEEDED, f"the live model reads these right, write new ones: {topics}"
    for text in misread[:NEEDED]:
        chats[text].send(NOT_WHAT_I_ASKED)
    return {text: chats[text].sender for text in misread[:NEEDED]}


def _add_from_inbox(page: Page, texts: List[str]) -> None:
    """Select every inbox group holding one of ``texts``, add them to TOPIC, publish."""
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    for text in texts:
        row = page.locator("tr.inbox-group", has_text=text)
        expect(row).to_have_count(1)
        row.get_by_role("checkbox").check()
    page.locator("select[name=topic]").select_option(label=TOPIC_TITLE)
    page.get_by_label("Publish now (otherwise a draft)").check()
    page.get_by_role("button", name="Add to the topic").click()
    # (a group may hold another candidate the model misread: it is added with them)
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text(f"example(s) added to “{TOPIC_TITLE}”")
    expect(flash).to_contain_text("published")
    for text in texts:
        expect(page.locator("tr.inbox-group", has_text=text)).to_have_count(0)


def _add_by_hand(page: Page, text: str) -> None:
    """On the topic's page: one more example question, published."""
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Answers").click()
    page.get_by_role("link", name=TOPIC_TITLE, exact=True).click()
    page.get_by_role("link", name="Example questions for this topic").click()
    box = page.get_by_label("Example questions (one per line)")
    box.fill(box.input_value().rstrip("\n") + "\n" + text)
    page.get_by_role("button", name="Publish questions").click()
    expect(page.get_by_role("status").first).to_contain_text("next retrain")


def test_phrasings_added_in_the_studio_are_answered_right_after_a_retrain_and_publish(
    stack: Stack, stack_database: str, stack_content: Path, publisher: Page, restored: None
):
    # 1. The live model misreads them, and each patient says so: they reach the inbox.
    chosen = _misread(stack, stack_database)
    phrasings = list(chosen)
    senders = list(chosen.values())
    stored = _stored(stack_database, senders, typed=dict.fromkeys(senders, 2))
    firsts = [stored[sender][0] for sender in senders]
    assert [m.text for m in firsts] == phrasings
    assert all(m.rephrased and m.needs_review and m.status == "open" for m in firsts), [
        (m.rephrased, m.needs_review, m.status, m.topic, m.outcome) for m in firsts
    ]

    # 2. A publisher adds two from the inbox and types the third on the topic's page.
    page = publisher
    _add_from_inbox(page, phrasings[:2])
    _add_by_hand(page, phrasings[2])
    written = (stack_content / TOPIC_FILE).read_text(encoding="utf-8")
    assert all(f"    - {text}\n" in written for text in phrasings)

    # 3. The studio trains on that content and runs every gate; the page compares labels.
    with session_scope(session_factory(stack_database)) as work:
        earlier = work.execute(select(TrainingRun.id).order_by(TrainingRun.id.desc())).scalar()
    _open_model_page(page)
    page.get_by_role("button", name="Train a new model").click()
    expect(page.locator("#run-heading")).to_have_text(f"Training run {(earlier or 0) + 1}")
    state = _wait_for_run_end(page, TRAINING_TIMEOUT_S)
    problems = page.locator("#run-problems")
    assert state == "passed", problems.all_inner_texts() or page.locator("#run-log").inner_text()
    expect(page.locator("#run-state")).to_contain_text("Passed every check")
    start_model = _live(stack)
    expect(page.locator("#run-training")).to_have_text(
        f"Quick training, starting from {start_model}."
    )
    comparison = page.locator("table.comparison").first
    expect(comparison.locator("tr", has_text=TOPIC)).to_have_count(1)
    with session_scope(session_factory(stack_database)) as work:
        run = work.execute(select(TrainingRun).order_by(TrainingRun.id.desc())).scalars().first()
        assert run is not None
        model_file = run.model_file
        assert run.report["training"] == {"kind": "quick", "from": start_model}
        assert model_file == quick_model_name(run.fingerprint, Path(start_model))

    # 4. Published while patients chat: not one of their requests fails.
    with Patients(stack) as patients:
        page.get_by_role("button", name="Publish this model").click(timeout=SWAP_TIMEOUT_MS)
        expect(page.locator(".flash-success")).to_contain_text("Published")
        time.sleep(1.0)
    assert patients.failures == [] and patients.answers
    assert _live(stack) == model_file

    # 5. New patients typing the same words now get the topic's answer.
    again = [RestChat(stack.rest_url) for _ in phrasings]
    replies = [chat.texts(text) for chat, text in zip(again, phrasings, strict=True)]
    reference = RestChat(stack.rest_url)
    expected = reference.texts(REFERENCE)
    topics = _topics_of(stack_database, [chat.sender for chat in again] + [reference.sender])
    assert set(topics.values()) == {TOPIC}, topics
    assert replies == [expected] * len(phrasings)
