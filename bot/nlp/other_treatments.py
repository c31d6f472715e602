"""Questions about other treatments, medicines, vaccines, scans and procedures.

Why: "what are the side effects of PRP?" used to get PIT's side-effects answer, as if it
applied. Such a question (another treatment named, PIT not mentioned) is declined kindly
with a pointer to the patient's own doctor. The lists are data:
``data/catalog/other_treatments.yml``.

Some FAQ topics are about other medicines by nature and stay answered: "I take warfarin,
is that a problem?" (blood thinners), "can I keep taking my painkillers?" (medication),
"is it cortisone?" (what is injected), "do I stop ibuprofen before?" (preparation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Pattern, Sequence

import yaml

from bot.settings import PROJECT_ROOT

OTHER_TREATMENTS_PATH = PROJECT_ROOT / "data" / "catalog" / "other_treatments.yml"
# FAQ topics that are about PIT together with the patient's other medicines or care.
TOPICS_ABOUT_OTHER_MEDICINES = frozenset(
    {"blood_thinners", "diabetes", "pregnancy", "medication", "what_is_injected"}
)
# Topics where another treatment is background when a cue says so ("before the shots").
TOPICS_WITH_CONTEXT = frozenset(
    {"preparation", "aftercare", "vs_prolotherapy", "first_step", "who_performs", "safety"}
)
# Cues that a question with a medicine in it is about PIT alongside it ("before the
# injections", "instead of", "I'm on"), for the topics above.
_PIT_CONTEXT_RE = re.compile(
    r"\b(before|after|during|with) (the |my |each |a )?"
    r"(injection|shot|jab|session|treatment|visit)s?\b"
    r"|\binstead of\b|\brather than\b|\bcompared?\b|\bversus\b|\bvs\b|\bthan\b"
    r"|^(i'?m|i am|i take|i'?m taking|i am taking)\b"
    r"|\b(still|keep|stop) (take|taking|need|use|using)\b"
    r"|\b(come|get|getting|coming) off\b|\bcut (down|back)\b|\bi'?m on\b|\bi am on\b"
    r"|\b(need|needing) my\b|\bless\b|\bfewer\b|\breduce\b"
    r"|\b(is|was|are) (it|this|that|they|the injection|the shot)s?\b"
    r"|\b(did ?n[o']?t|does ?n[o']?t|never) (work|help)|\bfailed\b|\btried\b"
    r"|\bfirst\b|\bbefore\b"
)


# "is this cheaper than surgery?", "should I bring my MRI?": PIT is the subject, the other
# treatment only its background, wherever the words stand.
_ABOUT_PIT_RE = re.compile(
    r"\b(compared?( to| with)?|than|versus|vs|instead of|rather than)\b"
    r"|\bbring (my|the|any|a)\b"
    r"|\bthe (injection|shot|jab|course|treatment|session)s?\b|\btreatment day\b"
)
# "would it help after my knee replacement?", "can I start it after surgery?": a pronoun
# whose subject is PIT when it comes before the other treatment. After it ("is cupping
# backed by science, or is it just a fad?", "ads for red light therapy, does that stuff do
# anything?") "it", "that" and "they" point back at the other treatment, unless that
# treatment is only the patient's background (below); "this" and "these" still point at
# what the patient is reading about ("2 steroid shots and nothing, worth trying this?").
_PIT_PRONOUN_RE = re.compile(
    r"\b(would|will|can|could|does|do|is|did|might|should) (it|this|that|these|they)\b"
    r"|\bwith (it|them)\b|\b(do|give|does) the\b"
    r"|\b(start|starting|try|trying|get|getting|have|having) (this|it|these)\b"
)
_THIS_RE = re.compile(r"\b(this|these)\b")
# The patient's PIT appointment named without the word: "before the injections".
_THE_INJECTIONS_RE = re.compile(r"\bthe (injection|jab|session)s?\b")
# Words just before the other treatment that make it the patient's history, not the
# question's subject: "I had a knee replacement, would it help?", "after my surgery".
_BACKGROUND_BEFORE_RE = re.compile(
    r"\b(my|had|have had|after|since|from|following|post|previous|last|recent)"
    r"( (a|an|the|my|his|her|our|\w+))?\s*$"
)
# Two other treatments set against each other, PIT not named: "what's the difference
# between a cortisone shot and a nerve block?", "is diclofenac gel the same as voltaren?".
_TWO_OTHERS_COMPARED_RE = re.compile(
    r"\bdiff?e?rence between\b|\bdifferent (from|to|than)\b|\bsame (thing )?as\b"
    r"|\bwhich (one )?(is )?(better|best|safer|stronger)\b|\bvs\b|\bversus\b"
    r"|\b(better|safer|stronger|weaker|worse) than\b"
)


def _phrase_re(phrases: Sequence[str]) -> Pattern[str]:
    alternatives = sorted({re.escape(p.lower()) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])")


@dataclass(frozen=True)
class OtherTreatmentCheck:
    other: Pattern[str]
    medicines: Pattern[str]
    pit: Pattern[str]

    def named_treatment(self, text: str) -> Optional[str]:
        """The other treatment the message names, if any."""
        match = self.other.search(text.lower())
        return match.group(1) if match else None

    def names_pit(self, text: str) -> bool:
        """PIT named outright ("PIT", "dextrose", "these injections", "the injections")."""
        lowered = text.lower()
        return bool(self.pit.search(lowered) or _THE_INJECTIONS_RE.search(lowered))

    def mentions_pit(self, text: str) -> bool:
        """PIT named, or the subject of the question with the other treatment as background."""
        lowered = text.lower()
        if self.pit.search(lowered):
            return True
        others = list(self.other.finditer(lowered))
        if len({m.group(1) for m in others}) >= 2:
            return False
        if _ABOUT_PIT_RE.search(lowered):
            return True
        pronoun = _PIT_PRONOUN_RE.search(lowered)
        if pronoun is None:
            return False
        if not others or pronoun.start() < others[0].start():
            return True
        if _THIS_RE.search(pronoun.group(0)):
            return True
        return bool(_BACKGROUND_BEFORE_RE.search(lowered[: others[0].start()]))

    def should_decline(self, text: str, topic: Optional[str] = None) -> bool:
        """True when the question is about another treatment and not about PIT.

        ``topic`` is the FAQ topic the selector picked (None for other intents)."""
        lowered = text.lower()
        named = self.named_treatment(lowered)
        if not named or self.mentions_pit(lowered):
            return False
        if len({m.group(1) for m in self.other.finditer(lowered)}) >= 2:
            if _TWO_OTHERS_COMPARED_RE.search(lowered):
                return True  # two others set against each other, no PIT
            return topic not in TOPICS_ABOUT_OTHER_MEDICINES
        if topic in TOPICS_ABOUT_OTHER_MEDICINES:
            return False
        if topic in TOPICS_WITH_CONTEXT and _PIT_CONTEXT_RE.search(lowered):
            return False
        return True


def load_check(path: Path = OTHER_TREATMENTS_PATH) -> OtherTreatmentCheck:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    groups = raw.get("other_treatments") or {}
    every = [str(p) for names in groups.values() for p in names or []]
    medicines = [str(p) for p in groups.get("medicines") or []]
    pit = [str(p) for p in raw.get("pit_terms") or []]
    if not every or not pit:
        raise ValueError(f"{path}: needs other_treatments and pit_terms")
    return OtherTreatmentCheck(_phrase_re(every), _phrase_re(medicines), _phrase_re(pit))


@lru_cache(maxsize=1)
def get_other_treatment_check() -> OtherTreatmentCheck:
    return load_check()
