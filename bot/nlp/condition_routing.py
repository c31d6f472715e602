"""When a message names a condition or body part, is the condition answer the right reply?

Why: "sciatica?", "I've got tennis elbow", "my hip aches every night" and "would it help my
wrist?" all want what the documents say about PIT for that condition, but the FAQ selector
sometimes picked another topic, the diagnosis disclaimer or a refusal. Real diagnosis
requests ("what is wrong with my knee?", "is this sciatica?") keep the disclaimer, and a
question about a specific topic ("how many sessions for my knee?") keeps its topic.
"""

from __future__ import annotations

import re
from typing import Optional

from bot import intents

CONDITION_TOPIC = "faq/condition_help"
DIAGNOSIS_INTENT = intents.ASK_DIAGNOSIS
# Predictions a named condition overrules when the message asks whether PIT helps or states
# the problem ("I have X", "my X hurts"); any other FAQ topic is overruled too unless the
# message has words of that topic. A story ending "what is it?" keeps its what-is-PIT answer.
STATEMENT_OVERRULABLE = frozenset(
    {
        "faq/condition_help",
        "faq/conditions_treated",
        "faq/success_rate",
        "faq/is_it_a_cure",
        DIAGNOSIS_INTENT,
        intents.OUT_OF_SCOPE,
        intents.NLU_FALLBACK,
    }
)
# FAQ topics whose answer already names the condition (actions/faq.py CONDITION_TOPICS):
# a "does it work for my knee?" classed as success_rate gets the condition answer anyway.
CONDITION_AWARE_TOPICS = frozenset(
    {"faq/conditions_treated", "faq/success_rate", "faq/is_it_a_cure"}
)
# A statement this short is about the condition; a longer story may ask about any topic.
SHORT_STATEMENT_WORDS = 8
# Small talk the classifier heard in "g'day, got bursitis in my hip" or "ok good. i get
# tingling in my hands most nights": the condition answer when the rest tells of it.
SOCIAL_INTENTS = frozenset({intents.GREET, intents.GOODBYE, intents.THANKS})
# Where a real diagnosis request is better served by the no-diagnosis reply.
DIAGNOSIS_OVERRULABLE = frozenset(
    {"faq/condition_help", "faq/conditions_treated", "faq/success_rate", intents.OUT_OF_SCOPE}
)
# Topics about the patient's own medicines and health: "should I keep taking my back pain
# pills?" stays with the medication answer, not the no-diagnosis reply.
OWN_CARE_TOPICS = frozenset(
    {"faq/medication", "faq/blood_thinners", "faq/diabetes", "faq/pregnancy"}
)
# Intents a condition never overrules (the patient wants something else done).
NEVER_OVERRULED = frozenset(
    {
        intents.RED_FLAG,
        intents.BOOK_CONSULTATION,
        intents.HUMAN_HANDOFF,
        intents.CANCEL,
        intents.REQUEST_BOOKING,
        intents.REQUEST_CALLBACK,
        intents.AFFIRM,
        intents.DENY,
        intents.BOT_CHALLENGE,
        intents.CLINIC_INFO,
        intents.ASK_TOPIC,
        intents.ASK_OTHER_TREATMENT,
        intents.OTHER_LANGUAGE,
    }
)

_DIAGNOSIS_RE = re.compile(
    r"\bwhat'?s? (actually |really |exactly )?(is )?(wrong|going on|happening|causing|the cause)\b"
    r"|\b(why|y) (does|do|is|am|did|has|have|would|could) (my|i)\b|\bwhy (my|i)\b"
    r"|\b(is|could|might|can) (the|my|this|that) ([a-z]+ ){0,3}(pain|ache|aching|burning|"
    r"tingling|numbness|swelling|soreness|stiffness|problem|symptom)s?\b[^?.!]{0,40}"
    r"\b(from|caused by|due to)\b"
    r"|\b(tell me|know|say) (if|whether) my\b[^?.!]{0,40}\b(is|are) (from|caused by|due to)\b"
    r"|\bdid i (tear|break|damage|pull|strain|sprain|rupture|injure|hurt|do)\b"
    r"|\bdo i need (to see )?(a|an) (specialist|surgeon|mri|scan|x-?ray|operation|surgery)\b"
    r"|\b(is|could|might) (it|this|that)\b[^?.!]{0,30}\b(caused by|due to|because of)\b"
    r"|\bwhat (do|would) you (think|reckon) (i have|i've got|ive got|it is|this is|is wrong)\b"
    r"|\bwhat i (have|have got|ve got)\b"
    r"|\bwhat (it|this|that) (means|could be|might be)\b|\bwhat could be (causing|behind|wrong)\b"
    r"|\bwhat'?s? (is )?behind (it|this|that)\b|\bwhat (is|'s) my problem\b"
    r"|\bshould i (get|have|go for) (surgery|an operation|a replacement|an? mri|a scan|an x-?ray)\b"
    r"|\b(is|could|might|can) (this|it|that|these) (be )?(a |an )?(sign|symptom|because)\b"
    r"|\bdo (i|you think i) (have|got)\b|\bhave i got\b|\bdiagnos(?!ed\b)"
    r"|\bwhat (should|can|do) i (do|take|use)\b"
    r"|\bshould i (see|go|rest|ice|take|use|stop|keep|quit|wait|be (putting|using|resting))\b"
    r"|\bwhat (kind|type|sort) of (pain|problem|injury)\b"
    r"|\b(worried|worrying|serious|normal)\b|\bwhat (does|do) (it|this|that) mean\b"
    r"|\bwhat (could|might|would) (it|this|that) be\b|\bis (it|this|that) bad\b"
)
# "is this sciatica?", "could it be a pinched nerve or arthritis": a diagnosis request unless
# the message also asks whether PIT helps ("is it good for sciatica?").
_NAMING_RE = re.compile(
    r"\b(is|could|might) (this|it|that|mine|my ([a-z]+ )?(pain|ache)|the (pain|ache) in my [a-z]+) "
    r"(be )?(a |an )?"
    r"(([a-z']+ ){0,3}[a-z']+ ?(\?|$)|([a-z']+ ){0,5}[a-z']+ or )"
)
# The patient wonders which problem they have ("I keep wondering if that's carpal tunnel or
# my neck", "could be sciatica I suppose but I'm not sure", "a nagging feeling it's a
# rotator cuff tear"): a diagnosis request unless they ask whether PIT helps or name it.
_WONDERS_WHICH_RE = re.compile(
    r"\b(wondering|wonder|not sure|unsure|no idea|(can'?t|cannot|trying to) (work|figure) out|"
    r"can'?t tell)\b[^?.!]{0,12}\b(whether|if)\b[^?.!]{0,40}"
    r"\b(is|it'?s|its|that'?s|thats|i have|i'?ve got|ive got)\b"
    r"|\b(could|might|may) be [a-z' ]{2,30}\b(i suppose|i guess|i'?m not sure|not sure|who knows)\b"
    r"|\b(feeling|hunch|suspicion|convinced|bet) (that )?(it'?s|its|it is) (a|an|my)\b"
)
# "my heel burns every morning, what is it": a statement of pain ending in "what is it" asks
# what the pain is, unless the message names the treatment ("...heard of PIT, what is it?").
_ENDS_WHAT_IS_IT_RE = re.compile(r"\b(what|wat|wot|wht)( is|'s|s) (it|this|that)\W*$")
_NAMES_TREATMENT_RE = re.compile(
    r"\b(pit|prolo\w*|perineural|neural|injections?|jabs?|shots?|treatments?|therapy|dextrose)\b"
)
# Words of specific FAQ topics: "how many sessions for my knee" keeps its topic.
_TOPIC_CUE_RE = re.compile(
    r"\b(sessions?|how many|how often|cost|price|pay|fee|insurance|covered|hurt|painful|needle|"
    r"side effects?|safe|risk|downtime|drive|driving|back to work|prepare|inject(ed|ion)?|"
    r"what'?s in|appointment|visit|how long|(will|does|do|would|did|could|can) ([a-z]+ ){0,2}last|"
    r"lasts? (long|for|forever|longer)|"
    r"lasting|when|soon|quick|fast|cure|permanent|research|"
    r"stud(y|ies)|evidence|pregnan\w*|diabet\w*|thinners?|warfarin|book|what is (it|this|pit)|"
    r"what'?s (it|this|pit)|how does (it|this|pit) work|explain|plain words|who|"
    # the patient's own medicines: "would PIT mean I could come off my Lyrica?"
    r"(come|coming|get|getting|stay|staying) off|stop taking|pills?|tablets?|meds|"
    r"medications?|painkillers?|opioids?)\b"
)
_PAIN_RE = re.compile(
    r"\b(sore|aching|achy|hurts|hurting|painful|pain|ache|aches|stiff|flare|flaring|throbbing|"
    r"injury|injured|tear|torn|crash|accident)\b"
)
_HELP_RE = re.compile(
    r"\b(help|helps|helped|helpful|(work|works|worked) (for|on|with)|good for|treat|treats|treated|"
    r"treatment for|"
    r"fix|fixes|sort it|sort out|do anything|do something|any good|any use|suitable|useful|"
    r"benefit|worth|option|candidate|relief)\b"
)
_STATEMENT_RE = re.compile(
    r"\b(i have|i've|ive|i got|i'?ve got|i get|i keep getting|i'?ve been getting|"
    r"i suffer|suffering|diagnosed|dealing with|living with|"
    r"struggling with|my [a-z ]*(hurt|hurts|aches?|aching|pain|painful|sore|killing|throbs?|"
    r"burns?|stiff|swollen|bad|playing up|giving me)|(pain|ache|aches|aching|sore|soreness|"
    r"problem|problems|issue|issues|trouble) (in|with|on|at|from)|for (a|two|three|\d+|many|"
    r"several|some) (year|month|week)s?|since|getting worse|worse and worse|worsening|"
    r"still (hurts?|aches?|sore|painful|bothers? me)|won'?t go away|keeps? (hurting|coming back)|"
    r"(been|keep|kept) getting|^(got|get)|, (got|get)|not getting (any )?better|ever since|"
    r"(says|said|thinks|thought|reckons|told me)( that)? (i have|i've got|ive got|i got|it'?s|its)|"
    r"been (a few|\d+|two|three|four|five|six|many|several) (day|week|month|year)s?)\b"
)
# A question, in its mark or its words: without one, a message only tells ("I get migraines
# most weeks, sometimes 3 or 4") and cannot be asking about an FAQ topic, however long.
_QUESTION_RE = re.compile(
    r"\?|\b(how|what|whats|what's|wat|when|why|which|who|where|wonder|wondering|tell me|"
    r"explain)\b"
    r"|(^|[.,!;:]\s*|\b(and|but|so|also)\s+)(will|would|can|could|does|do|did|is|are|has|"
    r"have|should|shall|may|might|any|anyone|anybody)\b"
)
_FILLER_RE = re.compile(
    r"\b(my|the|a|an|and|or|in|on|of|left|right|both|bad|chronic|severe|really|very|so|"
    r"pit|prp|ok|okay|hi|hello|please|pls|plz|what about|about|how about|and)\b"
)


# Asked to prescribe, write or refill a prescription: the assistant never does, whatever
# medicine or condition is named ("prescribe me something for my migraine", "can you refill
# my oxycodone"); the no-diagnosis reply points to the patient's own doctor. A question
# about needing one ("do I need a prescription for PIT?") is not a request for one.
_PRESCRIPTION_RE = re.compile(
    r"\bprescribe (me|something|anything|my)\b"
    r"|\b(write|give|send|get|do) me (a |an |another )?(new |repeat |fresh )?"
    r"(prescription|script|refill|rx)\b"
    r"|\b(refill|renew) (of )?my\b"
)


def asks_for_prescription(text: str) -> bool:
    return bool(_PRESCRIPTION_RE.search(text.lower()))


def is_diagnosis_request(text: str) -> bool:
    lowered = text.lower()
    if _DIAGNOSIS_RE.search(lowered):
        return True
    return bool(
        _ENDS_WHAT_IS_IT_RE.search(lowered)
        and states_pain(lowered)
        and not _NAMES_TREATMENT_RE.search(lowered)
    )


def wonders_which_problem(lowered: str) -> bool:
    """ "I keep wondering if that's carpal tunnel or my neck": the patient wonders what their
    problem is, and neither asks whether PIT helps nor names the treatment."""
    return bool(
        _WONDERS_WHICH_RE.search(lowered)
        and not _HELP_RE.search(lowered)
        and not _NAMES_TREATMENT_RE.search(lowered)
    )


def states_pain(lowered: str) -> bool:
    """A statement about the patient's own pain ("my hip aches", "it still hurts")."""
    return bool(_STATEMENT_RE.search(lowered) or _PAIN_RE.search(lowered))


def tells_of_condition(lowered: str) -> bool:
    """ "ive got osteoarthritis in both knees and dont want a replacement yet": it tells of
    the patient's own problem and asks nothing."""
    return bool(_STATEMENT_RE.search(lowered)) and not _QUESTION_RE.search(lowered)


def is_fragment(text: str, entity_chars: int) -> bool:
    """Little more than the condition itself ("sciatica?", "frozen shoulder??", "my knee")."""
    rest = _FILLER_RE.sub(" ", text.lower())
    rest = re.sub(r"[^a-z]+", "", rest)
    return len(rest) <= entity_chars + 3


def route_to_condition(text: str, predicted: str, entity_chars: int) -> Optional[str]:
    """The label to use instead of ``predicted`` (or None to keep it).

    ``entity_chars`` is how many letters the named conditions/body parts take up."""
    if predicted in NEVER_OVERRULED:
        return None
    lowered = text.lower()
    asks_help = bool(_HELP_RE.search(lowered))
    if (
        is_diagnosis_request(lowered)
        or wonders_which_problem(lowered)
        or (_NAMING_RE.search(lowered) and not asks_help)
    ):
        # Also when the classifier already said diagnosis, however unsure: the gate makes it
        # certain, so "my back hurts when i bend, wat is it" gets the no-diagnosis reply.
        if predicted in DIAGNOSIS_OVERRULABLE or predicted == DIAGNOSIS_INTENT:
            return DIAGNOSIS_INTENT
        # Any other FAQ topic too ("should I put ice or heat on my sore back?" is no aftercare
        # question) unless the message has that topic's words or speaks of the treatment.
        if (
            predicted.startswith("faq/")
            and predicted not in OWN_CARE_TOPICS
            and not _TOPIC_CUE_RE.search(lowered)
            and not _NAMES_TREATMENT_RE.search(lowered)
        ):
            return DIAGNOSIS_INTENT
        return None
    if is_fragment(lowered, entity_chars):
        return CONDITION_TOPIC
    if predicted in SOCIAL_INTENTS:
        return CONDITION_TOPIC if _STATEMENT_RE.search(lowered) or asks_help else None
    states = states_pain(lowered)
    if not (asks_help or states):
        return None
    if predicted in CONDITION_AWARE_TOPICS:
        return None  # their answer already speaks of the named condition (actions/faq.py)
    if _TOPIC_CUE_RE.search(lowered):  # about one topic: "how many sessions for my knee?"
        return CONDITION_TOPIC if asks_help and predicted in STATEMENT_OVERRULABLE else None
    if predicted == DIAGNOSIS_INTENT and "?" in lowered and not asks_help:
        return None  # "my back hurts, should I see someone?": personal advice, not PIT
    if asks_help and predicted.startswith("faq/"):
        return CONDITION_TOPIC
    if predicted in STATEMENT_OVERRULABLE or (
        predicted.startswith("faq/") and len(lowered.split()) <= SHORT_STATEMENT_WORDS
    ):
        return CONDITION_TOPIC
    if (
        states
        and predicted.startswith("faq/")
        and predicted not in OWN_CARE_TOPICS
        and not _QUESTION_RE.search(lowered)
    ):
        return CONDITION_TOPIC  # it tells, it does not ask: about the condition, at any length
    return None
