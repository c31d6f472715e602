"""bot/untrusted_json.py: every way outside JSON can be broken is one NotJSON."""

from __future__ import annotations

import pytest

from bot.untrusted_json import NotJSON, untrusted_json
from tests.support.fuzz_corpus import nested, nested_object


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"\xff\xfe{}", "{'single': 1}", b"NaN-ish", nested(30_000), nested_object(10_000)],
    ids=["empty", "cut", "not-utf8", "python-repr", "garbage", "deep-lists", "deep-objects"],
)
def test_broken_input_is_not_json(data):
    with pytest.raises(NotJSON):
        untrusted_json(data)


def test_not_json_is_a_value_error_for_callers_that_catch_those():
    assert issubclass(NotJSON, ValueError)


@pytest.mark.parametrize(
    "data, value",
    [(b'{"sender": "a", "message": "hi"}', {"sender": "a", "message": "hi"}), ("null", None)],
)
def test_valid_json_is_read_as_json(data, value):
    assert untrusted_json(data) == value
