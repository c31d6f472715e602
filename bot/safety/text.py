"""Text clean-up for red-flag matching that keeps track of where every character came from.

Patients type curly apostrophes, full-width letters, emoji and invisible characters; a
matcher that only sees plain lower-case text must still point at the right span of the
*original* message, so every normalised character remembers its original index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterator, List, Tuple

# a year as typed, 1900 to 2099 ("in 2018"): one rule for the catalog's #year, ConText's
# YEAR and the rules that read a "since 2018"
YEAR_REGEX = r"^(19|20)[0-9][0-9]$"

# Characters dropped completely (they split or hide words without being visible).
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e"}
# Look-alikes folded to one ASCII form so the tokenizer's exceptions ("can't") apply.
_FOLD = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": " - ",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2028": "\n",
    "\u2029": "\n",
    # emoji that stand for a word in a red flag ("🩸🩸 wont stop", "💊 took them all")
    "\U0001fa78": " blood ",
    "\U0001f48a": " pills ",
}


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, for each of its characters, the index in the original."""

    text: str
    origin: Tuple[int, ...]
    original_length: int

    def original_span(self, start: int, end: int) -> Tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text back to the original."""
        if not self.origin or end <= start:
            return 0, 0
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(end, len(self.origin)) - 1]
        return first, min(last + 1, self.original_length)


_JOINED_PUNCT = ".!?;,"
# Abbreviations whose full stop ends no sentence when a number or a lower-case word follows
# ("Ingested approx. 40 tablets"): the matcher's gaps never cross a "."
_ABBREVIATIONS = frozenset({"approx", "appx", "aprox", "abt", "est", "ca", "circa"})


def _fold_char(char: str) -> str:
    if char in _INVISIBLE or unicodedata.category(char) == "Cs":  # lone surrogates
        return ""
    if char in _FOLD:
        return _FOLD[char]
    if char.isascii():
        return char.lower()
    folded = unicodedata.normalize("NFKC", char).lower()
    # Accents on letters are noise here ("févér"); keep the base letters only.
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return stripped or folded


def _dropped_g(text: str, index: int) -> bool:
    """The apostrophe at ``index`` stands for a dropped "g" ("fightin'", "nothin'"): it
    ends a word of at least four letters that ends in "in"."""
    word_end = index + 1 >= len(text) or not text[index + 1].isalpha()
    return (
        word_end
        and index >= 4
        and text[index - 2 : index].lower() == "in"
        and text[index - 4 : index - 2].isalpha()
    )


def _abbreviation_stop(text: str, index: int) -> bool:
    """The "." at ``index`` ends an abbreviation such as "approx." and a number or a
    lower-case word follows: no sentence ends there."""
    start = index
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    if text[start:index].lower() not in _ABBREVIATIONS or (start > 0 and text[start - 1] == "."):
        return False
    rest = text[index + 1 :].lstrip(" ")
    return bool(rest) and (rest[0].isdigit() or rest[0].islower())


def _short_year(text: str, index: int) -> str:
    """The century an apostrophe at ``index`` stands for in a two-digit year ("in '04",
    "back in '98"), or "": a year as typed for #year and the history cues. Up to '30 reads
    as 20xx (a fixed pivot, so the same message always reads the same)."""
    before = text[index - 1] if index > 0 else " "
    digits = text[index + 1 : index + 3]
    after = text[index + 3] if index + 3 < len(text) else " "
    if before.isalnum() or len(digits) < 2 or not digits.isdigit() or after.isalnum():
        return ""
    return "20" if int(digits) <= 30 else "19"


# Punctuation said aloud to voice typing ("twelve years ago period I've been stable", "is
# that normal question mark"): the mark it stands for, so a sentence ends where the patient
# ended it. "period" is a noun after these words ("my period is heavy", "a waiting period")
# and is read as a full stop only at the end or before a new sentence (a capital, "I").
_DICTATED = re.compile(r"\b(period|full stop|question mark|exclamation (?:mark|point))\b", re.I)
_DICTATED_MARK = {"period": ".", "full stop": ".", "question mark": "?"}
_NOUN_BEFORE = frozenset(
    "my her his your their our a an the this that last next first heavy light trial grace "
    "waiting time long short same whole healing recovery cooling incubation rest free one "
    "two every each any no big huge bad painful late early irregular monthly".split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z']+)\W*$")
_WORD_AFTER = re.compile(r"\W*([A-Za-z']+)")
# how far back to look for the word before: longer than any word in _NOUN_BEFORE, so each
# look costs the same however long the message is (a whole-prefix search is quadratic)
_BEFORE_REACH = 40


def _dictated_marks(text: str) -> Dict[int, str]:
    """Where a punctuation word said to voice typing starts, the mark it stands for; the
    rest of the word's characters become spaces (offsets are kept)."""
    marks: Dict[int, str] = {}
    for found in _DICTATED.finditer(text):
        word = " ".join(found.group(1).lower().split())
        before = _WORD_BEFORE.search(text[max(0, found.start() - _BEFORE_REACH) : found.start()])
        if before and before.group(1).lower() in _NOUN_BEFORE:
            continue  # "my period", "a question mark over it"
        after = _WORD_AFTER.match(text, found.end())
        new_sentence = after is None or after.group(1)[0].isupper() or after.group(1) == "i"
        if word in ("period", "full stop") and not new_sentence:
            continue  # "period pain", "period of time"
        marks[found.start()] = _DICTATED_MARK.get(word, "!")
        for index in range(found.start() + 1, found.end()):
            marks[index] = " "
    return marks


def normalise_keeping_offsets(text: str) -> NormalisedText:
    """Lower-case, fold look-alike characters and drop invisible ones, keeping offsets.

    The one normaliser of the red-flag matcher: it reads ``.text``, and maps what it
    finds back to the patient's own words with ``.original_span``.
    """
    text = text if isinstance(text, str) else ""
    pieces: List[str] = []
    origin: List[int] = []
    dictated = _dictated_marks(text)
    for index, char in enumerate(text):
        folded = dictated.get(index) or _fold_char(char)
        if folded == "'" and _dropped_g(text, index):
            folded = "g"  # "fightin' for every breath", "mornin'": the word as spelt in full
        elif folded == "'":
            folded = _short_year(text, index) or folded  # "anaphylaxis in '04" -> "2004"
        elif char == "." and _abbreviation_stop(text, index):
            folded = " "
        # "breathe.I have" -> "breathe. i have": the tokenizer would keep "breathe.i" whole
        if (
            char in _JOINED_PUNCT
            and 0 < index < len(text) - 1
            and text[index - 1].isalpha()
            and text[index + 1].isalpha()
        ):
            folded += " "
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return NormalisedText("".join(pieces), tuple(origin), len(text))


def chunks(text: str, size: int, overlap: int) -> Iterator[Tuple[int, str]]:
    """Yield ``(offset, piece)`` covering ``text`` in pieces of at most ``size`` characters.

    Pieces end at whitespace where possible and overlap by ``overlap`` characters, so a
    phrase that straddles a cut is still seen whole in one of the pieces.
    """
    if size <= overlap:
        raise ValueError("chunk size must be larger than the overlap")
    start = 0
    length = len(text)
    while start < length:
        end = min(start + size, length)
        if end < length:
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        yield start, text[start:end]
        if end >= length:
            break
        start = max(end - overlap, start + 1)
