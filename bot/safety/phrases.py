"""Compile the catalog's short phrase syntax into spaCy Matcher token patterns.

Staff write ``swollen|puffy ...2 lips``; the matcher needs lists of token dicts. Each
word becomes its lemma key (``ORTH`` on the key document), ``=word`` an exact form
(``NORM``), ``...N`` a bounded gap that never crosses a sentence end or a negation.
The syntax is documented at the top of data/catalog/red_flags.yml.
"""

from __future__ import annotations

import itertools
import re
from typing import Dict, Iterable, List, Mapping, Sequence, Set, Tuple

from bot.safety.lexicon import WHITESPACE_KEY, Lexicon
from bot.safety.text import YEAR_REGEX, normalise_keeping_offsets

TokenSpec = Dict[str, object]
Variant = List[TokenSpec]

SENTENCE_END_KEYS = (".", "!", "?", WHITESPACE_KEY, "...", "..", ";")
MAX_GAP = 8
MAX_EXPANSIONS = 4000
_GAP_RE = re.compile(r"^\.\.\.(\d+)$")
# ``#num`` any number; ``#many`` a number of 10 or more written in digits ("took 15 tylenol"),
# where "took 2 tylenol" is an ordinary dose; ``#fever`` a body temperature of fever, 38 to
# 43.9 (Celsius) or 100 to 109.9 (Fahrenheit), so "temp is 36.8" is no fever. Any of them may
# stand alone or among choices.
NUMBER_SPECS: Dict[str, TokenSpec] = {
    "#num": {"LIKE_NUM": True},
    "#many": {"ORTH": {"REGEX": r"^[1-9][0-9]+$"}},
    "#fever": {"ORTH": {"REGEX": r"^(3[89]|4[0-3]|10[0-9])([.,][0-9]{1,2})?$"}},
    "#year": {"ORTH": {"REGEX": YEAR_REGEX}},
}


class PhraseError(ValueError):
    """A catalog phrase cannot be compiled."""


class PhraseCompiler:
    """Compiles phrases with a lexicon, the catalog's ``words`` lists and gap limits."""

    def __init__(
        self,
        lexicon: Lexicon,
        words: Mapping[str, Sequence[str]],
        gap_excludes: Iterable[str] = (),
    ) -> None:
        self.lexicon = lexicon
        self.words = words
        self.gap_excludes = sorted(set(SENTENCE_END_KEYS) | set(gap_excludes))
        self.vocabulary: Set[str] = set()  # surface words seen, for spelling correction

    def compile(self, phrase: str) -> List[List[TokenSpec]]:
        """All token patterns for one phrase (alternatives multiply out)."""
        slots = [self._slot(part, phrase) for part in phrase.split()]
        if not slots:
            raise PhraseError("empty phrase")
        total = 1
        for variants in slots:
            total *= len(variants)
        if total > MAX_EXPANSIONS:
            raise PhraseError(f"'{phrase}' expands to {total} patterns; split it up")
        patterns = []
        for combo in itertools.product(*slots):
            tokens = [spec for variant in combo for spec in variant]
            if tokens and not all(_optional(spec) for spec in tokens):
                patterns.append(_trim_optional_edges(tokens))
        if not patterns:
            raise PhraseError(f"'{phrase}' can match nothing at all")
        return patterns

    def _slot(self, part: str, phrase: str) -> List[Variant]:
        gap = _GAP_RE.match(part)
        if gap:
            size = int(gap.group(1))
            if not 1 <= size <= MAX_GAP:
                raise PhraseError(f"'{phrase}': gaps are ...1 to ...{MAX_GAP}")
            return [[{"ORTH": {"NOT_IN": self.gap_excludes}, "OP": f"{{0,{size}}}"}]]
        optional = len(part) > 1 and part.endswith("?")
        part = part[:-1] if optional else part
        variants: List[Variant] = []
        choices: List[str] = []
        for choice in part.split("|"):
            if choice in NUMBER_SPECS:
                # a number among other words ("#num|two|three"), not the words "#" "num"
                variants.append([dict(NUMBER_SPECS[choice])])
            elif choice.startswith("$"):
                if choice[1:] not in self.words:
                    raise PhraseError(f"'{phrase}': no words list '{choice[1:]}'")
                choices.extend(self.words[choice[1:]])
            else:
                choices.append(choice)
        if choices:
            variants += self._alternatives(choices, phrase)
        if optional:
            single = [v for v in variants if len(v) == 1]
            multi = [v for v in variants if len(v) != 1]
            variants = [[dict(spec, OP="?") for spec in v] for v in single] + multi
            if multi:
                variants.append([])
        return variants

    def _alternatives(self, choices: Iterable[str], phrase: str) -> List[Variant]:
        """Merge one-token choices into one ``IN`` set per attribute; keep longer ones apart."""
        singles: Dict[str, Set[str]] = {"ORTH": set(), "NORM": set()}
        multi: List[Variant] = []
        for choice in choices:
            tokens = self._choice(str(choice), phrase)
            if len(tokens) == 1:
                attr, value = tokens[0]
                singles[attr].add(value)
            else:
                multi.append([{attr: value} for attr, value in tokens])
        variants: List[Variant] = [
            [{attr: {"IN": sorted(values)}}] for attr, values in singles.items() if values
        ]
        return variants + multi

    def _choice(self, choice: str, phrase: str) -> List[Tuple[str, str]]:
        exact = choice.startswith("=") and len(choice) > 1
        text = normalise_keeping_offsets(choice[1:] if exact else choice).text.replace("_", " ")
        words = self.lexicon.words(text)
        if not words:
            raise PhraseError(f"'{phrase}': empty choice '{choice}'")
        self.vocabulary.update(w for w in words if w.isalpha())
        if exact:
            return [("NORM", w) for w in words]
        return [("ORTH", self.lexicon.key(w)) for w in words]


def _trim_optional_edges(tokens: List[TokenSpec]) -> List[TokenSpec]:
    """Drop gaps at either end: they add nothing but longer, noisier matches."""
    start, end = 0, len(tokens)
    while start < end and _is_gap(tokens[start]):
        start += 1
    while end > start and _is_gap(tokens[end - 1]):
        end -= 1
    return tokens[start:end]


def _is_gap(spec: TokenSpec) -> bool:
    orth = spec.get("ORTH")
    return isinstance(orth, dict) and "NOT_IN" in orth and _optional(spec)


def _optional(spec: TokenSpec) -> bool:
    op = spec.get("OP")
    return op == "?" or (isinstance(op, str) and op.startswith("{0,"))
