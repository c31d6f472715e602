"""Judge a red-flag match in its sentence: denied, asked about in general, mild or over?

A keyword list cannot tell "I have a fever" from "no fever, just sore" or "what if I
get a fever?". These rules read the words around a match, the way a triage nurse reads
a message, and are deliberately one-sided: anything they cannot rule out stays a red
flag. Which rules may dismiss which category is set in the catalog (``dismissed_by``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from bot.safety.text import YEAR_REGEX

Span = Tuple[int, int]

SENTENCE_END = frozenset({".", "!", "?", "<nl>", "...", "..", ";"})
CLAUSE_END = frozenset({":", "-", "(", ")", '"'})
# A question that starts after one of these is a clause of its own ("since she has epilepsy:
# is there any chance ...?"; "I have a rash, and is that normal?")
QUESTION_OPENERS_AFTER = frozenset({",", "and", "or", "so", ":"})
QUESTION_MARK = "?"
NEGATION_REACH = 5  # words between a negation and the symptom it denies
MILD_REACH = 1
# "can barely", "could hardly": the words of mildness after these tell of what cannot be done
ABLE_WORDS = frozenset({"can", "could"})
RESOLVED_REACH_AFTER = 8
RESOLVED_REACH_BRIDGED = 16  # "numb for a few minutes after the shot, but it went away"
RESOLVED_REACH_BEFORE = 3
REPORT_BLOCKER_REACH = 2
# "..., but IT went away": words that point back at the symptom before a resolved cue
POINTING_BACK = frozenset({"it", "that", "this", "they", "which", "all", "soon", "quickly"})
# after a symptom that is itself a loss ("can't feel", "not moving"), these say it goes on
STILL_GOING = frozenset({"anymore", "any"})
# "gone" + one of these is "became" ("he's gone very pale"), not "went away"
BECAME_STATES = frozenset(
    "very really so all a bright pale white grey gray blue purple black numb cold floppy limp "
    "weak dead stiff red yellow funny quiet clammy sweaty blotchy hard tight "
    "crazy mad wild haywire".split()
)
# "gone through four pads", "gone up to my waist": gone on somewhere, or used up, not away
GONE_ON = frozenset({"through", "thru", "into", "onto", "up", "across", "to"})
# "gone completely / totally dead": a degree word between "gone" and the state it became
WHOLLY = frozenset({"completely", "totally", "fully", "entirely", "utterly"})
# "since last month": a time that starts something going on, not one that ended
SINCE = frozenset({"since", "from", "desde"})
# "haven't had one since then", "no meds since 2018": a "since" that counts from a past point
SINCE_PAST_POINT = frozenset({"then", "that", "which"})
# "a seizure in 2020, since diagnosed and controlled": "since" before a settled participle
# is "since then", and "no more since 15 years" (non-native: for 15 years) counts back too
SINCE_SETTLED = frozenset(
    {"diagnose", "treat", "control", "sort", "fix", "recover", "resolve", "clear", "manage"}
)
SINCE_LONG_UNITS = frozenset({"year", "years", "yr", "yrs", "decade", "decades", "month", "months"})
# History cues that look forward (ConText's "history of" scope): "hx of CAD" after a chest
# pain names a background condition, not when the pain was.
FORWARD_HISTORY = frozenset({"hx", "pmh", "pmhx", "history", "previous", "prior", "past"})
# Words that end a time phrase: a "now" right after them closes it ("ten years ago now")
TIME_ENDS = frozenset({"ago", "back"})
# A short sentence after a report that is only a time dates it: "Bee sting, 1996."
DATE_FRAGMENT_WORDS = 4
# "since I take Eliquis", "since I'm on warfarin": "since" meaning "because" (a present-tense
# verb as typed), which dates nothing; "since I took the shots" still dates a report
CAUSAL_SINCE_SUBJECTS = frozenset({"i", "we"})
CAUSAL_SINCE_VERBS = frozenset(
    {"take", "use", "need", "am", "'m", "m", "rely", "live", "work", "get", "have_to"}
)
# "since she has epilepsy", "since he is on warfarin": a reason about someone else; "since
# she has had the shots" (a "had" or "been" next) is a time
CAUSAL_SINCE_OTHERS = frozenset({"he", "she", "they"})
CAUSAL_SINCE_OTHER_VERBS = frozenset(
    {"has", "have", "is", "'s", "are", "'re", "takes", "take", "uses", "needs", "lives", "works"}
)
SINCE_TENSE_AFTER = frozenset({"had", "been", "got", "gotten", "started", "taken", "begun"})
SETTLED_SUBJECT_REACH = 2  # "it is | well controlled"
NEGATED_STATE_REACH = 1  # "not suicidal", "not feeling suicidal"
STATE_NEGATIONS = frozenset({"not", "never", "no", "nunca"})
CLAUSE_WORDS = (
    SENTENCE_END | CLAUSE_END | frozenset({",", "and", "but", "so", "because", "pero", "y"})
)
# "I'm / she is (now) in my / her thirties": the present tense of "be", as typed
PRESENT_BE = frozenset({"am", "'m", "m", "is", "'s", "s", "are", "'re", "re"})
PRESENT_AGE_ADVERBS = frozenset({"now", "still", "only", "just", "already"})
# "fine now, but ...": what comes after takes the settled phrase back
BUT_WORDS = frozenset({"but", "except", "though", "although", "however", "pero", "aunque"})
# what, after a settled phrase, says it did not stay settled
TAKEN_BACK_BY = BUT_WORDS | frozenset({"until", "till", "til", "hasta", "then"})
NOT_WELL_AFTER_BUT = frozenset({"still", "not", "now", "again", "worse", "back", "keep", "todavia"})
# Spanish "bien" before a state is "very", not "well": "está bien dormido, casi no lo puedo
# despertar" (he is deeply asleep)
BIEN_AS_VERY = frozenset({"dormido", "dormida", "mal", "malo", "mala", "raro", "rara", "palido",
                          "palida", "grave", "frio", "fria", "hinchado", "hinchada", "morado",
                          "morada", "debil", "mareado", "mareada", "confundido", "confundida",
                          "pesado", "pesada", "caliente", "ido", "ida"})  # fmt: skip
# words at most between a "what if" verb and the symptom it governs ("if I got some chest pain")
WHAT_IF_REACH = 2
# a sentence told in the present: it does not end when the next sentence dates it
PRESENT_SURFACES = PRESENT_BE | frozenset({"ca", "can", "cannot", "cant", "wo", "wont", "still"})
# "'s" is "is" after these ("it's", "she's"); after a name it is a possessive ("Bell's palsy")
POSSESSIVE_S = frozenset({"'s", "s"})
S_IS_AFTER = frozenset({"it", "that", "he", "she", "there", "this", "what", "who", "here",
                        "where", "everything", "nothing", "something", "everyone"})  # fmt: skip
# "That was (in 2015)", "it happened (years ago)": a sentence that dates the one before it
# ("dat was 2 year now"; Spanish "eso fue en 2017", or "fue" alone: "pero fue con quince años")
RETROSPECTIVE_SUBJECTS = frozenset({"that", "this", "it", "all", "dat", "eso", "esto", "which"})
RETROSPECTIVE_VERBS = frozenset({"was", "happened", "were", "fue", "paso"})
RETROSPECTIVE_ALONE = frozenset({"fue"})
# where a dating clause may start inside a sentence: "Bell's palsy, this was three years ago"
RETROSPECTIVE_OPENERS = frozenset({",", "but", "pero", "and", "y", "though", "although"})
# the patient as the subject: "I", "me", "myself" (a possessive "my late father" is not)
FIRST_PERSON = frozenset({"i", "me", "myself", "yo"})
# "one last time": a final time, never a past one (Analysis._past_cues)
FINAL_TIME = frozenset({"one", "1"})
# the writer as the one who acts or feels (Analysis.about_another); "me" may be the one told
WRITER_SUBJECTS = FIRST_PERSON - {"me"}
# how far before a match its subject may be ("she says she is going to end it"), and the
# words that may stand between a named person and the match ("my son keeps saying he ...")
SUBJECT_REACH = 4
SUBJECT_LINKS = frozenset(
    {"say", "keep", "tell", "text", "just", "still", "really", "be", "always", "that", "now"}
)
THIRD_PERSON = frozenset(
    {"he", "she", "they", "him", "her", "them", "himself", "herself", "themselves", "themself"}
    | {"él", "ella", "ellos", "ellas"}
)
# what may follow a resolved cue that ends its clause ("it went away." / "it went away, ...")
CLAUSE_CLOSERS = SENTENCE_END | CLAUSE_END | frozenset({",", "now", "completely", "fully"})
# "'s" is "is" after these; after a noun it may be a possessive ("my nan's lips")
POSSESSIVE_OR_IS = frozenset({"'s", "s"})
S_PRONOUNS = frozenset({"he", "she", "it", "that", "there", "this", "what", "who", "where"})
# "now" on its own, which says something is new only when its clause names something
BARE_NOW = ("now", "ahora", "ahorita")
# a plain "no" to a question about the symptom ("Any fever? Nope, none of that.")
# (Scots "nae" is keyed "no" by the lexicon's REGIONAL_WORDS)
ANSWER_NO = frozenset(
    {"no", "nope", "nah", "none", "negative", "nada", "tampoco", "neither", "nil"}
)
# what may come between a question and its answer: quote marks, "he said", "and"
QUOTE_MARKS = frozenset({"'", '"'})
ANSWER_LEAD = frozenset(
    {">", "-", ":", "—", ",", "<nl>", "<sp>", ".", "say", "he", "she", "they", "i", "dijo", "y"}
    | {"and", "answer", "reply"}
    | QUOTE_MARKS
)
# what may follow that "no": the end of the answer, or "none of that", "nada de eso"
ANSWER_CLOSERS = (
    SENTENCE_END
    | CLAUSE_END
    | frozenset(
        {",", "none", "nada", "of", "at", "to", "de", "eso", "no", "nope", "and", "y", "ni", "all"}
    )
)
ANSWER_LEAD_REACH = 4
# a form or checklist line answered no: "Fever - none.", "chest pain: no", "fiebre: no"
LIST_MARKS = frozenset({":", "-", "—", "=", "<sp>"})
LIST_NO = frozenset(
    {"no", "nope", "nah", "none", "negative", "nil", "never", "nada", "neg", "nunca", "jamas",
     "ninguno", "ninguna"}
)  # fmt: skip
# what ends a checklist answer: "Fever - none, Redness - no." ("no joke", "no better" do not)
LIST_ITEM_END = SENTENCE_END | frozenset({",", ")", "<sp>"})
# where a checklist line starts: the message's start, a sentence end, a comma or a mark
LIST_ITEM_START = SENTENCE_END | CLAUSE_END | frozenset({",", "<sp>"})
LIST_LEAD_REACH = 2  # words on the line before the symptom: "New leg weakness - no"
# a red-flag word used as the name of a kind of case: "chest pain calls all day", "overdose
# cases", "stroke patients", "casos de derrame cerebral" (someone's work, not a report)
KIND_NOUNS = frozenset(
    {"call", "calls", "caller", "callers", "callout", "callouts", "case", "cases", "patient",
     "patients", "victim", "victims", "survivor", "survivors", "statistic", "statistics",
     "awareness", "prevention", "drill", "drills"}
)  # fmt: skip
KIND_NOUNS_BEFORE = frozenset({"caso", "casos", "paciente", "pacientes"})  # "casos de infarto"
# where a reported question ends and its answer may start ("asked if I had a fever: no")
ASKED_CLAUSE_END = CLAUSE_WORDS - {"and", "y"}
# someone asked about the symptom: "the nurse asked if ...", "me preguntó si ..."
ASK_KEYS = frozenset(
    {"ask", "asked", "pregunto", "pregunta", "preguntaron", "preguntaba", "preguntar", "checklist"}
)
ASK_LINKS = frozenset({"if", "whether", "about", "to", "si", "por", "any", "for", ":"})
ASK_LINK_REACH = 3
# forms of "be" that open a report with its subject dropped, never a question
DROPPED_SUBJECT_OPENINGS = frozenset({"been", "being"})


@dataclass
class Analysis:
    """One piece of text as keys, plus every cue and raw red-flag match found in it."""

    keys: Sequence[str]
    cues: Dict[str, List[Span]]
    flag_spans: List[Span]
    list_words: FrozenSet[str]
    question_words: FrozenSet[str]
    fillers: FrozenSet[str]
    surfaces: Sequence[str] = ()  # the words as typed (keys are lemmas: "was" and "am" are "be")
    excepted: bool = False  # a catalog exception ruled a match out ("breathless with excitement")
    _sentence_of: List[int] = field(default_factory=list)
    _sentences: List[Span] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = 0
        for i, key in enumerate(self.keys):
            self._sentence_of.append(len(self._sentences))
            if key in SENTENCE_END:
                self._sentences.append((start, i + 1))
                start = i + 1
        if start < len(self.keys) or not self._sentences:
            self._sentences.append((start, len(self.keys)))
        self._listish = [False] * len(self.keys)
        for i, key in enumerate(self.keys):
            self._listish[i] = key in self.list_words
        for name in ("symptom_words", "list_words"):
            for s, e in self.cues.get(name, []):
                for i in range(s, e):
                    self._listish[i] = True
        for s, e in self.flag_spans:
            for i in range(s, e):
                self._listish[i] = True
        self._breaks: Set[int] = set()
        for s, e in self.cues.get("scope_break", []):
            if self._ends_time_phrase(s, e):
                continue  # "eight years ago now": the "now" closes the time, no new clause
            self._breaks.update(range(s, e))
        if "report_time" in self.cues:
            self.cues["report_time"] = [
                span for span in self.cues["report_time"] if not self._causal_since(span)
            ]
        if "settled_now" in self.cues:
            self.cues["settled_now"] = [
                span for span in self.cues["settled_now"] if not self._bien_as_very(span)
            ]

    def _causal_since(self, span: Span) -> bool:
        """ "since I take Eliquis": a reason, not a time (the surface form keeps the tense)."""
        if not self._is_word(span, "since") or span[1] + 1 >= len(self.surfaces):
            return False
        subject, verb = self.surfaces[span[1]].lower(), self.surfaces[span[1] + 1].lower()
        if subject in CAUSAL_SINCE_SUBJECTS and verb in CAUSAL_SINCE_VERBS:
            return True
        following = self.surfaces[span[1] + 2].lower() if span[1] + 2 < len(self.surfaces) else ""
        return (
            subject in CAUSAL_SINCE_OTHERS
            and verb in CAUSAL_SINCE_OTHER_VERBS
            and following not in SINCE_TENSE_AFTER
        )

    # ------------------------------------------------------------------ structure
    def sentence(self, index: int) -> Span:
        return self._sentences[self._sentence_of[min(index, len(self.keys) - 1)]]

    def _spans(self, name: str, within: Optional[Span] = None) -> List[Span]:
        spans = self.cues.get(name, [])
        if within is None:
            return spans
        return [(s, e) for s, e in spans if s >= within[0] and e <= within[1]]

    @staticmethod
    def _overlaps(span: Span, others: Sequence[Span]) -> bool:
        return any(s < span[1] and span[0] < e for s, e in others)

    def _is_clause_break(self, i: int) -> bool:
        return self.keys[i] in CLAUSE_END or i in self._breaks

    def negation_clause_start(self, start: int) -> int:
        """First word of the stretch a negation before ``start`` may reach from."""
        sentence_start = self.sentence(start)[0]
        i = start - 1
        while i >= sentence_start and not self._is_clause_break(i):
            i -= 1
        return i + 1

    def _starts_question(self, i: int) -> bool:
        """A comma followed by "is it", "can I", "what" starts a new (question) clause."""
        if i >= len(self.keys) or self.keys[i] not in self.question_words:
            return False
        nxt = self.keys[i + 1] if i + 1 < len(self.keys) else ""
        return self.keys[i] in {"what", "whats", "how", "why", "which"} or nxt in {
            "it",
            "there",
            "that",
            "this",
            "i",
            "you",
            "we",
            "they",
            "he",
            "she",
            "my",
            "the",
        }

    def report_clause(self, start: int, end: int) -> Span:
        """The clause around a match in which a report of the symptom must appear."""
        lo, hi = self.sentence(start)[0], self.sentence(max(start, end - 1))[1]
        i = start - 1
        while i >= lo:
            if i in self._breaks or (
                self.keys[i] in QUESTION_OPENERS_AFTER and self._starts_question(i + 1)
            ):
                break
            i -= 1
        j = end
        while j < hi:
            if j in self._breaks or (
                self.keys[j] in QUESTION_OPENERS_AFTER and self._starts_question(j + 1)
            ):
                break
            j += 1
        return i + 1, j

    # ------------------------------------------------------------------ rules
    def negated(self, start: int, end: int, weak_counts: bool) -> bool:
        """A negation before the match, in the same clause, that reaches it."""
        clause_start = self.negation_clause_start(start)
        pseudo = self.cues.get("pseudo_negation", [])
        weak = self.cues.get("weak_negation", [])
        candidates = [
            span
            for span in self._spans("negation") + weak
            if span[1] <= start
            and span[0] >= clause_start
            and not self._overlaps(span, pseudo)
            and not self._overlaps(span, self.flag_spans)
        ]
        if not candidates:
            return False
        cue = max(candidates, key=lambda span: span[1])
        if self._overlaps(cue, weak) and not weak_counts:
            return False
        gap = range(cue[1], start)
        separators = [i for i in gap if self.keys[i] in {",", "and", "or", "nor", "/", "&"}]
        if not separators:
            return len(gap) <= NEGATION_REACH
        if separators[0] - cue[1] > NEGATION_REACH:
            return False
        if any(not self._listish[i] for i in range(separators[0], start)):
            return False
        if all(self.keys[i] in {"or", "nor"} for i in separators):
            return True  # "I didn't faint or hit my head": "or" carries the "not" on
        # "no fever and the redness is spreading": the match is a clause of its own
        return not self._has_report_verb(start, end)

    def answered_no(self, start: int, end: int) -> bool:
        """The match is asked about and the answer that follows is no: a question ("> Any
        swelling of the lips? nope none of that") or a question someone asked ("the nurse
        asked if I had a fever: no, nada de eso"). Any other answer ("chest pain? only when
        ...", "yes") leaves it standing."""
        lo, hi = self.sentence(start)
        last = hi - 1
        while last > lo and self.keys[last] in QUOTE_MARKS:
            last -= 1  # a question quoted back: "Re your question 'any chest pain?' - no"
        if self.keys[last] == QUESTION_MARK:
            answer = hi
        elif self._asked(lo, start):
            answer = end
            while answer < hi and self.keys[answer] not in ASKED_CLAUSE_END:
                answer += 1
        else:
            return False
        i, reach = answer, 0
        while i < len(self.keys) and self.keys[i] in ANSWER_LEAD and reach < ANSWER_LEAD_REACH:
            i, reach = i + 1, reach + 1
        if i >= len(self.keys) or self.keys[i] not in ANSWER_NO:
            return False
        after = i + 1
        # "No slurry speech": the answer may name the symptom again
        return (
            after >= len(self.keys)
            or self.keys[after] in ANSWER_CLOSERS
            or self.keys[after] in self.keys[start:end]
        )

    def listed_no(self, start: int, end: int) -> bool:
        """The match is a line of a form or checklist answered no: "Fever - none.",
        "chest pain: no", "previous anaphylaxis - never", "fiebre: no". The line starts at
        most two words before the match, and nothing but the answer follows it. Without a
        mark (":", "-") the message must be a list of such answers ("fever no, swelling no,
        rash no"), so "help I can't breathe no" never reads as one."""
        keys = self.keys
        i, marked = end, False
        while i < len(keys) and keys[i] in LIST_MARKS:
            marked = marked or keys[i] != "<sp>"
            i += 1
        if i >= len(keys) or keys[i] not in LIST_NO:
            return False
        if i + 1 < len(keys) and keys[i + 1] not in LIST_ITEM_END:
            return False  # "chest pain - no better", "fever: no idea, it's 103"
        lead, j = 0, start - 1
        while j >= 0 and keys[j] not in LIST_ITEM_START:
            lead, j = lead + 1, j - 1
        if lead > LIST_LEAD_REACH:
            return False
        return marked or self._answers_listed() >= 2

    def names_a_kind(self, start: int, end: int) -> bool:
        """The match names a kind of case, not something happening: "I deal with chest pain
        calls all day", "overdose cases", "stroke patients", "casos de derrame cerebral"."""
        after = self.keys[end] if end < len(self.keys) else ""
        if after in KIND_NOUNS:
            return True
        before = self.keys[start - 2 : start]
        return len(before) == 2 and before[0] in KIND_NOUNS_BEFORE and before[1] == "de"

    def _answers_listed(self) -> int:
        """How many "<word> no" answers the message lists ("fever no, swelling no")."""
        keys = self.keys
        return sum(
            1
            for i in range(1, len(keys))
            if keys[i] in LIST_NO
            and keys[i - 1] not in LIST_ITEM_START
            and (i + 1 == len(keys) or keys[i + 1] in LIST_ITEM_END)
        )

    def _asked(self, lo: int, start: int) -> bool:
        """An "asked (me) if / about / to report" before ``start`` in its sentence."""
        for i in range(lo, start):
            if self.keys[i] in ASK_KEYS:
                reach = range(i + 1, min(start, i + 1 + ASK_LINK_REACH))
                if any(self.keys[j] in ASK_LINKS for j in reach):
                    return True
        return False

    def passed_and_well(self, start: int) -> bool:
        """Told as over: the message says all is well now, nothing is back or new, and the
        match's sentence is told in the past ("knocked my head over Christmas, scan was
        clear"; "Fainted yesterday, fine."; "el sábado me dio fiebre, pero el domingo ya
        estaba bien"). Only for categories whose signs pass (``passed_and_well``): "my lips
        are swelling, I was fine yesterday" is told in the present and stays."""
        if not self._well_with_nothing_after() or self.risk_now() or self.new_since(start):
            return False
        lo, hi = self.sentence(start)
        settled = self._spans("settled_now")
        # told in the past: no present-tense word outside the settled phrase ("she's fine")
        return bool(self.surfaces) and not any(
            self._present_word(i) and not self._overlaps((i, i + 1), settled) for i in range(lo, hi)
        )

    def _present_word(self, i: int) -> bool:
        """A present-tense "be" or "can" ("is", "'m", "can't"); an "'s" only after a pronoun
        ("she's"), not the possessive of "my nan's lips"."""
        if self.surfaces[i] not in PRESENT_SURFACES:
            return False
        if self.surfaces[i] in POSSESSIVE_OR_IS:
            return i > 0 and self.surfaces[i - 1] in S_PRONOUNS
        return True

    def _well_with_nothing_after(self) -> bool:
        """A settled phrase ("fine now") with no "but" after it in its sentence: "I'm ok now
        but really confused" is not well, whatever follows the "but"."""
        for s, e in self.cues.get("settled_now", []):
            _, hi = self.sentence(s)
            # "none since, but could I lie down next time?": a question, not a symptom;
            # "it was nothing until an hour ago, when ...": an "until" takes it back too
            if not any(
                self.keys[i] in TAKEN_BACK_BY
                and (i + 1 >= hi or self.keys[i + 1] not in self.question_words)
                for i in range(e, hi)
            ):
                return True
        return False

    def _has_report_verb(self, start: int, end: int) -> bool:
        return any(s >= start and s < end for s, _ in self._spans("report_verb_only"))

    def question_without_report(self, start: int, end: int) -> bool:
        """A general question ("what if I get a fever?") that reports no symptom."""
        sentence = self.sentence(start)
        if not self._is_question(sentence, (start, end)):
            return False
        if self.cues.get("already_done"):
            return False  # "is it dangerous to take 8 at once? already did it"
        return not self.reported(start, end)

    def _report_opening(self, i: int) -> bool:
        """ "Been throwing up blood": a report with its "I have" dropped, not a question
        ("is", "are", "am" open questions; "been" never does)."""
        return i < len(self.surfaces) and self.surfaces[i].lower() in DROPPED_SUBJECT_OPENINGS

    def what_if(self, start: int, end: int) -> bool:
        """A "what if" about the future with nothing reported: an "if" before the match in its
        sentence, then a verb that looks ahead right before the symptom ("what if I get chest
        pain during the session?") or inside the match ("if my chest felt tight after the
        injections, would that be..."), and no time that makes it current ("right now", "an
        hour ago") and no "already did"."""
        sentence = self.sentence(start)
        if self._spans("report_time", sentence) or self.cues.get("already_done"):
            return False
        first_if = min(
            (s for s, _ in self._spans("conditional", sentence) if s < start), default=None
        )
        if first_if is None:
            return False
        # the verb governs the symptom ("if I get chest pain", "if I ever had a tight chest"),
        # not an earlier clause ("if I had the shots and have chest pain now")
        return any(
            first_if < s and (e <= start <= e + WHAT_IF_REACH or start < s < end)
            for s, e in self._spans("what_if_verbs", sentence)
        )

    def _is_question(self, sentence: Span, match: Span) -> bool:
        s, e = sentence
        if any(self.keys[i] == QUESTION_MARK for i in range(s, e)):
            return True
        first = next(
            (i for i in range(s, e) if self.keys[i] not in self.fillers and self.keys[i] != "<sp>"),
            None,
        )
        if (
            first is not None
            and first < match[0]
            and self.keys[first] in self.question_words
            and not self._report_opening(first)
        ):
            return True
        hyp = [
            span
            for span in self._spans("hypothetical", sentence)
            if not self._overlaps(span, [match])
        ]
        return bool(hyp)

    def reported(self, start: int, end: int) -> bool:
        """The patient reports the symptom (a subject and a verb, or "since yesterday")."""
        clause = self.report_clause(start, end)
        # a time that begins in the clause counts though a break ends the clause inside it
        # ("bleeding heavily with big clots right now": "now" is a clause break)
        if any(clause[0] <= s < clause[1] for s, _ in self._spans("report_time")):
            return True
        sentence = self.sentence(start)
        # "fever and shivering, is that normal?": "that" points back at a symptom they have
        if self._spans("report_followup", sentence) and not self._spans("conditional", sentence):
            return True
        return any(self._valid_report(span) for span in self._spans("report", clause))

    def _valid_report(self, span: Span) -> bool:
        s, e = span
        before = range(max(0, s - REPORT_BLOCKER_REACH), s)
        if any(self._covered(i, "report_blockers") for i in before):
            return False
        # "I have a question", "I read that infection is rare": worries and reading, not symptoms
        around = range(max(0, s - REPORT_BLOCKER_REACH), min(len(self.keys), e + 3))
        return not any(self._covered(i, "report_not_symptom") for i in around)

    def _covered(self, index: int, name: str) -> bool:
        return any(s <= index < e for s, e in self.cues.get(name, []))

    def _ends_time_phrase(self, s: int, e: int) -> bool:
        """A lone "now" right after "ago" or "back" ("which was eight years ago now, then
        ..."): it says how long ago, and opens no clause of its own."""
        return e - s == 1 and self.keys[s] == "now" and s > 0 and self.keys[s - 1] in TIME_ENDS

    def historical(self, start: int, end: Optional[int] = None) -> bool:
        """A history cue in the same sentence, with no "but"/"now" between it and the match
        (ConText's termination: "I used to get chest pain but now it's crushing"). A cue
        inside the match itself is the pattern's own words ("to be with her mum who passed
        away"), never a time for it."""
        if self.new_since(start):
            return False  # "... years ago, but today it's back": something is new now
        sentence = self.sentence(start)
        for s, e in self._past_cues(sentence):
            if end is not None and start <= s and e <= end:
                continue
            if s >= start and self.keys[s] in FORWARD_HISTORY:
                continue  # "chest pressure ..., hx of CAD": the history is of what follows
            lo, hi = (e, start) if e <= start else (start, s)
            # "I fainted once, but that was at 15": a "but" that opens a dating clause
            # ("but that was", "pero fue") does not end the match's scope
            if any(i in self._breaks and not self._retrospective_at(i + 1) for i in range(lo, hi)):
                continue
            if s >= start and self._now_before(start, sentence):
                continue  # "Now it's hot and red, I'm shivering in July": the month is now
            return True
        return self._dated_after(start)

    def _now_before(self, start: int, sentence: Span) -> bool:
        """A "something is new now" cue ("now", "today") earlier in the sentence than the
        match: it tells the match, so a time named after the match does not date it."""
        return any(e <= start for _, e in self._changes(sentence))

    def _dated_after(self, start: int) -> bool:
        """A later sentence dates this one as a past: "My throat closed up and I couldn't
        breathe. That was at a restaurant in 2015." ("That was my son, a decade ago."); a
        sentence that is only a time ("Bee sting, 1996."); or the same one sentence further
        on, after a past sentence that names no time ("It was the heat.")."""
        current = self._sentence_of[min(start, len(self.keys) - 1)]
        if not self.surfaces:
            return False
        # "My leg is numb. That was 2 weeks ago": told in the present, it goes on
        if self._says_present(self._sentences[current]):
            return False
        # the next sentence, or the one after a past sentence with no time in it ("Chest
        # pain, ambulance, the lot. Turned out to be a panic attack. That was three
        # Christmases ago.")
        for following in (current + 1, current + 2):
            if following >= len(self._sentences):
                return False
            lo, hi = self._sentences[following]
            if self._says_present((lo, hi)) or self._changes((lo, hi)):
                return False  # "That was 2 weeks ago, it's still like that"
            words = [i for i in range(lo, hi) if self.keys[i] not in self.fillers]
            # the dating clause opens the sentence ("That was in 2015") or follows a comma or
            # "but" in it ("Turned out to be Bell's palsy, this was three years ago")
            openings = words[:1] + [
                i + 1 for i in range(lo, hi - 1) if self.keys[i] in RETROSPECTIVE_OPENERS
            ]
            # "That was in 2015"; "It was the heat." names no time: the next sentence may
            if any(self._retrospective_at(at) and self._past_cues((at, hi)) for at in openings):
                return True
            past = self._past_cues((lo, hi))
            if past and len(words) <= DATE_FRAGMENT_WORDS:
                return True  # only a time: "Bee sting, 1996."
            if past or any(self.keys[i] == QUESTION_MARK for i in range(lo, hi)):
                return False
        return False

    def _retrospective_at(self, i: int) -> bool:
        """Words at ``i`` that date what came before: "that was", "it happened", "fue"."""
        if i >= len(self.keys) or not self.surfaces:
            return False
        if self.surfaces[i] in RETROSPECTIVE_ALONE:
            return True
        return (
            self.keys[i] in RETROSPECTIVE_SUBJECTS
            and i + 1 < len(self.keys)
            and self.surfaces[i + 1] in RETROSPECTIVE_VERBS
        )

    def _says_present(self, sentence: Span) -> bool:
        """The sentence has a present-tense "be" or "can", or "still" ("is", "'m", "can't").
        An "'s" after a name is a possessive ("Bell's palsy"), not "is"."""
        return any(
            self.surfaces[i] in PRESENT_SURFACES and not self._possessive(i)
            for i in range(*sentence)
        )

    def _possessive(self, i: int) -> bool:
        """An "'s" at ``i`` after a name or noun ("Bell's palsy"), not after "it", "she"..."""
        return self.surfaces[i] in POSSESSIVE_S and i > 0 and self.keys[i - 1] not in S_IS_AFTER

    def _past_cues(self, within: Optional[Span] = None) -> List[Span]:
        """History cues that name a time now over, in ``within`` (the whole text if None)."""
        cues = self._spans("history", within)
        if self.recovered():
            # "overdosed in college, she's ok now": a time of life or a place that is a past
            # only when the message says all is well now ("my son is at school and can't breathe")
            cues = cues + self._spans("weak_history", within)
        return [
            (s, e)
            for s, e in cues
            # "numb since last month" goes on; it is not over
            if not (s > 0 and self.keys[s - 1] in SINCE)
            # "to say she loves us one last time": a final time, not a past one
            and not (s > 0 and self.keys[s - 1] in FINAL_TIME and self.keys[s] == "last")
            # "I'm in my thirties and my throat is closing": an age, not a past
            and not self._present_age(s)
        ]

    def _present_age(self, cue_start: int) -> bool:
        """ "I'm in my thirties", "she is in her 40s": a decade of life said in the present
        tense names the patient's age, not a time in the past ("I was in my thirties")."""
        if self.keys[cue_start] != "in" or cue_start == 0 or not self.surfaces:
            return False
        before = cue_start - 1
        if self.surfaces[before] in PRESENT_AGE_ADVERBS and before > 0:
            before -= 1
        return self.surfaces[before] in PRESENT_BE

    def new_since(self, start: int) -> bool:
        """From ``start`` to the end of its sentence, something is said to be new now ("but
        today it's worse"), not that all is well now ("she's fine now", "none since")."""
        return any(s >= start for s, _ in self._changes(self.sentence(start)))

    def _changes(self, sentence: Span) -> List[Span]:
        """The sentence's "something is new now" cues, less those inside a settled phrase
        ("fine now") and a bare "now" in a clause that names nothing new ("I'm in a much
        better place now", "off blood thinners now"): "but now it's crushing" still counts."""
        settled = self._spans("settled_now", sentence)
        # a change word inside a time phrase is part of it ("over new year")
        times = self._spans("history", sentence) + self._spans("weak_history", sentence)
        changes = [
            c
            for c in self._spans("change_now", sentence)
            if not self._overlaps(c, settled)
            and not self._overlaps(c, times)
            and not self._since_then(c)
            # "this morning I am very fine", "today, all good": the time of the settled phrase
            and not any(c[1] <= s_ <= c[1] + 1 for s_, _ in settled)
        ]
        return [c for c in changes if not self._bare_now(c, changes, settled)]

    def _since_then(self, span: Span) -> bool:
        """A "since" that ends its clause means "since then" ("... and I've struggled with
        grief since."), and so do "since then" and "since 2018": they say how long something
        else went on, not that anything is new."""
        if not self._is_word(span, "since"):
            return False
        if span[1] >= len(self.keys):
            return True
        following = self.keys[span[1]]
        after = self.keys[span[1] + 1] if span[1] + 1 < len(self.keys) else ""
        # "... since then", "... since 2018": how long a past point has been left behind
        return (
            following in CLAUSE_WORDS
            or following in SINCE_PAST_POINT
            or following in SINCE_SETTLED
            or (following.isdigit() and after in SINCE_LONG_UNITS)
            or re.match(YEAR_REGEX, following) is not None
        )

    def _bare_now(self, span: Span, changes: Sequence[Span], settled: Sequence[Span]) -> bool:
        if not any(self._is_word(span, word) for word in BARE_NOW):
            return False
        lo, hi = self._clause_of(span)
        named = (
            [c for c in changes if c != span and lo <= c[0] < hi]
            + [f for f in self.flag_spans if lo <= f[0] < hi]
            + self._spans("symptom_words", (lo, hi))
        )
        # "it's well controlled now" points back at something settled, not at something new
        pointing = [
            i
            for i in range(lo, hi)
            if self.keys[i] in POINTING_BACK
            and not self._overlaps((i, i + SETTLED_SUBJECT_REACH + 1), settled)
        ]
        return not named and not pointing

    def _is_word(self, span: Span, key: str) -> bool:
        """The span is this one word alone."""
        return span[1] - span[0] == 1 and self.keys[span[0]] == key

    def _clause_of(self, span: Span) -> Span:
        """The words around ``span`` up to a comma, a clause word or the sentence's ends."""
        lo, hi = self.sentence(span[0])
        i = span[0] - 1
        while i >= lo and self.keys[i] not in CLAUSE_WORDS:
            i -= 1
        j = span[1]
        while j < hi and self.keys[j] not in CLAUSE_WORDS:
            j += 1
        return i + 1, j

    def negated_state(self, start: int) -> bool:
        """ "I'm not suicidal", "never felt suicidal": a crisis *state* word denied right
        before it. Intent is never denied this way ("I no longer want to live" is a crisis)."""
        if not self._covered(start, "crisis_states"):
            return False
        reach = range(max(0, start - NEGATED_STATE_REACH - 1), start)
        return any(self.keys[i] in STATE_NEGATIONS for i in reach) and not any(
            self._covered(i, "pseudo_negation") for i in reach
        )

    def recovered(self) -> bool:
        """The message says the patient is well now ("I'm fine now", "stable for 10 years")."""
        return any(not self._taken_back(span) for span in self.cues.get("settled_now", []))

    def told_as_over(self) -> bool:
        """A past told as over in the whole message: a history cue (not an age said in the
        present), the patient or the person said to be well now, nothing back now."""
        past = [s for s, _ in self._past_cues() if not self.new_since(s)]
        return bool(past) and self.recovered() and not self.risk_now()

    def _taken_back(self, span: Span) -> bool:
        """ "he's ok now but still confused": a "but" right after the settled phrase says
        something is not well after all."""
        i = span[1]
        while i < len(self.keys) and self.keys[i] in {",", "now"}:
            i += 1
        if i >= len(self.keys) or self.keys[i] not in BUT_WORDS:
            return False
        # "..., but your form asks about it" does not take the "well" back
        return any(k in NOT_WELL_AFTER_BUT for k in self.keys[i + 1 : i + 3])

    def _bien_as_very(self, span: Span) -> bool:
        """The settled phrase ends in "bien" and a state follows: "está bien dormido" is "he
        is deeply asleep", not "he is well", so it is no settled phrase at all."""
        end = span[1]
        return (
            self.keys[end - 1] == "bien" and end < len(self.keys) and self.keys[end] in BIEN_AS_VERY
        )

    def risk_now(self) -> bool:
        """The message says something is back or happening now ("lately", "again", "tonight");
        not inside a settled phrase ("the scan came back clear")."""
        settled = self.cues.get("settled_now", [])
        return any(not self._overlaps(span, settled) for span in self.cues.get("present_risk", []))

    def someone_else(self, start: int, end: int) -> bool:
        """The match tells of another person ("my late father attempted suicide", "took her
        own life"), with no first-person word from the sentence's start to its end."""
        lo = self.sentence(start)[0]
        words = self.keys[lo:end]
        return bool(self._spans("other_person", (lo, end))) and not any(
            w in FIRST_PERSON for w in words
        )

    def about_another(self, start: int, end: int) -> bool:
        """For choosing the reply, never for dismissing a match: the match is about another
        person ("my son just told me he wants to end it", "she says she wants to die") and
        the writer says nothing of themselves in its sentence ("... and so do I" is about
        the writer too). "told me" may name the writer: only "I", "myself" and "yo" do.
        The other person must be the match's own subject, right before it or inside it
        ("kill himself"): in "since my wife left, want to end it all" the writer dropped
        the "I" and is the one at risk."""
        sentence = self.sentence(start)
        if any(w in WRITER_SUBJECTS for w in self.keys[sentence[0] : sentence[1]]):
            return False
        lo = max(sentence[0], start - SUBJECT_REACH)
        if any(w in THIRD_PERSON for w in self.keys[lo:end]):
            return True
        # "my son wants to die", "my son keeps saying that ...": nothing but a link between
        return any(
            lo <= e <= start and all(self.keys[i] in SUBJECT_LINKS for i in range(e, start))
            for _, e in self._spans("other_person", sentence)
        )

    def chronic_question(self, start: int, end: int) -> bool:
        """A question about a long-standing condition, with nothing said to be new now; the
        question may be the next sentence ("I get breathless on stairs, which is normal for
        me. Can I lie flat for the treatment?")."""
        sentence = self.sentence(start)
        if (
            not self._spans("chronic", sentence)
            or self._spans("report_time", sentence)
            or self._spans("change_now", sentence)
        ):
            return False
        if self._is_question(sentence, (start, end)):
            return True
        following = self._next_sentence(sentence)
        return (
            following is not None
            and self._is_question(following, (following[1], following[1]))
            and not self._spans("report_time", following)
            and not self._spans("change_now", following)
        )

    def _next_sentence(self, sentence: Span) -> Optional[Span]:
        index = self._sentence_of[sentence[0]] + 1
        return self._sentences[index] if index < len(self._sentences) else None

    def softened(self, start: int, end: int) -> bool:
        """ "a bit red", "bleeding a little": the patient says it is mild."""
        for s, e in self._spans("mild"):
            if s > 0 and self.keys[s - 1] in ABLE_WORDS:
                continue  # "I can barely drag my leg": unable, not mild
            if (
                start - MILD_REACH - 1 <= e - 1 < start
                or start <= s < end
                or end <= s <= end + MILD_REACH
            ):
                if self.sentence(s) == self.sentence(start):
                    return True
        return False

    def resolved(self, start: int, end: int) -> bool:
        """ "the bleeding stopped", "fever went away" (but not "hasn't stopped")."""
        sentence = self.sentence(start)
        clause_start = self.negation_clause_start(start)
        negations = self._spans("negation") + self._spans("pseudo_negation")
        for s, e in self._spans("resolved", sentence):
            if self._overlaps((s, e), self.flag_spans):
                continue
            breaks = [i for i in range(end, s) if self._is_clause_break(i)]
            if not breaks:
                after = end <= s <= end + RESOLVED_REACH_AFTER
            else:
                after = s <= end + RESOLVED_REACH_BRIDGED and self._points_back(breaks[-1], s, e)
            before = clause_start <= s and start - RESOLVED_REACH_BEFORE <= e <= start
            if not (after or before):
                continue
            if any(ns < s and ne >= s - 2 for ns, ne in negations):
                continue  # "won't stop", "hasn't gone away", "not getting better"
            if self.keys[s] in STILL_GOING and self._overlaps((start, end), negations):
                continue  # "I can't feel my feet anymore": the loss goes on, nothing went away
            if self._became(s, e):
                continue  # "he's gone very pale": gone is "became" here, nothing went away
            if self._gone_on(s, e):
                continue  # "I've gone through a box of gauze": used up, nothing went away
            if self._overlaps((s, e), self._spans("function_lost")):
                continue  # "my hand stopped working": a loss, nothing went away
            return True
        return False

    def _became(self, cue_start: int, cue_end: int) -> bool:
        """ "gone pale", "gone very cold", "gone a funny colour": gone + a state."""
        if not self._is_word((cue_start, cue_end), "go") or cue_end >= len(self.keys):
            return False
        after = cue_end
        if self.keys[after] in WHOLLY and after + 1 < len(self.keys):
            after += 1  # "gone completely dead" (but "it's gone completely." went away)
        return self.keys[after] in BECAME_STATES

    def _gone_on(self, cue_start: int, cue_end: int) -> bool:
        """ "gone through the gauze", "gone up to my knee": moved on or used up."""
        return (
            self._is_word((cue_start, cue_end), "go")
            and cue_end < len(self.keys)
            and self.keys[cue_end] in GONE_ON
        )

    def _points_back(self, last_break: int, cue_start: int, cue_end: int) -> bool:
        """ "my arm went numb, but it went away": after the last break only a pronoun stands
        before the cue, and the cue ends its clause, so it is the symptom that went away
        ("... but it stopped hurting" says something else stopped, and stays a red flag)."""
        bridge = self.keys[last_break + 1 : cue_start]
        if not bridge or any(k not in POINTING_BACK for k in bridge):
            return False
        return cue_end >= len(self.keys) or self.keys[cue_end] in CLAUSE_CLOSERS

    def mentions_injection(self) -> bool:
        return bool(self.cues.get("injection"))

    def acute_onset(self) -> bool:
        """ "suddenly", "since this morning", "an hour ago": the message says it is new."""
        return bool(self.cues.get("acute_onset"))
