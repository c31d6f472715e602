"""The Rasa server's studio_model channel: which model answers, and a swap that keeps
answering. Patients chat over REST while the server loads another model file; none of
their requests may fail, and every answer is a whole answer."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from bot.stack import Stack
from tests.support.rest import RestChat

COPY = "pit-00000000c0de.tar.gz"
BROKEN = "pit-0000000badf0.tar.gz"
SECOND = "pit-00000000c0d2.tar.gz"


def _call(stack: Stack, body: Optional[bytes], token: Optional[str] = None) -> Tuple[int, dict]:
    token = stack.studio_model_token if token is None else token
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/studio_model/",
        data=body,
        headers=headers,
        method="GET" if body is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _live(stack: Stack) -> str:
    status, answer = _call(stack, None)
    assert status == 200, answer
    return answer["model"]


def _swap(stack: Stack, name: str, timeout: float = 600) -> Tuple[int, dict]:
    """Ask for ``name`` (202: loading in the background), then wait until it is done;
    the status and the server's last report."""
    code, answer = _call(stack, json.dumps({"model": name}).encode())
    if code != 202:
        return code, answer
    assert answer == {"loading": name}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.5)
        status, now = _call(stack, None)
        if status == 200 and not now["loading"]:
            return 200, {**now["last"], "live": now["model"]}
    raise AssertionError(f"{name} was still loading after {timeout} s")


@pytest.mark.parametrize("token", ["", "wrong-" + "x" * 40])
def test_without_the_secret_nothing_is_told_or_loaded(stack, token):
    assert _call(stack, None, token)[0] == 403
    assert _call(stack, json.dumps({"model": stack.model.name}).encode(), token)[0] == 403


@pytest.mark.parametrize(
    "body, status",
    [
        (b"", 400),
        (b"{bad", 400),
        (b"[]", 400),
        (b'{"model": "../../etc/passwd"}', 400),
        (b'{"model": "/tmp/pit-000000000000.tar.gz"}', 400),
        (b'{"model": "pit-ffffffffffff.tar.gz"}', 404),
        (b'{"model": "' + b"x" * 5000 + b'"}', 413),
    ],
)
def test_malformed_or_unknown_models_are_refused_clearly(stack, body, status):
    code, answer = _call(stack, body)
    assert code == status and answer["error"]
    assert _live(stack) == stack.model.name


def test_a_second_load_waits_for_the_first(stack, stack_models: Path):
    shutil.copy(stack.model, stack_models / SECOND)
    try:
        first, _ = _call(stack, json.dumps({"model": SECOND}).encode())
        again, answer = _call(stack, json.dumps({"model": stack.model.name}).encode())
        assert first == 202 and again == 409 and SECOND in answer["error"]
    finally:
        _swap_back(stack)


def _swap_back(stack: Stack) -> None:
    deadline = time.monotonic() + 600
    while _call(stack, None)[1]["loading"] and time.monotonic() < deadline:
        time.sleep(0.5)
    code, answer = _swap(stack, stack.model.name)
    assert code == 200 and _live(stack) == stack.model.name, answer


def test_the_live_model_is_told_and_asking_for_it_again_loads_nothing(stack):
    assert _live(stack) == stack.model.name
    code, answer = _call(stack, json.dumps({"model": stack.model.name}).encode())
    assert code == 200 and answer == {"model": stack.model.name, "seconds": 0.0}


class Patients:
    """A few REST senders chatting without pause; counts what failed."""

    def __init__(self, stack: Stack, senders: int = 4) -> None:
        self.stack = stack
        self.stop = threading.Event()
        self.answers: List[str] = []
        self.failures: List[str] = []
        self.threads = [threading.Thread(target=self._chat) for _ in range(senders)]

    def _chat(self) -> None:
        while not self.stop.is_set():
            try:
                self.answers.append(RestChat(self.stack.rest_url).texts("does it hurt?"))
            except Exception as error:  # noqa: BLE001 - counted: the test fails on any
                self.failures.append(repr(error))

    def __enter__(self) -> "Patients":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def test_a_swap_keeps_answering_every_patient(stack, stack_models: Path):
    shutil.copy(stack.model, stack_models / COPY)  # same content under another name
    try:
        with Patients(stack) as patients:
            time.sleep(1.0)
            before = len(patients.answers)
            code, answer = _swap(stack, COPY)
            during = len(patients.answers) - before
            time.sleep(1.0)
        assert code == 200 and answer["live"] == COPY and answer["error"] is None
        assert answer["model"] == COPY and answer["seconds"] > 0
        assert patients.failures == []
        assert during > 0, "no patient was answered while the new model loaded"
        expected = patients.answers[0]
        assert expected and all(text == expected for text in patients.answers)
    finally:
        _swap_back(stack)


def test_a_model_that_cannot_load_leaves_the_live_one_answering(stack, stack_models: Path):
    before = RestChat(stack.rest_url).texts("does it hurt?")
    (stack_models / BROKEN).write_bytes(b"this is not a model archive")
    code, answer = _swap(stack, BROKEN)
    assert code == 200 and answer["model"] == BROKEN and "loading failed" in answer["error"]
    assert answer["live"] == stack.model.name
    assert before and RestChat(stack.rest_url).texts("does it hurt?") == before
