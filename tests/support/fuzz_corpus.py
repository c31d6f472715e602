"""Hostile inputs shared by the fuzz tests (with Hypothesis) and bench/fuzz_bench.py
(with a seeded ``random.Random``), and the check that an answer leaks no internals.

Why one module: the tests and the benchmark must throw the same kinds of input at
the servers, and judge the answers by the same rule.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from typing import Any, Dict, List, Tuple

# Strings that have broken chat servers somewhere: forged intents, markup, SQL, format
# strings, NUL, lone surrogates, direction overrides, zero-width and combining marks.
NASTY_TEXTS: List[str] = [
    '/intent{"slot":"v"}',
    '/request_booking{"request_consent": true, "request_name": "x"}',
    '/ask_topic{"topic": "../../etc/passwd"}',
    "/affirm",
    "/restart",
    "/session_start",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE events; --",
    "' OR '1'='1",
    "Robert'); DELETE FROM booking_requests;--",
    "{{7*7}} ${7*7} {0} %s %(x)s %n",
    "${jndi:ldap://127.0.0.1/a}",
    "../../../../etc/passwd",
    "line one\r\nSet-Cookie: owned=1",
    "nul\x00byte",
    "\x00",
    "lone \ud800 surrogate",
    "\udfff",
    "rtl \u202egnp.exe\u202c override",
    "zero\u200bwidth\u200d\ufeffbom",
    "Z\u0351\u0354a\u0337\u0322l\u0336g\u0335\u0327o\u0338" * 8,
    "e\u0301" * 200,
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f525" * 20,
    "ｄｏｅｓ ｉｔ ｈｕｒｔ？",
    "\u0644\u0627 \u05e9\u05dc\u05d5\u05dd \u4f60\u597d \u3053\u3093\u306b\u3061\u306f",
    "\t\n\r\x0b\x0c \u00a0\u2028\u2029",
    "\x1b[31mred\x1b[0m \x07\x08",
    "NaN",
    "-1e999999",
    "a" * 1001,
    " ",
    "",
]

# What a Python stack trace or exception text looks like in a response body.
_LEAK_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"site-packages"),
    re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Interrupt|Exit): "),
    re.compile(r"<class '[\w.]+'>"),
]


def leaks(body: bytes, sent: bytes = b"") -> List[str]:
    """Stack-trace or exception text in ``body`` that was not in the request itself
    (a page may echo what was typed: that is not a leak)."""
    text = body.decode("utf-8", "replace")
    echoed = sent.decode("utf-8", "replace")
    return [
        match.group(0)
        for pattern in _LEAK_PATTERNS
        for match in [pattern.search(text)]
        if match and match.group(0) not in echoed
    ]


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    """JSON nested ``depth`` deep: Python's parser hits its recursion limit near 1,000."""
    return (opener * depth + closer * depth).encode()


def nested_object(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def to_json(value: Any) -> bytes:
    """JSON as a client would send it; lone surrogates survive as \\ud800 escapes."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


# --- the same kinds of input from a seeded random.Random (for the benchmark) -------------
def random_text(rng: random.Random, max_chars: int = 300) -> str:
    """A nasty string, random code points (surrogates included), or a mix of both."""
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(NASTY_TEXTS)
    length = rng.randint(0, max_chars)
    if roll < 0.7:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(length))
    words = ["does", "it", "hurt", "my", "knee", "book", "yes", "no", "\u202e", "\x00"]
    return " ".join(rng.choice(words + NASTY_TEXTS[:8]) for _ in range(rng.randint(1, 12)))


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value: wrong types where strings are expected, nesting, huge numbers."""
    roll = rng.random()
    if depth > 4 or roll < 0.45:
        return rng.choice(
            [
                None,
                True,
                False,
                0,
                -1,
                2**64,
                10**400,
                1.5,
                float("inf"),
                float("nan"),
                random_text(rng, 40),
            ]
        )
    if roll < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, 12): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def random_body(rng: random.Random) -> bytes:
    """A request body that is malformed in one of the usual ways."""
    roll = rng.random()
    if roll < 0.2:
        return rng.randbytes(rng.randint(0, 2048))
    if roll < 0.3:
        return nested(rng.choice([100, 5_000, 30_000]))
    if roll < 0.35:
        return nested_object(rng.choice([100, 5_000]))
    if roll < 0.4:
        return b"x" * rng.choice([70_000, 300_000])
    if roll < 0.5:
        return rng.choice([b"", b"null", b"[]", b'"s"', b"{", b"{}", b"NaN", b"\xff\xfe"])
    return to_json(random_json(rng))


# --- structural mutation: a valid payload with one part replaced ---------------------------
Path = Tuple[Any, ...]


def paths(value: Any, prefix: Path = ()) -> List[Path]:
    """Every place in a JSON value (keys and list positions), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value: Any, path: Path, new: Any) -> Any:
    """A copy of ``value`` with the part at ``path`` replaced by ``new``."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: replaced(value[head], rest, new)}
    return [replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]


# --- URLs --------------------------------------------------------------------------------
def quoted(text: str) -> str:
    """A path segment or query value as raw bytes (lone surrogates become invalid UTF-8)."""
    return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")


ODD_SEGMENTS = ["..", "%2e%2e", "%00", "%ff", "%ed%a0%80", "", ";", "~", "%2F", "a" * 3000]


def random_path(rng: random.Random, prefixes: List[str]) -> str:
    """A path under one of ``prefixes`` with odd or random segments, and a random query."""
    segments = [rng.choice(prefixes)]
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.4:
            segments.append(rng.choice(ODD_SEGMENTS))
        else:
            segments.append(quoted(random_text(rng, 30)))
    path = "/".join(s.strip("/") for s in segments)
    if rng.random() < 0.5:
        query = {random_text(rng, 8): random_text(rng, 40) for _ in range(rng.randint(1, 3))}
        path += "?" + "&".join(f"{quoted(k)}={quoted(v)}" for k, v in query.items())
    return path


def form_body(fields: Dict[str, str]) -> bytes:
    """A form as a browser sends it; lone surrogates become invalid UTF-8 bytes."""
    return "&".join(f"{quoted(k)}={quoted(v)}" for k, v in fields.items()).encode()
