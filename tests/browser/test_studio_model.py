"""The studio's Model page in Debian's chromium against the real stack (issue 11's layer 4):
a change that fails a gate is not published and the page says why, in Rasa's own words;
publishing a model that passed and rolling back to the one the server started with keep
every patient answered (REST senders chat throughout both swaps)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from bot.bookings.db import session_factory, session_scope
from bot.stack import Stack
from bot.studio import accounts
from bot.studio.training.models import ModelPublication, TrainingRun
from tests.integration.test_model_swap import Patients, _live

pytestmark = [pytest.mark.browser]

NAME, PASSWORD = "retrain_pub", "publisher passphrase for retraining"
BAD_STORY = "data/rules/zz_broken_by_test.yml"


def signed_in_publisher(context, stack: Stack, database: str, name: str, password: str) -> Page:
    """A new page signed in to the studio as publisher ``name`` (created when missing)."""
    with session_scope(session_factory(database)) as work:
        if accounts.find_user(work, name) is None:
            accounts.create_user(work, name, "publisher", password, "test")
    page = context.new_page()
    page.goto(stack.web_url + "staff/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    return page


@pytest.fixture
def publisher(stack: Stack, stack_database: str, context, stack_content: Path) -> Iterator[Page]:
    yield signed_in_publisher(context, stack, stack_database, NAME, PASSWORD)
    # The shared stack's content as the files have it, for every other test.
    (stack_content / BAD_STORY).unlink(missing_ok=True)


def _open_model_page(page: Page) -> None:
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Model").click()
    expect(page.get_by_role("heading", name="Assistant model")).to_be_visible()


def _wait_for_run_end(page: Page, timeout_s: float) -> str:
    """The run's end state, as the page shows it once its script reloads it."""
    deadline = time.monotonic() + timeout_s
    section = page.locator("#latest-run")
    while time.monotonic() < deadline:
        state = section.get_attribute("data-state")
        if state != "running":
            return str(state)
        page.wait_for_timeout(3000)
    raise AssertionError("the training run did not end in time")


def test_a_change_that_fails_a_gate_is_not_published_and_the_page_says_why(
    stack: Stack, stack_content: Path, publisher: Page
):
    (stack_content / BAD_STORY).write_text(
        'version: "3.1"\nrules:\n- rule: broken on purpose\n  steps:\n'
        "  - intent: no_such_intent_anywhere\n  - action: utter_no_such_response\n",
        encoding="utf-8",
    )
    live_before = _live(stack)
    _open_model_page(publisher)
    publisher.get_by_role("button", name="Train a new model").click()
    expect(publisher.get_by_role("heading", name="Training run")).to_be_visible()
    assert _wait_for_run_end(publisher, 10 * 60) == "failed"
    problems = publisher.locator("#run-problems")
    expect(problems).to_contain_text("The training data has problems")
    expect(problems).to_contain_text("no_such_intent_anywhere")  # Rasa's words, shown
    expect(publisher.get_by_role("button", name="Publish this model")).to_have_count(0)
    publisher.locator("summary", has_text="Log").click()
    expect(publisher.locator("#run-log")).to_contain_text(
        "Project validation completed with errors"
    )
    assert _live(stack) == live_before


COPY = "pit-00000000feed.tar.gz"


def test_publishing_and_rolling_back_keep_every_patient_answered(
    stack: Stack, stack_database: str, stack_models: Path, publisher: Page
):
    """The Publish and Roll back buttons under load, on a run that passed (the live model's
    content under another name, so the answers are the same either side of the swap)."""
    shutil.copy(stack.model, stack_models / COPY)
    start_model = _live(stack)
    with session_scope(session_factory(stack_database)) as work:
        work.execute(delete(ModelPublication))
        run = TrainingRun(
            started_by=NAME,
            state="passed",
            stage="stories",
            progress=1.0,
            fingerprint=COPY[4:16],
            model_file=COPY,
            live_model_file=start_model,
            problems=[],
            report={},
        )
        work.add(run)
    page = publisher
    _open_model_page(page)
    expect(page.locator("#run-state")).to_contain_text("Passed every check")
    with Patients(stack) as patients:
        # The form answers once the new model answers (the click waits for that page).
        page.get_by_role("button", name="Publish this model").click(timeout=600_000)
        expect(page.locator(".flash-success")).to_contain_text("Published")
        time.sleep(1.0)
    assert patients.failures == [] and patients.answers
    assert len(set(patients.answers)) == 1  # whole answers, the same before and after
    assert _live(stack) == COPY
    history = page.locator("section", has=page.get_by_role("heading", name="Models that were live"))
    expect(history).to_contain_text("the model the server started with")

    with Patients(stack) as patients:
        history.locator("tr", has_text=start_model).get_by_role(
            "button", name="Roll back to this model"
        ).click(timeout=600_000)
        expect(page.locator(".flash-success")).to_contain_text("Rolled back")
    assert patients.failures == [] and len(set(patients.answers)) == 1
    assert _live(stack) == start_model
    with session_scope(session_factory(stack_database)) as work:
        kinds = [p.kind for p in work.execute(select(ModelPublication)).scalars()]
    assert kinds == ["started", "publish", "rollback"]
