"""A name, phone number or email typed when no form is asking for one.

Patients on SMS and WhatsApp often just send their number or name ("07700 900123",
"it's Dana Price") expecting to be called back. The intent classifier was never trained on
names and numbers, so without this such a message got an FAQ answer. This component gives
it intent ``share_details``; the dialogue (action_offer_details) then offers to pass the
details on. Nothing is stored here: the booking / call-back form reads the detail back from
the conversation only after the patient says yes (actions/booking/validate.py).

A form that is asking is left alone: its own validation reads the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot import intents
from bot.bookings.contact_details import FILLER_WORDS
from bot.intent_override import override_intent
from bot.privacy.masking import PHONE_RUN
from bot.rule_component import RuleComponent

SHARE_DETAILS_INTENT = intents.SHARE_DETAILS
NAME, PHONE, EMAIL = "name", "phone", "email"
# Intents that always win: safety first, and a patient asking for a person or to book
# with their number in the same message is better served by those answers.
KEEP_INTENTS = frozenset({intents.RED_FLAG, intents.HUMAN_HANDOFF, intents.BOOK_CONSULTATION})
# A bare "Dana Price" counts as a name only when the classifier has no good idea either.
BARE_NAME_MAX_CONFIDENCE = 0.7

_EMAIL = re.compile(r"[^\s,;:<>()\[\]@]+@[^\s,;:<>()\[\]@]+\.[A-Za-z]{2,}")
# 7 to 15 digits with the usual separators: long enough not to be a year or a count.
_PHONE = PHONE_RUN  # the run of digits the studio's masking hides too
# "12 05 2024" or "12-05-24": a date, not a phone number.
_DATE = re.compile(r"\d{1,2}[\s./\-]\d{1,2}[\s./\-](?:\d{2}|\d{4})")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Words besides filler ("my number is", "hi", "thanks") a contact-details message may have:
# a name ("Dana Price here, 0770 900123").
MAX_OTHER_WORDS = 2
_INTRO_WORDS = frozenset("here name name's names i'm im i am hey hiya g'day".split())
# A question without its mark: "Maria here, 202-555-0199: can you recommend a plumber".
_ASKS = re.compile(
    r"\b(?:(?:can|could|would|will|do|does|did|is|are) (?:you|u|it|i|this|that)|"
    r"how|what|whats|when|where|why|which|who)\b",
    re.IGNORECASE,
)
# How people hand over a number or address: "reach me at ..., ask for Mike", "if that's easier".
_HANDOVER_WORDS = frozenset(
    "ask for if that's thats easier great cheers mob ring best of both either".split()
)
# Words around details that say nothing else (and are never a name).
_DETAILS_TALK = FILLER_WORDS | _INTRO_WORDS | _HANDOVER_WORDS
# Longer than any name, number and greeting together: a story, not details.
MAX_DETAILS_LEN = 200
_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*"
_INTRO_NAME = re.compile(
    r"^\s*(?:(?:hi|hello|hey)\b[\s,!.]*)?"
    r"(?:my name is|my name's|name is|name's|this is|call me|i am|i'm|im|it's)\s+"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s*(?:here)?[\s.!]*$",
    re.IGNORECASE,
)
_NAME_HERE = re.compile(rf"^\s*(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\s+here[\s.!]*$")
_BARE_NAME = re.compile(rf"^\s*(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})[\s.!]*$")
# A name beside a number or address: "my names Shannon and my mobile is ...", "reach me at
# ..., ask for Mike", "Eleanor Whitby, e.whitby@example.com", "Dana Price here, 201 ...".
_NAME_BESIDE_CONTACT = (
    re.compile(
        r"\b(?:my name is|my name's|my names|name is|name's|this is|it's|its|i'm|i am|"
        rf"ask for|speak to|call me)\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}?)"
        r"(?=\s*(?:$|[,.;!]|\s(?:and|here|on|at|my|or)\b))",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^\s*(?:(?:hi|hello|hey|hiya|great|thanks|ok|okay)\b[\s,!.]*)?"
        rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}?)(?:\s+here)?\s*[,;:\-]"
    ),
)
# Words after "I'm" that describe the patient, not name them.
_NOT_NAMES = frozenset(
    "a an the in on at so not just still very really also here there back new fine good ok okay "
    "sorry sure glad happy worried scared nervous afraid interested looking trying asking "
    "wondering thinking calling having getting going done tired sick sore hurting unsure "
    "curious confused pregnant diabetic older old young over under from with about".split()
)


@dataclass(frozen=True)
class Detail:
    """One personal detail found in a message: kind (name | phone | email) and the text."""

    kind: str
    value: str


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _looks_like_name(name: str, typed_capitalised: bool) -> bool:
    parts = name.split()
    if not parts or parts[0].lower() in _NOT_NAMES:
        return False
    if any(p.lower() in _NOT_NAMES for p in parts):
        return False
    return typed_capitalised or len(parts) >= 2


def _contact_details(text: str) -> List[Detail]:
    """The email address and the phone number in ``text`` (each at most once)."""
    found = []
    email = _EMAIL.search(text)
    if email:
        found.append(Detail(EMAIL, email.group(0).strip(".")))
    for match in _PHONE.finditer(text):
        if 7 <= _digits(match.group(0)) <= 15 and not _DATE.fullmatch(match.group(0).strip()):
            found.append(Detail(PHONE, match.group(0).strip()))
            break
    return found


def _name_beside_contact(text: str) -> Optional[Detail]:
    for pattern in _NAME_BESIDE_CONTACT:
        for match in pattern.finditer(text):
            name = match.group("name").strip()
            capitalised = all(p[:1].isupper() for p in name.split())
            if (
                capitalised
                and _looks_like_name(name, True)
                and not _words_of_contact(name)
                and not _all_words_we_use(name)
            ):
                return Detail(NAME, name)
    return None


def _words_of_contact(name: str) -> bool:
    """ "My Mobile" or "Email Me" are words about the details, not a name."""
    return any(w.lower() in _DETAILS_TALK for w in name.split())


def _says_little_else(text: str, *values: str) -> bool:
    """True when the message is about the details: no question, at most a name around them.

    "can I email my scan to you at a@b.org?" or "my number is 0770 900123 and my knee
    still hurts" ask or tell something else, so they go through NLU as usual.
    """
    if "?" in text or _ASKS.search(text):
        return False
    rest = text
    for value in values:
        rest = rest.replace(value, " ")
    other = [w for w in _WORD.findall(rest.lower()) if w not in _DETAILS_TALK]
    return len(other) <= MAX_OTHER_WORDS


def _ours(name: str) -> List[bool]:
    """For each word of ``name``: does it appear in any training example?"""
    from bot.nlp.fuzzy import training_words

    vocabulary = training_words()
    return [part.lower() in vocabulary for part in name.split()]


def _all_words_we_use(name: str) -> bool:
    """ "Knee Pain, 201 555 0123": every word is one of ours, so it is no name ("Dana Price"
    has "price", but "dana" is in no training example)."""
    return all(_ours(name))


def _words_we_never_use(name: str) -> bool:
    """ "Rebecca Thornton": no word of it appears in any training example, so whatever topic
    the classifier picked, it picked it from nothing; "Tennis Elbow" or "Side Effects" do."""
    return not any(_ours(name))


def find_detail(text: str, classifier_confidence: float = 0.0) -> Optional[Detail]:
    """The first of find_details: the email, else the phone number, else the name."""
    found = find_details(text, classifier_confidence)
    return found[0] if found else None


def find_details(text: str, classifier_confidence: float = 0.0) -> List[Detail]:
    """Every personal detail ``text`` carries (email, phone, name), if it is a message of
    details: "great. Eleanor Whitby, e.whitby@example.com or +44 7700 900631" gives three.

    ``classifier_confidence`` is how sure the intent classifier was about something
    else: a bare capitalised "Dana Price" counts as a name only when it was unsure.
    """
    text = text or ""
    if not _may_hold_details(text):
        return []
    found = _contacts_and_name(text)
    if found:
        return found if _says_little_else(text, *(d.value for d in found)) else []
    name = _name_alone(text, classifier_confidence)
    return [name] if name else []


def details_in_request(text: str) -> List[Detail]:
    """The email address, phone number and a name beside them in a message that asks for
    something too: "I'm Sam Lee, sam@example.org, I'd like to book" gives two. For a booking
    request, whose other words are the request itself, not a question about the details."""
    text = text or ""
    return _contacts_and_name(text) if _may_hold_details(text) else []


def _may_hold_details(text: str) -> bool:
    """Not a button payload, and short enough to be read for details."""
    return not text.strip().startswith("/") and len(text) <= MAX_DETAILS_LEN


def _contacts_and_name(text: str) -> List[Detail]:
    """The email and phone in ``text``, and the name beside them; nothing without a contact."""
    contacts = _contact_details(text)
    if not contacts:
        return []
    name = _name_beside_contact(text)
    return contacts + ([name] if name else [])


def _name_alone(text: str, classifier_confidence: float) -> Optional[Detail]:
    intro = _INTRO_NAME.match(text)
    if intro:
        name = intro.group("name")
        capitalised = all(p[:1].isupper() for p in name.split())
        if _looks_like_name(name, capitalised or len(name.split()) >= 2):
            return Detail(NAME, name)
        return None
    here = _NAME_HERE.match(text)
    if here and _looks_like_name(here.group("name"), True):
        return Detail(NAME, here.group("name"))
    bare = _BARE_NAME.match(text)
    if bare and (
        classifier_confidence < BARE_NAME_MAX_CONFIDENCE or _words_we_never_use(bare.group("name"))
    ):
        name = bare.group("name")
        if all(p[:1].isupper() for p in name.split()) and _looks_like_name(name, True):
            return Detail(NAME, name)
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PersonalDetailsClassifier(RuleComponent, IntentClassifier):
    """Intent ``share_details`` for a name / phone / email typed while no form is asking."""

    def process(
        self, messages: List[Message], tracker: Optional[DialogueStateTracker] = None
    ) -> List[Message]:
        if tracker is not None and tracker.active_loop_name:
            return messages  # the form asking reads its own answers
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name in KEEP_INTENTS - {intents.HUMAN_HANDOFF}:
                continue
            if name == intents.HUMAN_HANDOFF:
                # "you can reach me at a@b.org" reads like a handoff to the classifier, yet
                # only gives an address; a request in words ("call me back") stays a request.
                text = str(message.get(TEXT) or "")
                contacts = _contact_details(text)
                if not contacts or not _says_little_else(text, *(c.value for c in contacts)):
                    continue
            if any(
                e.get("entity") in ("condition", "body_part") for e in message.get(ENTITIES) or []
            ):
                confidence = 1.0  # "Tennis Elbow" is a condition, not a name
            else:
                confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            detail = find_detail(str(message.get(TEXT) or ""), confidence)
            if detail is None:
                continue
            override_intent(message, SHARE_DETAILS_INTENT)
        return messages
