"""Read what a patient typed into the booking and call-back forms.

Pure functions, no Rasa objects, so every rule here is easy to test. Two jobs:

1. Decide whether a message answers the question or interrupts the form (a red flag,
   "cancel", a question about PIT). Interruptions go to the rules in
   data/rules/booking.yml; answers are checked here. An answer we clearly recognise
   (a phone number, "yes", a tapped button) wins over the intent classifier, because
   the classifier was never trained on names and phone numbers.
2. Turn an answer into a clean value, or raise :class:`InvalidInput` with a hint.
   Format rules come from :mod:`bot.bookings.validation`, so the chat and the storage
   apply the same ones; the extra checks here (a name is not a sentence, free text is
   not markup) raise :class:`UnusableAnswer`, whose hint is a domain response so it is
   plain-language checked with the other texts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Tuple

from actions.message import Said
from bot import intents
from bot.bookings.contact_details import emails_in, phone_part
from bot.bookings.validation import (
    InvalidInput,
    clean_free_text,
    clean_name,
    normalise_phone,
    validate_email,
)
from bot.conversation.typed_replies import normal

# Always leave the form's question for the rules: safety first, and topic buttons.
ALWAYS_INTERRUPT = frozenset({intents.RED_FLAG, intents.ASK_TOPIC})
# "cancel", "never mind", "bye": stop the form.
STOP_INTENTS = frozenset({intents.CANCEL, intents.GOODBYE})
# Questions the assistant answers mid-form before asking again.
QUESTION_INTENTS = frozenset({intents.FAQ, intents.CLINIC_INFO})
# "Can I talk to someone?": stop the form and hand over to a person.
HANDOFF_INTENTS = frozenset({intents.HUMAN_HANDOFF})

NAME_MAX_WORDS = 6
CONTACT_MAX_LEN = 300
_QUESTION_WORDS = frozenset(
    "what whats how why when where who which does do is are can could will would should "
    "may am did was were has have tell explain".split()
)
_NAME_PUNCTUATION = frozenset(" '’-.,")
# Words that make a typed "name" a sentence ("I'd rather not say", "just call me").
# Not "i", "my" or "you": I (Balinese), My and You are also parts of names.
_SENTENCE_WORDS = frozenset(
    "i'd i'll i've i'm me your don't dont won't can't cannot not please thanks thank want "
    "prefer".split()
)
# Answers that decline to give a name at all.
_REFUSALS = frozenset(
    "none|nobody|anonymous|n/a|na|skip|pass|no name|not saying|not telling".split("|")
)
_REFUSAL = re.compile(
    r"\b(?:rather not|prefer not|not (?:say|saying|tell|telling|give|giving|share|sharing)"
    r"|(?:don't|dont|do not) want to (?:say|give|share|tell)|none of your business)\b"
)
# Asking for a person in words, not only by the classifier's guess: "Anna Staff" is a
# name, "can I talk to someone" or "a real person please" is a request.
_PERSON_REQUEST = re.compile(
    r"\b(?:(?:a|real|actual|live)\s+(?:person|human|people)|someone|somebody|anybody|anyone"
    r"|(?:talk|speak|chat)\s+(?:to|with)|(?:call|ring|phone)\s+me)\b",
    re.IGNORECASE,
)
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_WORD = re.compile(r"[a-z']+")
# "Hi, my name is Maria" -> "Maria". Not "im": Im is also a surname.
_NAME_INTRO = re.compile(
    r"^\s*(?:(?:hi|hello|hey)\b[\s,!.]*)?"
    r"(?:my name is|my name's|my name|name is|name:|i am|i'm|it's|it is|this is|call me)\s+",
    re.IGNORECASE,
)


class UnusableAnswer(InvalidInput):
    """An answer the form cannot use; ``response`` is the domain response that says why."""

    field = "answer"

    def __init__(self, response: str, code: str) -> None:
        super().__init__(response, code)
        self.response = response


@dataclass(frozen=True)
class Reading:
    """A recognised answer; ``exact`` when it is a button's text or a clear one-word answer."""

    value: Any
    exact: bool = False


def answer_key(text: str) -> str:
    """How an answer is looked up in the lists of known answers ("Yes, I agree!" ->
    "yes, i agree"): lower case, curly quotes straightened, punctuation at the ends and
    extra spaces gone. Inner punctuation stays: "that's right" is one of the answers."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("’", "'")
    return " ".join(text.split()).strip(" .!,;:")


def words(text: str) -> Tuple[str, ...]:
    return tuple(_WORD.findall(answer_key(text)))


def is_payload(text: str) -> bool:
    """Text like ``/book_consultation``: an old button, not something the patient typed."""
    return text.strip().startswith("/")


def looks_like_question(text: str) -> bool:
    found = words(text)
    return "?" in text or (len(found) >= 3 and found[0] in _QUESTION_WORDS)


def asks_for_a_person(text: str) -> bool:
    """The words ask for a person (or are a question), so it is not a typed answer."""
    return looks_like_question(text) or bool(_PERSON_REQUEST.search(text))


def is_refusal(text: str) -> bool:
    """Declining to answer: "No thanks", "I'd rather not say", "none"."""
    key = answer_key(text)
    return key in _NO_EXACT or key in _REFUSALS or bool(_REFUSAL.search(key))


def interrupts(said: Said, reading: Optional[Reading], free_text: bool) -> bool:
    """True when the message is not an answer and the form's rules should handle it."""
    if said.intent in ALWAYS_INTERRUPT:
        return True
    if reading is not None and reading.exact:
        return False
    if said.intent in STOP_INTENTS:
        return True
    if said.intent in HANDOFF_INTENTS:
        # A name or a description the classifier took for "a person" stays an answer.
        return asks_for_a_person(said.text) if free_text else True
    if reading is not None:
        return False
    if said.intent in QUESTION_INTENTS:
        return looks_like_question(said.text) if free_text else True
    return False


# --- yes / no, confirm / change ------------------------------------------------------

_YES_EXACT = frozenset(
    "yes|y|yeah|yep|yup|ok|okay|sure|i agree|agree|agreed|yes i agree|yes please|yes i do|i do|"
    "of course|absolutely|definitely|that's fine|fine|go ahead".split("|")
)
_NO_EXACT = frozenset(
    "no|n|nope|nah|no thanks|no thank you|i don't agree|i do not agree|disagree|i disagree|"
    "i don't|no i don't|i'd rather not|rather not".split("|")
)
_YES_FIRST = frozenset({"yes", "yeah", "yep", "yup", "sure", "ok", "okay"})
_NO_FIRST = frozenset({"no", "nope", "nah"})


def read_yes_no(said: Said, strict: bool = False) -> Optional[Reading]:
    """Yes or no. ``strict`` (consent) trusts only buttons and plain yes / no words, not
    the classifier's guess for typed text: "maybe" must not count as an answer."""
    from_button = is_payload(said.text)
    if said.intent == intents.AFFIRM and (from_button or not strict):
        return Reading(True, exact=True)
    if said.intent == intents.DENY and (from_button or not strict):
        return Reading(False, exact=True)
    key = answer_key(said.text)
    if key in _YES_EXACT:
        return Reading(True, exact=True)
    if key in _NO_EXACT:
        return Reading(False, exact=True)
    first = words(said.text)[:1]
    if first and first[0] in _YES_FIRST:
        return Reading(True)
    if first and first[0] in _NO_FIRST:
        return Reading(False)
    return None


# "Use the number you are texting from": its button's title, its number on SMS, or words.
_USE_NUMBER_EXACT = frozenset(
    "1|use this number|use this one|use this|use it|use that|use that number|use that one|"
    "this number|this one|that number|that one|this phone|same number|the same number|"
    "same one|use my number|use this phone".split("|")
)


def read_use_number(said: Said) -> Optional[Reading]:
    """Yes (True) or no (False) to the offered number, or None when the message is neither.

    Only for a question that offered the number; a typed phone number or email is read as
    the answer before this (see ``is_contact_like``)."""
    if answer_key(said.text) in _USE_NUMBER_EXACT:
        return Reading(True, exact=True)
    return read_yes_no(said)


CONFIRM, CHANGE = "confirm", "change"
_CONFIRM_EXACT = _YES_EXACT | frozenset(
    "send|send it|yes send it|confirm|correct|that's correct|that's right|right|"
    "looks good|all good".split("|")
)
_CHANGE_EXACT = _NO_EXACT | frozenset(
    "change|change something|change it|edit|fix|fix it|wrong|that's wrong|not right".split("|")
)
_CHANGE_WORDS = frozenset(
    {"change", "edit", "fix", "wrong", "update", "mistake", "typo", "correct"}
)


def read_confirmation(said: Said) -> Optional[Reading]:
    """``confirm`` (send it) or ``change`` (redo a detail) at the summary."""
    if said.intent == intents.AFFIRM:
        return Reading(CONFIRM, exact=True)
    if said.intent == intents.DENY:
        return Reading(CHANGE, exact=True)
    key = answer_key(said.text)
    if key in _CHANGE_EXACT:
        return Reading(CHANGE, exact=True)
    if key in _CONFIRM_EXACT:
        return Reading(CONFIRM, exact=True)
    found = words(said.text)
    if found and (found[0] in _NO_FIRST or _CHANGE_WORDS.intersection(found)):
        return Reading(CHANGE)
    if found and found[0] in _YES_FIRST:
        return Reading(CONFIRM)
    return None


# --- multiple choice -----------------------------------------------------------------

_NEW_EXACT = frozenset(
    "new|new patient|i'm new|im new|i am new|first time|first visit|new here|never".split("|")
)
_RETURNING_EXACT = frozenset(
    "returning|returning patient|existing|existing patient|been before|i've been before|"
    "i have been before|return patient".split("|")
)
_RETURNING_WORDS = frozenset(
    {"returning", "return", "existing", "again", "previously", "previous", "already"}
)
_NEGATIONS = frozenset({"not", "never", "haven't", "havent", "didn't", "didnt", "no"})


def read_patient_type(said: Said) -> Optional[Reading]:
    """``new`` or ``returning`` from a button or words like "first time", "been before"."""
    key = answer_key(said.text)
    if key in _NEW_EXACT:
        return Reading("new", exact=True)
    if key in _RETURNING_EXACT:
        return Reading("returning", exact=True)
    found = set(words(said.text))
    if found & _NEGATIONS and ("before" in found or found & _RETURNING_WORDS):
        return Reading("new")
    if found & _RETURNING_WORDS or "before" in found:
        return Reading("returning")
    if found & {"new", "first"}:
        return Reading("new")
    return None


NO_CHANGE = "none"
_CHANGE_CHOICES: Dict[str, str] = {
    "name": "name",
    "my name": "name",
    "phone or email": "contact",
    "contact": "contact",
    "phone": "contact",
    "email": "contact",
    "phone number": "contact",
    "number": "contact",
    "my number": "contact",
    "my email": "contact",
    "pain area": "pain_area",
    "pain": "pain_area",
    "area": "pain_area",
    "condition": "pain_area",
    "new or returning": "patient_type",
    "patient type": "patient_type",
    "best times": "times",
    "best time": "times",
    "times": "times",
    "time": "times",
    "days": "times",
    "nothing": NO_CHANGE,
    "none": NO_CHANGE,
    "no changes": NO_CHANGE,
    "nothing else": NO_CHANGE,
}
_CHANGE_KEYWORDS = (
    ("name", "name"),
    ("phone", "contact"),
    ("email", "contact"),
    ("number", "contact"),
    ("pain", "pain_area"),
    ("area", "pain_area"),
    ("returning", "patient_type"),
    ("new", "patient_type"),
    ("time", "times"),
    ("times", "times"),
    ("day", "times"),
    ("days", "times"),
    ("when", "times"),
)


def read_change_choice(said: Said, choices: Iterable[str]) -> Optional[Reading]:
    """Which detail to redo (one of ``choices``), or ``none`` to go back to the summary."""
    allowed = set(choices) | {NO_CHANGE}
    if said.intent == intents.AFFIRM or said.intent == intents.DENY:
        return Reading(NO_CHANGE, exact=True)
    choice = _CHANGE_CHOICES.get(answer_key(said.text))
    if choice in allowed:
        return Reading(choice, exact=True)
    found = words(said.text)
    for keyword, choice in _CHANGE_KEYWORDS:
        if keyword in found and choice in allowed:
            return Reading(choice)
    return None


# --- free answers ----------------------------------------------------------------------


def read_name(said: Said) -> Optional[Reading]:
    """An answer to "What is your full name?" that no classifier guess should take away:
    a usable name after "my name is" / "call me", or declining to give one (which gets
    its own reply, not an FAQ answer). "Cancel" still stops the form."""
    if said.intent in STOP_INTENTS:
        return None
    if is_refusal(said.text):
        return Reading(said.text, exact=True)
    if _NAME_INTRO.match(said.text or ""):
        try:
            return Reading(check_name(said.text), exact=True)
        except InvalidInput:
            return None
    return None


def button_titles(domain: Mapping[str, Any]) -> FrozenSet[str]:
    """The titles of every button our responses offer, as typed replies compare them
    (:func:`bot.conversation.typed_replies.normal`).

    A patient who types a button's words ("Request a callback") at the name question
    is choosing an option, not giving a name; the form must not store it as one."""
    titles = set()
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            for button in (variation or {}).get("buttons") or []:
                title = normal(str((button or {}).get("title") or ""))
                if title:
                    titles.add(title)
    return frozenset(titles)


def check_name(text: str, refused: FrozenSet[str] = frozenset()) -> str:
    """A name: the storage rules, then no digits or symbols and not a whole sentence.

    A leading "my name is" / "I'm" is dropped, so the clinic gets just the name. An
    answer that declines ("I'd rather not say") or is a sentence ("just call me") gets
    ``utter_request_name_needed``, which says why a name is needed and how to stop.
    ``refused`` holds texts (as :func:`normal` leaves them) that are never a name: our own
    buttons' titles (:func:`button_titles`).
    """
    if is_payload(text):
        raise UnusableAnswer("utter_request_name_hint", "name_payload")
    if isinstance(text, str) and normal(text) in refused:
        raise UnusableAnswer("utter_request_name_hint", "name_button")
    if isinstance(text, str) and _NAME_INTRO.sub("", text, count=1).strip():
        text = _NAME_INTRO.sub("", text, count=1)
    name = clean_name(text)
    if is_refusal(name) or _SENTENCE_WORDS.intersection(words(name)):
        raise UnusableAnswer("utter_request_name_needed", "name_refused")
    for char in name:
        if char in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(char)[0] not in ("L", "M"):
            raise UnusableAnswer("utter_request_name_hint", "name_symbols")
    if looks_like_question(name) or len(name.split()) > NAME_MAX_WORDS:
        raise UnusableAnswer("utter_request_name_hint", "name_sentence")
    return name


def check_free_text(text: str, max_len: int) -> str:
    """Pain area or preferred times: plain words (any language), not markup or a button."""
    if is_payload(text):
        raise UnusableAnswer("utter_request_text_hint", "text_payload")
    value = clean_free_text(text, max_len)
    if not any(unicodedata.category(c)[0] in ("L", "N") for c in value):
        raise UnusableAnswer("utter_request_text_hint", "text_no_words")
    if _HTML_TAG.search(value):
        raise UnusableAnswer("utter_request_text_hint", "text_markup")
    return value


def is_contact_like(text: str) -> bool:
    """Looks like an attempt at a phone number or an email address."""
    return "@" in text or sum(c.isdigit() for c in text) >= 6


def check_contact(
    text: str, region: str, hints: Sequence[str] = ()
) -> Tuple[Optional[str], Optional[str]]:
    """(phone in E.164, email) from "phone or email" – either, or both in one message.

    ``hints``: countries the patient is probably in, for a local number (normalise_phone)."""
    value = (text or "").strip()
    if not value or len(value) > CONTACT_MAX_LEN or is_payload(value):
        raise UnusableAnswer("utter_request_contact_hint", "contact_unusable")
    emails = emails_in(value)
    if len(emails) > 1:
        raise UnusableAnswer("utter_request_contact_hint", "contact_two_emails")
    email = validate_email(emails[0].strip(".")) if emails else None
    rest = value.replace(emails[0], " ") if emails else value
    phone = None
    if sum(c.isdigit() for c in rest) >= 3:
        phone = normalise_phone(phone_part(rest), region, hints)
    elif email is None:
        raise UnusableAnswer("utter_request_contact_hint", "contact_unusable")
    return phone, email


def check_phone(text: str, region: str, hints: Sequence[str] = ()) -> str:
    """A phone number the clinic can call (a call-back needs a phone, not an email)."""
    value = (text or "").strip()
    if "@" in value or is_payload(value):
        raise UnusableAnswer("utter_request_phone_hint", "phone_not_a_number")
    if len(value) > CONTACT_MAX_LEN:
        return normalise_phone(value, region)  # refuses it, with the storage's own hint
    return normalise_phone(phone_part(value), region, hints)
