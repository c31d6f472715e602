"""The kept session rows stay within their budget of characters, oldest conversation first."""

from __future__ import annotations

from rasa.shared.core.events import SlotSet

from bot.session_rows import SessionRows, SessionRowsCache


def _event(text: str) -> SlotSet:
    return SlotSet("condition", text, timestamp=2.0)


def _entry(*texts: str, start: float = 1.0) -> SessionRows:
    entry = SessionRows(session_start=start)
    entry.extend([(i + 1, _event(t), len(t)) for i, t in enumerate(texts)])
    return entry


def test_rows_are_kept_in_order_with_their_size():
    entry = _entry("ab", "cde")
    assert (entry.ids, entry.chars, entry.last_id) == ([1, 2], 5, 2)
    assert [e.value for e in entry.events] == ["ab", "cde"]


def test_the_least_recently_used_conversation_goes_first():
    cache = SessionRowsCache(budget_chars=10)
    cache.put("a", _entry("aaaa"))
    cache.put("b", _entry("bbbb"))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", _entry("cccc"))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    assert cache.chars == 8


def test_growing_counts_against_the_budget():
    cache = SessionRowsCache(budget_chars=10)
    cache.put("a", _entry("aaaa"))
    cache.put("b", _entry("bbbb"))
    entry = cache.get("b")
    cache.grow("b", entry, [(3, _event("xyz"), 3)])
    assert [e.value for e in entry.events] == ["bbbb", "xyz"]
    assert cache.get("a") is None and cache.chars == 7


def test_a_conversation_bigger_than_the_budget_or_empty_is_not_kept():
    cache = SessionRowsCache(budget_chars=5)
    cache.put("big", _entry("123456"))
    cache.put("empty", SessionRows(session_start=None))
    assert len(cache) == 0 and cache.chars == 0
    cache.put("a", _entry("abc"))
    cache.grow("a", cache.get("a"), [(2, _event("defg"), 4)])
    assert len(cache) == 0 and cache.chars == 0


def test_replacing_and_dropping_keep_the_count_right():
    cache = SessionRowsCache(budget_chars=100)
    cache.put("a", _entry("aaaa"))
    cache.put("a", _entry("aa"))
    assert cache.chars == 2
    cache.drop("a")
    cache.drop("a")
    assert cache.chars == 0 and len(cache) == 0
