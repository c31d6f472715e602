"""Find red flags (emergencies, self-harm, complications) in a patient's message.

Runs on every message before anything else. Patterns come from the staff-readable
catalog (data/catalog/red_flags.yml) and are matched with a spaCy Matcher on lemma keys,
so word forms and common misspellings match; the sentence around each match then decides
whether it is denied ("no fever"), a general question ("can it cause swelling?") or mild
("a bit red"). When unsure, it reports the red flag: a missed emergency is the worst error.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safety.catalog import (
    Category,
    Pattern,
    RedFlagCatalog,
    RedFlagCatalogError,
    get_red_flag_catalog,
)
from bot.safety.context import Analysis, Span
from bot.safety.context_rules import HISTORICAL, HYPOTHETICAL, STORY, ContextJudge
from bot.safety.lexicon import Lexicon
from bot.safety.phrases import SENTENCE_END_KEYS, PhraseCompiler, PhraseError
from bot.safety.text import NormalisedText, chunks, normalise_keeping_offsets

logger = logging.getLogger(__name__)

CHUNK_CHARS = 5_000  # text processed at once; longer messages go in overlapping pieces
CHUNK_OVERLAP = 300
CONTEXT_CHARS = 300  # ConText reads this much text either side of a match
MAX_DOC_TOKENS = 1_500  # a ready-made (Rasa) doc longer than this is re-read in pieces
FRAGMENT_WORDS = 4  # "sentences" this short are one statement (_join_fragments)
_ANSWER_WORDS = frozenset({"no", "not", "nope", "nah", "yes", "yeah", "yep", "ok", "okay", "si"})
SEVERITY_ORDER = ("emergency", "crisis", "urgent")  # most severe first

# cues read anywhere in the message, not only around a match
MESSAGE_WIDE_CUES = frozenset({"injection", "acute_onset", "already_done"})
ACUTE_ONSET_CATEGORY = "new_weakness_numbness"

_FLAG = "RF"
_CUE = "CUE"
_EXCEPT = "EX"


# A red_flag entity's extra key when its match is told of another person (RedFlagHit.someone_else):
# the action sends the severity's someone_else_response without reading the text again.
ENTITY_ABOUT_KEY = "about"
ABOUT_SOMEONE_ELSE = "someone_else"


@dataclass(frozen=True)
class RedFlagHit:
    """One red flag: its category, severity and where it is in the original message."""

    key: str
    severity: str
    label: str
    start: int
    end: int
    text: str
    # Told of another person with no first-person word ("my son says he will end it"): the
    # crisis reply then speaks to the one who is with them (actions/safety.py).
    someone_else: bool = False


@dataclass(frozen=True)
class _RawHit:
    category: Category
    pattern: Pattern
    span: Span


def severity_rank(severity: str) -> int:
    """0 for the most severe; unknown severities sort last."""
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def most_severe(hits: Iterable[RedFlagHit]) -> Optional[RedFlagHit]:
    """The hit to act on first (emergency, then crisis, then urgent; earliest in the text)."""
    ordered = sorted(hits, key=lambda h: (severity_rank(h.severity), h.start))
    return ordered[0] if ordered else None


def severities_in_order(hits: Iterable[RedFlagHit]) -> List[str]:
    """Each severity present, most severe first."""
    return sorted({h.severity for h in hits}, key=severity_rank)


class RedFlagDetector:
    """Compiled catalog patterns for one spaCy pipeline."""

    def __init__(self, nlp: Language, catalog: Optional[RedFlagCatalog] = None) -> None:
        self.nlp = nlp
        self.catalog = catalog or get_red_flag_catalog()
        self.lexicon = Lexicon(nlp)
        self.matcher = Matcher(nlp.vocab, validate=True)  # red-flag patterns and exceptions
        self.cue_matcher = Matcher(
            nlp.vocab, validate=True
        )  # words around them (only run on a hit)
        self._patterns: Dict[str, Tuple[Category, Pattern]] = {}
        self._compile()
        self.context_judge = (
            ContextJudge(self.catalog.context, self.catalog.context_limits)
            if self.catalog.context
            else None
        )

    # ------------------------------------------------------------------ build
    def _compile(self) -> None:
        cues = self.catalog.cues
        negations = [self.lexicon.key(w) for w in self._cue_words("negation")]
        compiler = PhraseCompiler(self.lexicon, self.catalog.words, gap_excludes=negations)
        for category in self.catalog.categories:
            try:
                for index, pattern in enumerate(category.patterns):
                    label = f"{_FLAG}|{category.key}|{index}"
                    self._patterns[label] = (category, pattern)
                    self.matcher.add(label, compiler.compile(pattern.phrase))
                for phrase in category.exceptions:
                    self.matcher.add(f"{_EXCEPT}|{category.key}", compiler.compile(phrase))
            except PhraseError as error:
                # Staff read the catalog by category: say which one holds the phrase.
                raise RedFlagCatalogError(f"category '{category.key}': {error}") from error
        fuzzy_targets = set(compiler.vocabulary)
        for name, phrases in cues.items():
            if name in {
                "question_words",
                "fillers",
                "report_subjects",
                "report_verbs",
                "report_contracted",
            }:
                continue
            target = self.matcher if name in MESSAGE_WIDE_CUES else self.cue_matcher
            for phrase in phrases:
                # these are asked of the whole message, so they are looked for everywhere
                try:
                    target.add(f"{_CUE}|{name}", compiler.compile(phrase))
                except PhraseError as error:
                    raise RedFlagCatalogError(f"cues, '{name}': {error}") from error
        subjects = "|".join(cues["report_subjects"])
        verbs = "|".join(cues["report_verbs"])
        self.cue_matcher.add(f"{_CUE}|report", compiler.compile(f"{subjects} ...3 {verbs}"))
        self.cue_matcher.add(
            f"{_CUE}|report", compiler.compile("|".join(cues["report_contracted"]))
        )
        self.cue_matcher.add(f"{_CUE}|report_verb_only", compiler.compile(verbs))
        self._question_words = frozenset(self.lexicon.key(w) for w in cues["question_words"])
        self._fillers = frozenset(
            self.lexicon.key(normalise_keeping_offsets(w).text) for w in cues["fillers"]
        )
        self._list_words = frozenset(
            self.lexicon.key(normalise_keeping_offsets(w).text)
            for w in cues["list_words"]
            if "_" not in w
        )
        # Words the cues spell out ("ya lo supere") are kept as typed, never "corrected" to a
        # red-flag word ("super"); they are not targets themselves.
        self.lexicon.set_fuzzy_targets(fuzzy_targets, kept=compiler.vocabulary - fuzzy_targets)

    def _cue_words(self, name: str) -> List[str]:
        return [w for w in self.catalog.cues.get(name, ()) if " " not in w and "_" not in w]

    def warm_up(self) -> None:
        """Load lazy resources (the common-word list) before the first patient writes."""
        self.detect("feaverr warm up")

    # ------------------------------------------------------------------ detect
    def detect(self, text: str, doc: Optional[Doc] = None) -> List[RedFlagHit]:
        """All red flags in ``text`` (``doc``: the same text already tokenised by Rasa)."""
        return self.assess(text, doc)[0]

    def assess(self, text: str, doc: Optional[Doc] = None) -> Tuple[List[RedFlagHit], bool]:
        """The red flags in ``text``, and whether a red-flag term was found but dismissed
        (negated, resolved, asked about in general, mild): then the rules have read that
        term in context, which a bag-of-words classifier cannot."""
        if not isinstance(text, str) or not text.strip():
            return [], False
        dismissed = False
        raw: List[Tuple[_RawHit, Analysis, int, NormalisedText, List[Tuple[int, int, str]]]] = []
        injection = sudden = False
        for offset, normalised, tokens in self._units(text, doc):
            analysis, hits = self._analyse(tokens)
            # "breathless with excitement": the words were read and ruled out by an exception
            dismissed = dismissed or analysis.excepted
            injection = injection or analysis.mentions_injection()
            sudden = sudden or analysis.acute_onset()
            raw.extend((hit, analysis, offset, normalised, tokens) for hit in hits)
        found: Dict[Tuple[str, int, int], RedFlagHit] = {}
        new_now: Dict[Tuple[str, int, int], bool] = {}
        # matches the context rules dismissed, by piece of text: a shorter match of the same
        # entry inside one of them is dismissed too ("if I got hives and couldn't breathe":
        # "couldn't breathe" is a what-if, so its "n't breathe" is no report of its own)
        stands = [self._stands(hit, analysis) for hit, analysis, _, _, _ in raw]
        ruled_out = [
            (id(analysis), hit.category.key, hit.span)
            for (hit, analysis, _, _, _), stood in zip(raw, stands, strict=True)
            if not stood
        ]
        for (hit, analysis, offset, normalised, tokens), stood in zip(raw, stands, strict=True):
            # a weak leg "since the shots", or one that went weak "suddenly": either way new
            # (only weakness: severe pain "since this morning" is no complication of its own)
            new_weakness = sudden and hit.category.clinical == ACUTE_ONSET_CATEGORY
            if "injection" in hit.pattern.needs and not (injection or new_weakness):
                dismissed = True
                continue
            if not stood or _inside_ruled_out(hit, analysis, ruled_out):
                dismissed = True
                continue
            start_char = tokens[hit.span[0]][0]
            end_char = tokens[hit.span[1] - 1][1]
            start, end = normalised.original_span(start_char, end_char)
            start, end = start + offset, end + offset
            category = hit.category
            where = (category.key, start, end)
            new_now[where] = new_now.get(where, False) or analysis.new_since(hit.span[0])
            found[where] = RedFlagHit(
                key=category.key,
                severity=category.severity,
                label=category.label,
                start=start,
                end=end,
                text=text[start:end],
                someone_else=analysis.about_another(*hit.span)
                and (where not in found or found[where].someone_else),
            )
        kept, context_dismissed = self._context_filter(text, list(found.values()), new_now)
        return _merge(kept), dismissed or context_dismissed

    def _context_filter(
        self,
        text: str,
        hits: List[RedFlagHit],
        new_now: Dict[Tuple[str, int, int], bool],
    ) -> Tuple[List[RedFlagHit], bool]:
        """Drop hits that ConText reads as past, hypothetical or what a story is about
        (a show, a book, a lesson, the news), where their category allows.
        ``new_now``: per hit, whether the rest of its sentence says something is new now
        (the same reading as the rules' own history check, ``Analysis.new_since``)."""
        if not hits or self.context_judge is None:
            return hits, False
        modifiers = [
            self.context_judge.modifiers(text[lo:hi], [(h.start - lo, h.end - lo)])[0]
            for h in hits
            for lo, hi in [_window(text, h.start, h.end)]
        ]
        kept = []
        for hit, mods in zip(hits, modifiers, strict=True):
            category = self.catalog.category(hit.key)
            rules = category.dismissed_by if category else frozenset()
            now = new_now[(hit.key, hit.start, hit.end)]
            past = HISTORICAL in mods and not now
            story = STORY in mods and not now
            if (
                (past and "history" in rules)
                or (HYPOTHETICAL in mods and "question" in rules)
                or (story and "story" in rules)
            ):
                continue
            kept.append(hit)
        return kept, len(kept) < len(hits)

    def _units(
        self, text: str, doc: Optional[Doc]
    ) -> Iterable[Tuple[int, NormalisedText, List[Tuple[int, int, str]]]]:
        """Pieces of the message as (offset, normalised text, tokens with char spans)."""
        if doc is not None and len(doc.text) == len(text) and 0 < len(doc) <= MAX_DOC_TOKENS:
            # Reuse Rasa's tokens when our clean-up would not change its (lower-cased) text.
            if normalise_keeping_offsets(doc.text).text == doc.text:
                identity = NormalisedText(doc.text, tuple(range(len(doc.text))), len(doc.text))
                yield 0, identity, [(t.idx, t.idx + len(t.text), t.text) for t in doc]
                return
        for offset, piece in chunks(text, CHUNK_CHARS, CHUNK_OVERLAP):
            normalised = normalise_keeping_offsets(piece)
            tokens = [
                (t.idx, t.idx + len(t.text), t.text) for t in self.nlp.make_doc(normalised.text)
            ]
            yield offset, normalised, tokens

    def told_as_over(self, text: str, doc: Optional[Doc] = None) -> bool:
        """The message tells of a past event that is over and nothing is back now ("Back in
        my 20s I went through a dark patch. I'm well now"), whether or not a catalog term
        matched: the second net and the intent classifier read the event's words, not that
        they are over."""
        if not isinstance(text, str) or not text.strip():
            return False
        return any(
            self._analyse(tokens, all_cues=True)[0].told_as_over()
            for _, _, tokens in self._units(text, doc)
        )

    def _analyse(
        self, tokens: Sequence[Tuple[int, int, str]], all_cues: bool = False
    ) -> Tuple[Analysis, List[_RawHit]]:
        pairs = _join_fragments(
            [self.lexicon.token(text) for _, _, text in tokens], self._question_words
        )
        keys = [key or "_" for key, _ in pairs]
        match_doc = Doc(self.nlp.vocab, words=keys or ["_"], spaces=[True] * max(len(keys), 1))
        for token, (_, surface) in zip(match_doc, pairs, strict=False):
            token.norm_ = surface or "_"
        strings = self.nlp.vocab.strings
        cues: Dict[str, List[Span]] = {}
        exceptions: Dict[str, List[Span]] = {}
        hits: List[_RawHit] = []
        matches = self.matcher(match_doc) if keys else []
        if all_cues or any(strings[m[0]].startswith(_FLAG) for m in matches):
            matches += self.cue_matcher(match_doc)  # context is only needed around a match
        for match_id, start, end in matches:
            label = strings[match_id]
            kind, _, name = label.partition("|")
            if kind == _CUE:
                cues.setdefault(name, []).append((start, end))
            elif kind == _EXCEPT:
                exceptions.setdefault(name, []).append((start, end))
            else:
                category, pattern = self._patterns[label]
                hits.append(_RawHit(category, pattern, (start, end)))
        kept = [
            h for h in hits if not Analysis._overlaps(h.span, exceptions.get(h.category.key, []))
        ]
        analysis = Analysis(
            keys=keys,
            cues=cues,
            flag_spans=[h.span for h in kept],
            list_words=self._list_words,
            question_words=self._question_words,
            fillers=self._fillers,
            surfaces=[surface or "_" for _, surface in pairs],
            excepted=len(kept) < len(hits),
        )
        return analysis, kept

    @staticmethod
    def _stands(hit: _RawHit, analysis: Analysis) -> bool:
        """Whether a match survives the checks its category allows."""
        start, end = hit.span
        rules = hit.category.dismissed_by
        if "report" in hit.pattern.needs and not analysis.reported(start, end):
            return False
        if "negation" in rules and (
            analysis.negated(start, end, "weak_negation" in rules)
            or analysis.answered_no(start, end)
            or analysis.listed_no(start, end)
        ):
            return False
        if "passed_and_well" in rules and analysis.passed_and_well(start):
            return False
        if "negated_state" in rules and analysis.negated_state(start):
            return False
        if (
            "recovered_history" in rules
            and analysis.historical(start, end)
            and not analysis.risk_now()
            and (analysis.recovered() or analysis.someone_else(start, end))
        ):
            # "I self-harmed as a teen, I'm fine now"; "my late father attempted suicide"
            return False
        if "history" in rules and analysis.historical(start, end):
            return False
        if "story" in rules and analysis.names_a_kind(start, end):
            return False
        if "chronic" in rules and analysis.chronic_question(start, end):
            return False
        if "question" in rules and analysis.question_without_report(start, end):
            return False
        if "what_if" in rules and analysis.what_if(start, end):
            return False
        if "mild" in rules and analysis.softened(start, end):
            return False
        if "resolved" in rules and analysis.resolved(start, end):
            return False
        return True


def _inside_ruled_out(
    hit: _RawHit, analysis: Analysis, ruled_out: Sequence[Tuple[int, str, Tuple[int, int]]]
) -> bool:
    """``hit`` lies inside a longer match of the same entry, in the same piece of text, that
    the context rules dismissed."""
    start, end = hit.span
    return any(
        unit == id(analysis)
        and key == hit.category.key
        and s <= start
        and end <= e
        and (s, e) != (start, end)
        for unit, key, (s, e) in ruled_out
    )


def _join_fragments(
    pairs: List[Tuple[str, str]], question_words: Iterable[str] = ()
) -> List[Tuple[str, str]]:
    """A full stop next to a fragment of a few words reads as a comma.

    Telegraphic reports ("Nosebleed. 45 min. Still pouring.", "Now both legs numb. Cant
    stand.") and histories ("Heart attack. 2016. Fine now.") split one statement over
    several "sentences"; read as one, the catalog's phrases and the time and negation
    checks see the whole of it. A question ("Lips swelling. What's happening?") and an
    answer ("No. Chest pain now.", "no actually.") stay sentences of their own."""
    ends = [i for i, (key, _) in enumerate(pairs) if key == "."]
    if not ends:
        return pairs
    asking = frozenset(question_words)
    joined = list(pairs)
    bounds = [-1] + ends + [len(pairs)]
    for n, at in enumerate(ends, start=1):
        before = [key for key, _ in pairs[bounds[n - 1] + 1 : at]]
        after = [key for key, _ in pairs[at + 1 : bounds[n + 1]]]
        if not before or not after or any(k in SENTENCE_END_KEYS for k in before + after):
            continue
        if before[0] in _ANSWER_WORDS or after[0] in _ANSWER_WORDS or after[0] in asking:
            continue
        if max(len(before), len(after)) <= FRAGMENT_WORDS:
            joined[at] = (",", ",")
    return joined


def _window(text: str, start: int, end: int) -> Tuple[int, int]:
    """The stretch around a match that ConText reads: its sentences, at most a few hundred
    characters either side, so a very long message costs no more than a short one."""
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    return lo, hi


def _merge(hits: Iterable[RedFlagHit]) -> List[RedFlagHit]:
    """One hit per overlapping stretch of the same category (the longest), in text order."""
    merged: List[RedFlagHit] = []
    for hit in sorted(hits, key=lambda h: (h.key, h.start, -(h.end - h.start))):
        last = merged[-1] if merged else None
        if last and last.key == hit.key and hit.start < last.end:
            if hit.end > last.end:
                merged[-1] = RedFlagHit(
                    last.key,
                    last.severity,
                    last.label,
                    last.start,
                    hit.end,
                    last.text + hit.text[last.end - hit.start :],
                    last.someone_else and hit.someone_else,
                )
            continue
        merged.append(hit)
    return sorted(merged, key=lambda h: (h.start, severity_rank(h.severity)))


# ---------------------------------------------------------------------- module API
_LOCK = threading.Lock()
# Detectors by pipeline, most recently used last. A model swapped in after a catalog change
# brings a new pipeline (bot.nlp.pipeline.refresh_shared_nlp); the old one's detector (and
# with it the old pipeline) is let go once two newer pipelines have been used.
_DETECTORS: "OrderedDict[int, RedFlagDetector]" = OrderedDict()
KEEP_DETECTORS = 2


def default_nlp() -> Language:
    """Our spaCy pipeline (build/spacy_pit): the process's one copy, which Rasa's SpacyNLP
    shares (bot.nlp.pipeline.shared_nlp)."""
    from bot.nlp.pipeline import shared_nlp  # loads under its own lock

    return shared_nlp()


def detector_for(nlp: Optional[Language] = None) -> RedFlagDetector:
    """The compiled detector for a pipeline (ours by default), built once per pipeline."""
    nlp = nlp or default_nlp()
    with _LOCK:
        detector = _DETECTORS.get(id(nlp))
        if detector is None or detector.nlp is not nlp:
            detector = RedFlagDetector(nlp)
            _DETECTORS[id(nlp)] = detector
        _DETECTORS.move_to_end(id(nlp))
        while len(_DETECTORS) > KEEP_DETECTORS:
            _DETECTORS.popitem(last=False)
        return detector


def detect_red_flags(
    text: str, nlp: Optional[Language] = None, doc: Optional[Doc] = None
) -> List[RedFlagHit]:
    """Red flags in ``text``; ``doc`` is an optional ready-made spaCy doc of the same text."""
    return detector_for(nlp).detect(text, doc)
