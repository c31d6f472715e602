"""Typed replies to the assistant's own buttons, and no forged ``/intent{...}`` messages.

On SMS, WhatsApp and Telegram patients answer an offer by typing: the button's words, its
number, "yes please", "nah", or a near-miss spelling. And on every channel anyone can type
``/request_booking{"request_consent": true}``, which Rasa would otherwise take as a button.

Why this seam: every channel (REST, socket.io, Telegram, Twilio, ...) hands its text to
``MessageProcessor.parse_message``, which runs the NLU graph with the conversation's tracker
(Rasa 3.6 gives a component the tracker when its ``process`` has a ``tracker`` argument).
This component runs last in our pipeline, so after the classifiers and before
``RegexMessageHandler``, which Rasa always appends and which turns ``/intent{...}`` text into
an intent. Here, with the buttons the assistant sent read from the tracker:

- a typed reply that matches an option of the last offer becomes that option's payload, as if
  tapped (the patient's own words stay in the conversation's record);
- a name, phone or email typed after an offer with one "send my details" option selects it
  (the form then starts with that detail filled in);
- text starting with "/" passes as an intent only when it equals a button payload the assistant
  sent in this conversation; anything else has its slash swapped for a full-width one, so the
  handler leaves it alone and it stays the plain text the classifiers already read;
- while a form asks, a "cancel" or "bye" the classifier only guessed (below 0.8, and no stop
  word in the text) becomes the form's answer instead of ending the form and losing it.

The forms never take slot values from a message's entities; they read answers through their
own validation (actions/booking/validate.py).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Sequence

from rapidfuzz import fuzz
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import intents
from bot.rule_component import RuleComponent

logger = logging.getLogger(__name__)

PAYLOAD_PREFIX = "/"
NEUTRAL_PREFIX = "\uff0f"  # FULLWIDTH SOLIDUS: looks like "/", is not Rasa's intent prefix
AFFIRM, DENY = "/affirm", "/deny"
FALLBACK_INTENT = "nlu_fallback"  # the form reads it as an answer to its question
TYPED_REPLY_KEY = "typed_reply"  # in the parse data: which option a typed reply chose
# A name, phone or email typed right after an offer whose one "send my details" option is
# one of these: the patient is answering it (actions/booking/prefill.py fills the detail in).
DETAIL_PAYLOADS = frozenset({"/request_booking", "/request_callback"})
DETAILS_REPLY = "details"
# Intents that keep their meaning even when the words also match an option.
KEEP_INTENTS = frozenset({"red_flag"})
FUZZY_MIN_SCORE = 85.0  # rapidfuzz ratio (0-100) for a misspelt title
FUZZY_MARGIN = 5.0  # the best title must beat the next one by this much
YES_NO_MAX_WORDS = 6
# While a form asks, "cancel" or "bye" guessed by the classifier ends the form and forgets the
# answers so far, so a guess must be sure or say so in words ("left hip" read as "leave it").
STOP_INTENTS = frozenset({"cancel", "goodbye"})
SURE_STOP_CONFIDENCE = 0.8
_STOP_WORDS = re.compile(
    r"\b(cancel\w*|stop\w*|quit|exit|abort|never ?mind|nvm|forget|changed? my mind|"
    r"don'?t|do not|not interested|no longer|any ?more|leave it|scrap|another time|later|"
    r"bye|goodbye|cya|see (you|ya)|that'?s all|done|enough|no thanks?)\b",
    re.IGNORECASE,
)

_YES_WORDS = frozenset("yes y yeah yea yep yup ya yah ok okay k sure absolutely definitely".split())
_YES_PHRASES = frozenset(
    {
        "yes please",
        "please",
        "please do",
        "go ahead",
        "go on",
        "of course",
        "sounds good",
        "that would be great",
        "that would be good",
        "lets do it",
        "let's do it",
        "i would like that",
        "i'd like that",
        "id like that",
        "why not",
        "alright",
        "all right",
        "sure thing",
        "ok then",
        "fine",
        "i agree",
        "agreed",
        "correct",
        "right",
        "that's right",
        "thats right",
    }
)
_NO_WORDS = frozenset("no n nope nah nay".split())
_NO_PHRASES = frozenset(
    {
        "not now",
        "not yet",
        "not today",
        "not really",
        "no thanks",
        "no thank you",
        "maybe later",
        "later",
        "another time",
        "not right now",
        "i'm good",
        "im good",
        "i'm ok",
        "i'll pass",
        "pass",
        "don't",
        "dont",
        "i don't",
        "no need",
        "not interested",
        "rather not",
        "i'd rather not",
    }
)
_BUT = frozenset({"but", "though", "however", "what", "how", "why", "when", "where", "which"})
_FILLER = frozenset("a an the is it what how do does i my me to of for and or you your".split())
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1}
_NUMBER = re.compile(r"^(?:(?:option|number|no|#)\s*)?(\d{1,2})$")
_ORDINAL = re.compile(r"^(?:the\s+)?(first|second|third|fourth|fifth|sixth|last)(?:\s+one)?$")


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Choice:
    """The option a typed reply selected, and how it was recognised."""

    button: Button
    how: str  # title | number | yes | no | spelling


def normal(text: str) -> str:
    """Lower case, no punctuation, single spaces: 'Yes, send it!' -> 'yes send it'."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def _buttons(data: Any) -> List[Button]:
    found = []
    for item in (data or {}).get("buttons") or []:
        if isinstance(item, dict) and item.get("payload"):
            found.append(Button(str(item.get("title") or ""), str(item["payload"])))
    return found


def sent_payloads(events: Iterable[Any]) -> set:
    """Every button payload the assistant sent in this conversation."""
    return {
        button.payload.strip()
        for event in events
        if isinstance(event, BotUttered)
        for button in _buttons(event.data)
    }


def last_offer(events: Sequence[Any], form_active: bool = False) -> List[Button]:
    """The options of the assistant's last turn: the buttons of its last message that had any.

    While a form is asking, only the very last message counts: an FAQ answered in the
    middle of the form may have had buttons, but the patient is now answering the question.
    """
    turn: List[BotUttered] = []
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            turn.append(event)  # newest first
    if form_active:
        turn = turn[:1]
    for message in turn:
        found = _buttons(message.data)
        if found:
            return found
    return []


# Hesitations before an answer and softeners after it: "hmm not right now", "yeah go on then".
_LEADING_FILLER = frozenset("hmm hm hmmm um umm uh erm er well oh ah ahh so".split())
_TRAILING_FILLER = frozenset("then please pls plz thanks thx ta mate lol".split())


def _trimmed(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[0] in _LEADING_FILLER:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING_FILLER:
        words = words[:-1]
    return " ".join(words)


def _yes_no(key: str) -> Optional[bool]:
    """True / False for an unambiguous yes / no, else None ("yes but how much?" is neither)."""
    if not key or len(key.split()) > YES_NO_MAX_WORDS:
        return None
    if key not in _YES_PHRASES and key not in _NO_PHRASES:
        key = _trimmed(key)
    if key in _YES_PHRASES or key in _YES_WORDS:
        return True
    if key in _NO_PHRASES or key in _NO_WORDS:
        return False
    first, rest = key.split()[0], key.split()[1:]
    if _BUT.intersection(rest):
        return None
    tail = " ".join(rest)
    if first in _YES_WORDS and (not tail or tail in _YES_PHRASES or tail.startswith("please")):
        return True
    if first in _NO_WORDS and (not tail or tail in _NO_PHRASES or tail.startswith("thank")):
        return False
    return None


def _yes_no_buttons(buttons: Sequence[Button]) -> tuple:
    """(yes button, no button) of an offer; a lone "Yes, ..." offer takes "no" as /deny."""
    yes = next((b for b in buttons if b.payload == AFFIRM), None) or next(
        (b for b in buttons if normal(b.title).split()[:1] == ["yes"]), None
    )
    no = next((b for b in buttons if b.payload == DENY), None) or next(
        (b for b in buttons if normal(b.title).split()[:1] in (["no"], ["not"])), None
    )
    if yes is not None and no is None:
        no = Button("No", DENY)
    return yes, no


def _by_words(key: str, titles: Sequence[str]) -> Optional[int]:
    """'returning' -> 'Returning patient': a short reply whose words are in one title only."""
    typed = key.split()
    if len(typed) > 3 or len(key) < 4 or set(typed) <= _FILLER:
        return None
    hits = [i for i, title in enumerate(titles) if set(typed) <= set(title.split())]
    return hits[0] if len(hits) == 1 else None


def match_reply(text: str, buttons: Sequence[Button]) -> Optional[Choice]:
    """The option ``text`` selects among ``buttons``, or None when it selects none."""
    key = normal(text)
    if not key or not buttons:
        return None
    titles = [normal(b.title) for b in buttons]
    if key in titles:
        return Choice(buttons[titles.index(key)], "title")
    number = _NUMBER.match(key)
    ordinal = _ORDINAL.match(key)
    index = int(number.group(1)) if number else _ORDINALS[ordinal.group(1)] if ordinal else None
    if index is not None:
        if index == -1:
            return Choice(buttons[-1], "number")
        return Choice(buttons[index - 1], "number") if 1 <= index <= len(buttons) else None
    yes, no = _yes_no_buttons(buttons)
    if yes is not None:
        answer = _yes_no(key)
        if answer is True:
            return Choice(yes, "yes")
        if answer is False:
            return Choice(no, "no")
    found = _by_words(key, titles)
    if found is not None:
        return Choice(buttons[found], "words")
    scores = sorted(((fuzz.ratio(key, t), i) for i, t in enumerate(titles) if t), reverse=True)
    if scores and scores[0][0] >= FUZZY_MIN_SCORE:
        if len(scores) == 1 or scores[0][0] - scores[1][0] >= FUZZY_MARGIN:
            return Choice(buttons[scores[0][1]], "spelling")
    return None


def details_reply(message: Message, buttons: Sequence[Button]) -> Optional[Choice]:
    """A name, phone or email typed after "I can send your details now [Yes, send my
    details]" answers that option: the patient is already giving them. Not when the offer
    has two such options (book or call back): the patient must choose."""
    if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != intents.SHARE_DETAILS:
        return None
    options = [b for b in buttons if b.payload.strip() in DETAIL_PAYLOADS]
    return Choice(options[0], DETAILS_REPLY) if len(options) == 1 else None


def is_unsure_stop(message: Message, text: str) -> bool:
    """A "cancel" or "bye" the classifier guessed without saying so in words."""
    intent = message.get(INTENT) or {}
    if intent.get(INTENT_NAME_KEY) not in STOP_INTENTS:
        return False
    if float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= SURE_STOP_CONFIDENCE:
        return False
    return not _STOP_WORDS.search(text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TypedReplyResolver(RuleComponent, IntentClassifier):
    """Typed replies select the last offer's option; unsent payloads stay plain text."""

    def process(
        self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None
    ) -> List[Message]:
        events = list(tracker.events) if tracker is not None else []
        if not events:
            # A parse outside any conversation (`rasa test`, /model/parse): nothing was
            # offered and nothing will happen. A channel's message always comes with the
            # conversation's tracker, which holds at least its session start.
            return messages
        form_active = bool(tracker is not None and tracker.active_loop_name)
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            if text.strip().startswith(PAYLOAD_PREFIX):
                if text.strip() not in sent_payloads(events):
                    message.set(TEXT, NEUTRAL_PREFIX + text.strip()[1:])
                    logger.info("A typed '/...' message that no button sent: read as plain text.")
                continue
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in KEEP_INTENTS:
                continue
            offer = last_offer(events, form_active)
            choice = match_reply(text, offer)
            if choice is None and not form_active:
                choice = details_reply(message, offer)
            if choice is None:
                if form_active and is_unsure_stop(message, text):
                    message.set(
                        INTENT, {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                    )
                    logger.info("An unsure 'stop' during a form: read as the form's answer.")
                continue
            message.set(TEXT, choice.button.payload)
            message.set(
                TYPED_REPLY_KEY,
                {"title": choice.button.title, "how": choice.how},
                add_to_output=True,
            )
        return messages
