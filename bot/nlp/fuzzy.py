"""Condition and body-part names typed with a typo the entity ruler's patterns miss.

Why: patients misspell medical words in endless ways ("siatica", "planter fasitis"), and a
list of misspellings in the catalog can never be complete. Words the ruler left alone
are compared with every catalog name of the same word count (rapidfuzz); a close enough
match becomes an entity with the catalog's own name, so the condition answer follows.
Real English words on their own are never "corrected" ("tennis" is not "tendinitis").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, List, Optional, Sequence, Set, Tuple

from rapidfuzz import fuzz, process

from bot.intents import BODY_PART_ENTITY as BODY_PART_LABEL
from bot.intents import CONDITION_ENTITY as CONDITION_LABEL
from bot.nlp.catalog import Catalog, get_catalog
from bot.nlp.catalog import name_key as normalise

MAX_WORDS = 3
MIN_CHARS = 5  # shorter words are too easily another word ("hip" / "hop")
# rapidfuzz ratio (0-100) a candidate needs, by length of the typed words.
SHORT_SCORE = 90  # 5-7 characters: one wrong letter
LONG_SCORE = 84  # 8+ characters: two slips ("planter fasitis")
WORD_SCORE = 70  # in a name of several words, each typed word against its own
# Training data in other languages: its words must not count as English.
NOT_ENGLISH_FILES = frozenset({"other_language.yml"})
# Only training examples teach patients' English; the catalogs (data/catalog) hold Spanish
# red-flag terms and exemplars, which must not make a Spanish message look English.
ENGLISH_TRAINING_DIRS = ("faq", "nlu")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class FuzzyHit:
    label: str  # condition or body_part
    key: str  # catalog key
    value: str  # the catalog name it matched (the ruler and the answer both know it)
    start: int
    end: int
    score: float


class FuzzyNames:
    """Catalog names grouped by word count, ready for fuzzy lookup."""

    def __init__(self, catalog: Catalog, english_words: Set[str]) -> None:
        self._english = english_words
        self._names: dict = {}  # word count -> list of (name, label, key)
        for condition in catalog.conditions.values():
            for name in condition.names:
                self._add(normalise(name), CONDITION_LABEL, condition.key)
        for key, names in catalog.body_parts.items():
            for name in names:
                self._add(normalise(name), BODY_PART_LABEL, key)

    def _add(self, name: str, label: str, key: str) -> None:
        if len(name.replace(" ", "")) >= MIN_CHARS:
            self._names.setdefault(len(name.split()), []).append((name, label, key))

    def find(
        self, tokens: Sequence[Token], taken: Iterable[Tuple[int, int]] = ()
    ) -> List[FuzzyHit]:
        """Best non-overlapping matches among word windows outside ``taken`` character spans."""
        blocked = list(taken)
        candidates: List[FuzzyHit] = []
        for size in range(MAX_WORDS, 0, -1):
            for i in range(len(tokens) - size + 1):
                window = tokens[i : i + size]
                hit = self._match(window, size)
                if hit:
                    candidates.append(hit)
        chosen: List[FuzzyHit] = []
        for hit in sorted(candidates, key=lambda h: (-(h.end - h.start), -h.score)):
            spans = blocked + [(c.start, c.end) for c in chosen]
            if all(hit.end <= s or hit.start >= e for s, e in spans):
                chosen.append(hit)
        return sorted(chosen, key=lambda h: h.start)

    def _match(self, window: Sequence[Token], size: int) -> Optional[FuzzyHit]:
        words = [normalise(t.text) for t in window]
        if not all(w.isalpha() for w in words):
            return None
        typed = " ".join(words)
        if len(typed.replace(" ", "")) < MIN_CHARS:
            return None
        if all(w in self._english for w in words):
            return None  # real words are not typos; the ruler handles the real names
        names = self._names.get(size) or []
        if not names:
            return None
        needed = LONG_SCORE if len(typed) >= 8 else SHORT_SCORE
        best = process.extractOne(
            typed, [n for n, _, _ in names], scorer=fuzz.ratio, score_cutoff=needed
        )
        if best is None:
            return None
        name, score, index = best
        if name == typed:
            return None  # exact names are the ruler's job
        if any(fuzz.ratio(a, b) < WORD_SCORE for a, b in zip(words, name.split(), strict=False)):
            return None  # each word must resemble its own ("arthritus in" is not "... pain")
        _, label, key = names[index]
        return FuzzyHit(label, key, name, window[0].start, window[-1].end, float(score))


@lru_cache(maxsize=1)
def english_words() -> Set[str]:
    """Words that are certainly English: spaCy's stop words and lemma table, and the words of
    our English training examples (which teach patients' slang: "whats", "thx", "gonna")."""
    import gzip
    import json
    from pathlib import Path

    import spacy_lookups_data
    from spacy.lang.en.stop_words import STOP_WORDS

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    lemmas = json.loads(gzip.open(table).read())
    words = set(STOP_WORDS) | set(lemmas) | set(lemmas.values()) | _training_words()
    return {w.lower() for w in words if w.isalpha()}


@lru_cache(maxsize=1)
def training_words() -> Set[str]:
    """The words of our English training examples: the vocabulary patients use with us."""
    return _training_words()


def _training_words() -> Set[str]:
    import re

    from bot.settings import PROJECT_ROOT

    words: Set[str] = set()
    paths = [p for d in ENGLISH_TRAINING_DIRS for p in (PROJECT_ROOT / "data" / d).glob("*.yml")]
    for path in sorted(paths):
        if path.name in NOT_ENGLISH_FILES:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("- "):
                words.update(re.findall(r"[a-z]+", line.lower()))
    return words


@lru_cache(maxsize=1)
def get_fuzzy_names() -> FuzzyNames:
    return FuzzyNames(get_catalog(), english_words())
