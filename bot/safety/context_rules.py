"""ConText on red-flag matches: is the symptom in the past, hypothetical, or someone else's?

Algorithm: ConText (Harkema H, Dowling JN, Thornblade T, Chapman WW. "ConText: an algorithm
for determining negation, experiencer, and temporal status from clinical reports."
J Biomed Inform 2009;42(5):839-51), which extends NegEx (Chapman WW et al. "A simple
algorithm for identifying negated findings and diseases in discharge summaries." J Biomed
Inform 2001;34(5):301-10). A trigger term modifies the target words in its direction
(forward, backward or both) until the end of the sentence or a termination term ("but",
"now"). We run medspaCy's maintained implementation (medspacy 1.3.1, which works with
spaCy 3.4.4) with trigger lists written for patients' words, kept in the red-flag catalog
(``context:`` in data/catalog/red_flags.yml) so staff review them with the patterns.
medspaCy's default rules are written for clinical notes ("h/o", "r/o") and are not loaded.

Negation stays with the NegEx-style rules of context.py (trigger lists in the catalog's
``cues``), which also know patients' lists ("no fever, chills or pus").
STORY (what a show, book, lesson or the news is about) is a category of ours, not the
paper's: its frames reach a few tokens (``max_scope``) and end at the patient's own words
(``ended_by: [STORY_END]``, medspaCy's ``terminated_by``).
EXPERIENCER (another person) is reported but never dismisses on its own: "my mother
fainted" is urgent; "my mother fainted years ago" is dismissed as HISTORICAL.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import spacy
from spacy.tokens import Span as SpacySpan
from spacy.util import filter_spans

from bot.safety.catalog import ContextLimit
from bot.safety.text import YEAR_REGEX, normalise_keeping_offsets

YEAR: Dict[str, Any] = {"TEXT": {"REGEX": YEAR_REGEX}}
NUMBER_WORDS_ES = ["un", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
                   "diez", "veinte", "muchos", "varios", "unos"]  # fmt: skip
DIRECTIONS = {"forward": "FORWARD", "backward": "BACKWARD", "both": "BIDIRECTIONAL",
              "terminate": "TERMINATE"}  # fmt: skip
HISTORICAL, HYPOTHETICAL, EXPERIENCER = "HISTORICAL", "HYPOTHETICAL", "EXPERIENCER"
# what a show, book, lesson or piece of news is about: "a series where a man has a stroke"
STORY = "STORY"


def _token_patterns(literal: str) -> List[List[Dict[str, Any]]]:
    """Token patterns for a literal; ``{...}`` literals may use YEAR, N (a number) and
    ``a|b`` (either word: "{show|series where}")."""
    words = literal.strip("{}").split()
    variants: List[List[Dict[str, Any]]] = [[]]
    for word in words:
        options: List[Dict[str, Any]]
        if word == "YEAR":
            options = [YEAR]
        elif word == "N":
            options = [{"LIKE_NUM": True}, {"LOWER": {"IN": NUMBER_WORDS_ES}}]
        elif "|" in word:
            options = [{"LOWER": {"IN": [w for w in word.split("|") if w]}}]
        else:
            options = [{"LOWER": word}]
        variants = [v + [o] for v in variants for o in options]
    return variants


def _directions(by_direction: Mapping[str, Sequence[str]], category: str) -> Dict[str, str]:
    """Each literal's ConText direction. A literal listed both forward and backward becomes
    one BIDIRECTIONAL rule: two rules on the same words overlap, and medspaCy keeps only one
    of them, so "had an asthma attack as a child" lost its backward reading."""
    found: Dict[str, Set[str]] = {}
    for direction, literals in by_direction.items():
        if direction not in DIRECTIONS:
            raise ValueError(f"context.{category}: unknown direction '{direction}'")
        for literal in literals:
            found.setdefault(str(literal).strip(), set()).add(direction)
    merged = {}
    for literal, directions in found.items():
        if len(directions) == 1:
            merged[literal] = DIRECTIONS[directions.pop()]
        elif "terminate" in directions:
            raise ValueError(f"context.{category}: '{literal}' both terminates and modifies")
        else:
            merged[literal] = DIRECTIONS["both"]
    return merged


def build_rules(
    context: Mapping[str, Mapping[str, Sequence[str]]],
    limits: Optional[Mapping[str, ContextLimit]] = None,
) -> List[Any]:
    """medspaCy ConTextRules from the catalog's ``context`` section; ``limits`` bound a
    category's reach (``max_scope`` tokens, ended by a modifier of ``ended_by``)."""
    from medspacy.context import ConTextRule

    _no_words_in_two_categories(context)
    rules = []
    for category, by_direction in context.items():
        limit = (limits or {}).get(category, ContextLimit())
        reach: Dict[str, Any] = {"max_scope": limit.max_scope}
        if limit.ended_by:
            reach["terminated_by"] = set(limit.ended_by)
        for literal, direction in _directions(by_direction, category).items():
            if literal.startswith("{"):
                for pattern in _token_patterns(literal):
                    rules.append(
                        ConTextRule(
                            literal, category, pattern=pattern, direction=direction, **reach
                        )
                    )
            else:
                rules.append(ConTextRule(literal, category, direction=direction, **reach))
    return rules


def _no_words_in_two_categories(context: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
    """medspaCy keeps one of two modifiers on the same words, so a literal listed in two
    categories silently loses one of them: "now" in both STORY_END and TERMINATE once stopped
    ending a past ("years ago I had a stroke and now my face is drooping" read as a past)."""
    owner: Dict[str, str] = {}
    for category, by_direction in context.items():
        for literals in by_direction.values():
            for literal in literals:
                key = str(literal).strip().lower()
                if owner.setdefault(key, category) != category:
                    raise ValueError(
                        f"context: '{literal}' is listed in both {owner[key]} and {category}"
                    )


class ContextJudge:
    """ConText modifiers for character spans of a message."""

    def __init__(
        self,
        context: Mapping[str, Mapping[str, Sequence[str]]],
        limits: Optional[Mapping[str, ContextLimit]] = None,
    ) -> None:
        from medspacy.context import ConText

        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.context = ConText(self.nlp, rules=None, span_attrs=None)
        self.context.add(build_rules(context, limits))
        self._lock = threading.Lock()  # one Doc at a time through the shared component

    def modifiers(self, text: str, spans: Sequence[Tuple[int, int]]) -> List[Set[str]]:
        """For each ``(start, end)`` of ``text`` (original offsets): its ConText categories."""
        if not spans:
            return []
        normalised = normalise_keeping_offsets(text)
        to_norm: Dict[int, int] = {}
        for index, origin in enumerate(normalised.origin):
            to_norm.setdefault(origin, index)
        doc = self.nlp.make_doc(normalised.text)
        for _, pipe in self.nlp.pipeline:
            doc = pipe(doc)
        targets: List[Optional[SpacySpan]] = []
        for start, end in spans:
            s = _nearest(to_norm, start, +1)
            e = _nearest(to_norm, end - 1, -1) + 1
            span = doc.char_span(s, e, label="RED_FLAG", alignment_mode="expand")
            targets.append(span)
        doc.set_ents(filter_spans([t for t in targets if t is not None]))
        with self._lock:
            doc = self.context(doc)
        found: List[Set[str]] = []
        for target in targets:
            cats: Set[str] = set()
            if target is not None:
                for ent in doc.ents:
                    if ent.start < target.end and target.start < ent.end:
                        cats.update(m.category for m in ent._.modifiers)
            found.append(cats)
        return found


def _nearest(index: Mapping[int, int], position: int, step: int) -> int:
    limit = max(index) if index else 0
    while 0 <= position <= limit and position not in index:
        position += step
    return index.get(position, 0)
