"""The Rasa server's studio_parse channel: the live model's reading of some texts, only
for callers with the per-run secret, and no conversation stored."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.stack import Stack


def _post(stack: Stack, body: bytes, token: str = "") -> tuple:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/studio_parse/", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_live_model_reads_texts_for_the_studio(stack):
    body = json.dumps({"texts": ["does it hurt?", "how much does it cost", "hello"]}).encode()
    status, answer = _post(stack, body, stack.studio_parse_token)
    assert status == 200
    assert answer["labels"][:2] == ["faq/does_it_hurt", "faq/cost"]
    assert answer["labels"][2] == "greet"


@pytest.mark.parametrize("token", ["", "wrong-" + "x" * 40])
def test_without_the_secret_nothing_is_parsed(stack, token):
    status, answer = _post(stack, b'{"texts": ["does it hurt?"]}', token)
    assert status == 403 and "labels" not in answer


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'{"texts": []}', b'{"texts": [""]}', b'{"texts": [1]}', b"{bad"],
)
def test_malformed_requests_get_a_clear_400(stack, body):
    status, answer = _post(stack, body, stack.studio_parse_token)
    assert status == 400 and "texts" in answer["error"]
