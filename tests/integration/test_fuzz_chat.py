"""Fuzzing the chat entry points of the real Rasa server: REST and socket.io (issue 16, 5).

Malformed, huge, deeply nested, binary, wrong-type and odd-Unicode input, sent to the
shared stack. Each test asserts what a patient relies on: no 5xx, no stack trace or
exception text in an answer, the server still up, and "does it hurt?" answered as usual.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import socketio
from hypothesis import given
from hypothesis import strategies as st

from bot.stack import Stack
from tests.support.fuzz import (
    ORDINARY_ANSWER,
    ORDINARY_QUESTION,
    as_body,
    assert_clean,
    content_types,
    fuzz_settings,
    json_headers,
    json_values,
    malformed_bodies,
    path_segments,
    query_strings,
    send,
    texts,
)
from tests.support.fuzz_corpus import leaks
from tests.support.rest import RestChat

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
RASA_PREFIXES = st.sampled_from(
    ["", "webhooks/rest", "webhooks/rest/webhook", "webhooks/socketio", "socket.io", "model"]
)


def assert_still_answers(stack: Stack) -> None:
    """The server is up and an ordinary question gets its ordinary answer."""
    reply = RestChat(stack.rest_url).texts(ORDINARY_QUESTION)
    assert ORDINARY_ANSWER in reply, reply


def tracebacks(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback (most recent call last)")


@pytest.fixture
def rasa_log_unchanged(stack: Stack) -> Iterator[None]:
    """No new stack trace in the Rasa server's log while the test ran."""
    log = Path(stack.workdir) / "rasa.log"
    before = tracebacks(log)
    yield
    text = log.read_text(errors="replace")
    assert tracebacks(log) == before, text[-3000:]


# --- REST ---------------------------------------------------------------------------------
@fuzz_settings(120)
@given(body=malformed_bodies, content_type=content_types)
def test_rest_malformed_bodies_get_a_clean_4xx(stack: Stack, body: bytes, content_type: str):
    status, answer = send(stack.rest_url, body, {"Content-Type": content_type})
    assert_clean(status, answer, body, "REST")
    assert status >= 400 or body.lstrip().startswith(b"{"), (status, answer[:200])


@fuzz_settings(40)
@given(
    sender=st.one_of(texts, json_values),
    message=st.one_of(texts, texts, json_values),
    metadata=st.one_of(st.none(), json_values),
)
def test_rest_fuzzed_fields(stack: Stack, sender: Any, message: Any, metadata: Any):
    """Right shape, wrong types and odd text: strings that are valid go through NLU."""
    body = as_body({"sender": sender, "message": message, "metadata": metadata})
    status, answer = send(stack.rest_url, body, json_headers())
    assert_clean(status, answer, body, "REST")


def test_rest_still_answers_after_fuzzing(stack: Stack, rasa_log_unchanged: None):
    for text in ("\ud800", "\x00", '/intent{"slot":"v"}', "\u202e" * 999, "é" * 1000):
        status, answer = send(stack.rest_url, as_body({"sender": "f", "message": text}))
        assert_clean(status, answer, what=repr(text[:20]))
    assert_still_answers(stack)


@fuzz_settings(80)
@given(
    method=METHODS,
    prefix=RASA_PREFIXES,
    segments=st.lists(path_segments, max_size=3),
    query=query_strings,
    body=st.one_of(st.none(), malformed_bodies),
)
def test_any_path_on_the_rasa_server(
    stack: Stack, method: str, prefix: str, segments: List[str], query: str, body: Any
):
    path = "/".join([prefix, *segments]).lstrip("/")
    url = f"{stack.rasa_url}/{path}" + (f"?{query}" if query else "")
    status, answer = send(url, body if method not in ("GET", "HEAD") else None, method=method)
    assert_clean(status, answer, (body or b"") + url.encode(), f"{method} /{path[:60]}")


# --- socket.io ----------------------------------------------------------------------------
class OnePostPerEvent(socketio.Client):
    """The test's socket.io client, sending each event in a POST of its own, as the widget can.

    python-engineio's client sends everything queued since its last POST in one POST,
    whatever its size; the server closes a connection whose POST is over its limit (64 KiB,
    ``maxPayload``, bot/channels/socketio.py). The widget's socket.io-client splits a batch
    at ``maxPayload``. So while the server was slow (load), this client packed several
    ~20 KB fuzzed events into one POST of more than 64 KiB: the server closed the connection,
    the client's writer stopped silently, ``connected`` stayed True for up to a ping
    interval, and the question of test_socketio_still_answers_after_fuzzing never reached Rasa.
    ``emit`` now returns once its event is sent, and fails if the server closed the connection.
    """

    SEND_TIMEOUT_S = 60.0

    def emit(self, event: str, data: Any = None, namespace: Any = None, callback: Any = None):
        super().emit(event, data, namespace=namespace, callback=callback)
        engine = self.eio
        deadline = time.monotonic() + self.SEND_TIMEOUT_S
        while engine.queue.unfinished_tasks and engine.write_loop_task is not None:
            assert time.monotonic() < deadline, f"{event!r} not sent in {self.SEND_TIMEOUT_S} s"
            time.sleep(0.01)
        assert engine.write_loop_task is not None, f"connection closed sending {event!r}"


@pytest.fixture(scope="module")
def widget(stack: Stack) -> Iterator[Dict[str, Any]]:
    """One socket.io connection, as the widget opens it, and what the server emitted."""
    received: List[Any] = []
    # request_timeout: the widget's requests have none; engine.io's 5 s default would end
    # the connection whenever the busy server takes longer to answer a POST.
    client = OnePostPerEvent(reconnection=False, request_timeout=60)
    client.on("bot_uttered", received.append)
    client.on("session_confirm", received.append)
    client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    yield {"client": client, "received": received}
    client.disconnect()


SOCKET_EVENTS = st.sampled_from(
    ["user_uttered", "session_request", "rate_answer", "unknown", "connect"]
)
socket_payloads = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"message": st.one_of(texts, json_values), "session_id": st.one_of(texts, json_values)},
        optional={"customData": json_values},
    ),
    st.fixed_dictionaries(  # a thumbs up or down (bot/channels/ratings.py)
        {
            "answer": st.one_of(texts, json_values),
            "value": st.one_of(st.sampled_from(["up", "down"]), texts, json_values),
            "session_id": st.one_of(texts, json_values),
        }
    ),
)


@fuzz_settings(60)
@given(event=SOCKET_EVENTS, data=socket_payloads)
def test_socketio_fuzzed_events(widget: Dict[str, Any], event: str, data: Any):
    client: socketio.Client = widget["client"]
    client.emit(event, data)
    assert client.connected


def test_socketio_still_answers_after_fuzzing(
    stack: Stack, widget: Dict[str, Any], rasa_log_unchanged: None
):
    client: socketio.Client = widget["client"]
    received: List[Any] = widget["received"]
    time.sleep(2)  # the fuzzed events are handled in the background
    for item in received:
        assert not leaks(repr(item).encode()), item
    session = uuid.uuid4().hex
    client.emit("session_request", {"session_id": session})
    before = len(received)
    client.emit("user_uttered", {"session_id": session, "message": ORDINARY_QUESTION})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(ORDINARY_ANSWER in str(item) for item in received[before:]):
            break
        time.sleep(0.1)
    assert any(ORDINARY_ANSWER in str(item) for item in received[before:]), received[before:]
    assert_still_answers(stack)


@fuzz_settings(60)
@given(query=query_strings, body=st.one_of(st.none(), malformed_bodies), method=METHODS)
def test_socketio_transport_with_raw_malformed_packets(
    stack: Stack, query: str, body: Any, method: str
):
    """The Engine.IO HTTP transport itself: wrong query, sid, protocol and packets."""
    url = f"{stack.rasa_url}/socket.io/?{query or 'EIO=4&transport=polling&sid=x'}"
    status, answer = send(url, body if method not in ("GET", "HEAD") else None, method=method)
    assert_clean(status, answer, (body or b"") + url.encode(), "socket.io transport")
