"""Is a message written in another language than English?

Why: the assistant answers in English only, and a message in Spanish or Chinese used to
get a PIT topic picked from a few look-alike letters. Non-English messages get a short
English reply with the clinic's phone instead (and red flags are still checked first).

How, and guarded for short and messy messages (patients write "thx", "siatica??", names):
1. Mostly non-Latin letters (Chinese, Arabic, Cyrillic, ...) -> not English.
2. Fewer than MIN_WORDS words, or a name in capitals ("Pedro Alvarez") -> English (too
   little to judge; the model handles it).
3. Most words are known English words -> English (typos and slang keep enough of them).
4. Otherwise lingua-language-detector (models ship inside the wheel, nothing downloads)
   must find English unlikely.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, List, Optional, Set

from bot.nlp.fuzzy import english_words

MIN_WORDS = 3
KNOWN_ENGLISH_SHARE = 0.5  # more than this share of known English words -> English
MAX_NAME_WORDS = 4
MAX_ENGLISH_CONFIDENCE = 0.15  # lingua's English confidence must be below this
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _letters(text: str) -> List[str]:
    return [c for c in text if c.isalpha()]


def _latin_share(text: str) -> float:
    letters = _letters(text)
    if not letters:
        return 1.0
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return latin / len(letters)


def _squeezed(word: str) -> str:
    """'heyyy' -> 'hey', 'sooo' -> 'so': letters stretched for emphasis."""
    return re.sub(r"(.)\1{2,}", r"\1", word)


def _looks_like_a_name(text: str, words: List[str]) -> bool:
    """ "Pedro Alvarez", "Maria Gonzalez Ruiz": a patient's name, not a foreign sentence."""
    raw = _WORD_RE.findall(text)
    return len(raw) <= MAX_NAME_WORDS and all(w[:1].isupper() for w in raw) and "?" not in text


class LanguageCheck:
    """Decides "not English" for a message; English whenever in doubt."""

    def __init__(self, known_words: Optional[Set[str]] = None) -> None:
        self._known = known_words if known_words is not None else english_words()
        self._detector: Any = None  # lingua's LanguageDetector, built on first use

    def _english_confidence(self, text: str) -> float:
        if self._detector is None:
            from lingua import LanguageDetectorBuilder

            # Low-accuracy mode: trigram models only (about 80 MB for every Latin-script
            # language, vs several hundred MB); rules 2 and 3 cover the short texts it is
            # weak on.
            self._detector = (
                LanguageDetectorBuilder.from_all_languages_with_latin_script()
                .with_low_accuracy_mode()
                .with_preloaded_language_models()
                .build()
            )
        from lingua import Language

        return float(self._detector.compute_language_confidence(text, Language.ENGLISH))

    def warm_up(self) -> None:
        self._english_confidence("warm up")

    def is_foreign(self, text: str) -> bool:
        letters = _letters(text)
        if len(letters) >= 2 and _latin_share(text) < 0.5:
            return True
        words = [w.lower() for w in _WORD_RE.findall(text)]
        if len(words) < MIN_WORDS or _looks_like_a_name(text, words):
            return False
        known = sum(1 for w in words if w in self._known or _squeezed(w) in self._known)
        if known / len(words) > KNOWN_ENGLISH_SHARE:
            return False
        return self._english_confidence(text) < MAX_ENGLISH_CONFIDENCE


@lru_cache(maxsize=1)
def get_language_check() -> LanguageCheck:
    return LanguageCheck()
