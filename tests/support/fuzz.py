"""Hypothesis strategies and checks for the fuzz tests of every entry point.

Reproducible on purpose: ``derandomize=True`` (the examples follow from the test's
code, not from a clock or a seed file) and no example database, so a failure found
once is found on every run and every machine; ``max_examples`` keeps `make test` short.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import Any, Dict, Mapping, Optional, Tuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.fuzz_corpus import (
    NASTY_TEXTS,
    leaks,
    nested,
    nested_object,
    quoted,
    to_json,
)

ORDINARY_QUESTION = "does it hurt?"
ORDINARY_ANSWER = "pin-pricks"  # from data/faq/does_it_hurt.yml


def fuzz_settings(max_examples: int) -> settings:
    """Fixed examples, no deadline (a real server on 2 shared cores), no example database."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- strategies ---------------------------------------------------------------------------
# Every code point, with the odd classes weighted up: surrogates (Cs; clients can send
# them as \ud800), controls, format characters (RTL overrides), combining marks, unassigned.
any_char = st.one_of(
    st.characters(), st.characters(categories=["Cs", "Cc", "Cf", "Mn", "Co", "Cn"])
)
texts = st.one_of(
    st.sampled_from(NASTY_TEXTS),
    st.text(any_char, max_size=80),
    st.text(any_char, min_size=900, max_size=1100),  # around the 1,000-character limit
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY_TEXTS), st.text(any_char, max_size=20)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(texts, children, max_size=5)
    ),
    max_leaves=15,
)
malformed_bodies = st.one_of(
    st.binary(max_size=512),
    st.sampled_from(
        [b"", b"null", b"[]", b'"s"', b"{", b"{}", b"NaN", b"\xff\xfe\x00", b"\xed\xa0\x80"]
    ),
    st.sampled_from([nested(30_000), nested(2_000, "{", "}"), nested_object(5_000)]),
    st.sampled_from([b"x" * 70_000, b'{"message": "' + b"a" * 300_000 + b'"}']),
    json_values.map(to_json),
)
# Header values http.client will send: printable latin-1 (the server decodes latin-1).
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60).filter(
    lambda value: "\x7f" not in value
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain; charset=utf-16",
        "application/json; charset=latin-1",
        "",
    ]
)


path_segments = st.one_of(
    st.sampled_from(["..", "%2e%2e", "%00", "%ff", "%ed%a0%80", "//", ";", "~", "%2F"]),
    texts.map(quoted).filter(lambda s: len(s) < 2000),
)
query_strings = st.dictionaries(st.text(any_char, max_size=10), texts, max_size=4).map(
    lambda items: "&".join(f"{quoted(k)}={quoted(v)}" for k, v in items.items())
)


# --- sending and judging ------------------------------------------------------------------
def send(
    url: str,
    body: Optional[bytes] = None,
    headers: Optional[Mapping[str, str]] = None,
    method: str = "POST",
    timeout: float = 60,
) -> Tuple[int, bytes]:
    """One request; any HTTP status is an answer, a dropped connection is an error."""
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except http.client.InvalidURL:
        return 0, b""  # the client refused to send it: nothing reached the server


def assert_clean(status: int, body: bytes, sent: bytes = b"", what: str = "") -> None:
    """No 5xx, and no stack trace or exception text that the request did not contain."""
    assert status < 500, f"{what}: HTTP {status}: {body[:400]!r}"
    found = leaks(body, sent)
    assert not found, f"{what}: the answer shows internals {found}: {body[:400]!r}"


def json_headers(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    return {"Content-Type": "application/json", **(extra or {})}


def as_body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else to_json(value)
