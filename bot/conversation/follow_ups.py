"""Short follow-up questions answered from what was said before.

"and my wrist?", "will it do anything for that?", "does that sting?" (after the visit answer),
"and the gap between them?" (after the sessions answer): on their own these carry too little for
the classifiers, which were trained on whole questions. With the conversation at hand they are
clear. This component reads the tracker (the previous answer's topic, the condition and body
part the patient named) and, for a message that continues that topic, sets intent
``ask_topic`` with the ``topic`` entity, exactly what a topic button sends; the FAQ action then
answers it, about the remembered condition when the topic is about one (actions/faq.py).

Corrections ("sorry, I was asking about fees") keep the answer selector's topic but are sent
to the FAQ answer even when the intent classifier was thrown by the apology.

It only acts on short messages that lean on context (an "and ..." opener, "that", "it", "them")
so full questions keep the classifiers' reading.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.intent_override import override_intent
from bot.nlp.condition_routing import is_diagnosis_request, wonders_which_problem
from bot.rule_component import RuleComponent

ASK_TOPIC = "ask_topic"
FAQ = "faq"
TOPIC_ENTITY = "topic"
FAQ_RESPONSE_PREFIX = "utter_faq/"
# Condition answers (actions/conditions.py) continue the "would it help my X?" topic.
CONDITION_RESPONSES = frozenset(
    {"utter_condition_listed", "utter_condition_not_listed", "utter_body_part"}
)
CONDITION_TOPIC = "condition_help"
PAIN_ENTITIES = ("condition", "body_part")
# Never re-read these: safety first, and the patient's own details and goodbyes.
KEEP_INTENTS = frozenset(
    {"red_flag", "share_details", "human_handoff", "goodbye", "cancel", "book_consultation"}
)
MAX_FOLLOW_UP_WORDS = 10

_OPENER = re.compile(r"^(?:and|also|so|but|ok|okay|what about|how about|and what about)\b")
_ANAPHORA = re.compile(r"\b(?:that|it|this|them|they|those|these|one|ones)\b")
_HELP_FOR_IT = re.compile(
    r"\b(?:help|work|do anything|do something|good|useful|fix|treat|any use|worth it|"
    r"worth trying|worth a try|worth a go|worth a shot)\b"
    r".*\b(?:for|with|on)\s+(?:that|it|this|them|those|mine)\b"
    r"|\b(?:help|fix|treat)\s+(?:that|it|this|them)\b"
)
_CORRECTION = re.compile(
    r"^(?:sorry|no|oops|nope|wait|actually)?[\s,.!]*(?:i meant|i mean|i was asking about|"
    r"i was asking|i asked about|what i meant was|i'm asking about|im asking about|"
    r"i am asking about)\b"
)

# Previous topic -> (what the follow-up mentions, the topic it asks about), tried in order.
_AFTER: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "how_many_sessions": (
        (r"\b(?:gap|between|apart|often|spacing|spaced|interval|wait)\b", "how_often"),
        (r"\b(?:last|hold|relief|better|work)\b", "relief_timing"),
    ),
    "how_often": ((r"\b(?:how many|total|number)\b", "how_many_sessions"),),
    "relief_timing": (
        (r"\b(?:days|weeks|months|last|hold|stay|permanent|forever)\b", "relief_timing"),
    ),
    "visit": (
        (r"\b(?:sting|stings|hurt|hurts|painful|pain|ouch|sore|needle)\b", "does_it_hurt"),
        (r"\b(?:long|minutes|time)\b", "visit"),
        (r"\b(?:after|afterwards|drive|work|rest)\b", "downtime"),
    ),
    "what_is_injected": (
        (
            r"\b(?:cortisone|steroid|steroids|cortisol|sugar|dextrose|drug|drugs)\b",
            "what_is_injected",
        ),
        (r"\b(?:safe|allergic|allergy)\b", "safety"),
    ),
    "does_it_hurt": ((r"\b(?:numb|numbing|anaesthetic|anesthetic)\b", "what_is_injected"),),
    "side_effects": ((r"\b(?:long|last|days)\b", "side_effects"),),
}
_RELIEF_HOLD = re.compile(
    r"\b(?:how many days|how many weeks|how many months|how long)\b.*\brelief\b"
    r"|\brelief\b.*\b(?:hold|last|stay)\b"
)
# Whatever came before, a short follow-up with these words asks about that topic.
_ANY: Tuple[Tuple[str, str], ...] = (
    (r"\b(?:cost|price|fee|fees|pay|expensive)\b", "cost"),
    (r"\b(?:insurance|insured|cover|covered)\b", "insurance"),
)


def normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower().replace("’", "'")).split())


# "I've got tennis elbow", "my hip aches every night": a statement, not a diagnosis request.
_STATEMENT = re.compile(
    r"^(?:i have|i've got|ive got|i got|i get|i keep getting|i've been getting|ive been getting|"
    r"i've had|ive had|i had|i suffer|i am suffering|"
    r"i'm suffering|i've been diagnosed|i was diagnosed|i live with|my\b|suffering from|got)"
)
_QUESTION_START = frozenset(
    "what whats how why is are do does can could will would should which where when who".split()
)
# Intents a pain statement is often mistaken for; an FAQ pick stays with the FAQ action.
STATEMENT_OVERRIDES = frozenset({"ask_diagnosis", "out_of_scope", "nlu_fallback", "affirm", "deny"})


def is_pain_statement(text: str) -> bool:
    """A statement about one's own condition or pain, with no question in it."""
    key = normal(text)
    if "?" in text or not key or key.split()[0] in _QUESTION_START:
        return False
    if is_diagnosis_request(key) or wonders_which_problem(key):
        return False  # "I've had this burning for months, what do you think I have"
    return bool(_STATEMENT.match(key))


def previous_topic(events: Sequence[Any]) -> Optional[str]:
    """The topic of the assistant's latest answer (an FAQ topic or ``condition_help``)."""
    for event in reversed(events):
        if not isinstance(event, BotUttered):
            continue
        action = str((event.metadata or {}).get("utter_action") or "")
        if action.startswith(FAQ_RESPONSE_PREFIX):
            return action[len(FAQ_RESPONSE_PREFIX) :]
        if action in CONDITION_RESPONSES or action == "utter_sessions_for_condition":
            return CONDITION_TOPIC if action in CONDITION_RESPONSES else "how_many_sessions"
    return None


def follow_up_topic(
    text: str, previous: Optional[str], names_pain: bool, remembers_pain: bool
) -> Optional[str]:
    """The topic a short follow-up continues, or None when it is not one."""
    key = normal(text)
    if not key or len(key.split()) > MAX_FOLLOW_UP_WORDS:
        return None
    elliptic = bool(_OPENER.match(key) or _ANAPHORA.search(key))
    if names_pain and _OPENER.match(key) and len(key.split()) <= 6:
        return CONDITION_TOPIC  # "and my wrist?", "what about sciatica?"
    if remembers_pain and not names_pain and _HELP_FOR_IT.search(key):
        return CONDITION_TOPIC  # "will it do anything for that?"
    if remembers_pain and re.search(r"\bhow many\b.*\b(?:for|with)\s+(?:that|it|this)\b", key):
        return "how_many_sessions"
    if _RELIEF_HOLD.search(key):
        return "relief_timing"  # "how many days does the relief hold?"
    if not elliptic:
        return None
    for pattern, topic in _AFTER.get(previous or "", ()):
        if re.search(pattern, key):
            return topic
    for pattern, topic in _ANY:
        if re.search(pattern, key):
            return topic
    return None


def _remembers_pain(tracker: Optional[DialogueStateTracker]) -> bool:
    if tracker is None:
        return False
    return any(tracker.get_slot(name) for name in PAIN_ENTITIES)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FollowUpResolver(RuleComponent, IntentClassifier):
    """Short follow-ups become ``ask_topic`` with the topic they continue."""

    def process(
        self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None
    ) -> List[Message]:
        events = list(tracker.events) if tracker is not None else []
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not isinstance(text, str) or text.strip().startswith("/") or intent in KEEP_INTENTS:
                continue
            if tracker is not None and tracker.active_loop_name and not _OPENER.match(normal(text)):
                continue  # a form is asking: plain answers are the form's
            entities = message.get(ENTITIES) or []
            names_pain = any(e.get(ENTITY_ATTRIBUTE_TYPE) in PAIN_ENTITIES for e in entities)
            topic = follow_up_topic(
                text, previous_topic(events), names_pain, _remembers_pain(tracker)
            )
            if topic is None and names_pain and intent in STATEMENT_OVERRIDES:
                topic = CONDITION_TOPIC if is_pain_statement(text) else None
            if topic is None and intent != FAQ and _CORRECTION.match(normal(text)):
                override_intent(message, FAQ)
                continue
            if topic is not None:
                override_intent(message, ASK_TOPIC)
                entity = {
                    ENTITY_ATTRIBUTE_START: 0,
                    ENTITY_ATTRIBUTE_END: len(text),
                    ENTITY_ATTRIBUTE_TYPE: TOPIC_ENTITY,
                    ENTITY_ATTRIBUTE_VALUE: topic,
                    EXTRACTOR: self.__class__.__name__,
                }
                message.set(ENTITIES, list(entities) + [entity], add_to_output=True)
        return messages
