"""Mask what identifies a patient in a message before staff read it or it becomes training data.

The staff studio's inbox shows real patient messages. They must not show phone numbers,
emails, names the patient typed or dates of birth; Rasa's tracker keeps the original, and
masking happens when the inbox stores a message, so an unmasked copy never reaches the
studio's own tables. Each kind becomes a placeholder a reader understands: ``[phone]``.

Masking errs on the side of hiding: every full date is masked (a date of birth looks like
any other date), and any run of 7 or more digits counts as a phone number.
"""

from __future__ import annotations

import re
from typing import Iterable

import phonenumbers

EMAIL, PHONE, DATE, NAME, QUERY = "[email]", "[phone]", "[date]", "[name]", "[details]"
PLACEHOLDERS = (EMAIL, PHONE, DATE, NAME, QUERY)
# A link's query can carry the patient's details, encoded (the booking link pre-fills them).
_URL_QUERY = re.compile(r"(https?://[^\s?#]+)\?[^\s#]*", re.IGNORECASE)

_EMAIL = re.compile(r"[^\s,;:<>()\[\]@]+@[^\s,;:<>()\[\]@]+\.[^\W\d_]{2,}")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATES = [
    re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"),  # 1980-03-14
    re.compile(r"\b\d{1,2}[-/. ]\d{1,2}[-/. ](?:\d{4}|\d{2})\b"),  # 14/03/1980, 3-14-80
    re.compile(
        rf"\b{_DAY}\s+(?:of\s+|de\s+)?{_MONTHS}\.?,?\s*(?:de\s+)?(?:\d{{4}}|'?\d{{2}})?\b", re.I
    ),
    re.compile(rf"\b{_MONTHS}\.?\s+{_DAY},?\s*(?:\d{{4}}|'?\d{{2}})?\b", re.I),
    # "born in 1980", "DOB: 1980", "date of birth 1980"
]
# "born in 1980", "DOB: 1980", "date of birth 1980": the year alone is enough here.
_BIRTH_YEAR = re.compile(r"\b(?P<cue>born(?: in)?|dob:?|birth:?|nac[ií] en)\s+\d{4}\b", re.I)
# 7 to 15 digits with the usual separators: longer than a count, a year or a dose.
PHONE_RUN = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().\-]{5,18}\d(?![\w/])")
_MIN_PHONE_DIGITS = 7

_NAME_WORD = r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)?"
_CAPITAL_WORD = r"[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)?"
# Introductions that always name the patient, whatever the case of the words after them.
_NAMED = re.compile(
    r"\b(?:my name is|my name's|my names|name is|name's|name:|call me|me llamo|mi nombre es)"
    rf"\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})?)",
    re.I,
)
# "I'm Dana", "this is Dana Price", "soy Ana": a name only when it is capitalised.
_INTRO = re.compile(
    r"\b(?i:i am|i'm|i’m|im|this is|it's|it’s|soy|here is|here's)"
    rf"\s+(?P<name>{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD})?)"
)
# "Dana Price here", and a signature at the end: "thanks, Dana".
_HERE = re.compile(rf"(?:^|[.!?]\s+)(?P<name>{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD})?)\s+here\b")
_SIGNATURE = re.compile(
    r"\b(?i:thanks|thank you|regards|cheers|best|gracias|saludos)[,!.]?\s+"
    rf"(?:-\s*)?(?P<name>{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD})?)\s*[.!]*\s*$"
)
# Capitalised words after "I'm" that describe the patient, not name them.
_NOT_NAMES = frozenset(
    "a an the in on at so not just still very really also here there back new fine good ok okay "
    "sorry sure glad happy worried scared nervous afraid interested looking trying asking "
    "wondering thinking calling having getting going done tired sick sore hurting unsure "
    "curious confused pregnant diabetic older old young over under from with about what how "
    "why when where who is it this that pit neural perineural prolotherapy dr doctor "
    "and y e my me i im i'm on at to for".split()
)


def _mask_names(text: str, pattern: "re.Pattern[str]") -> str:
    """Replace the ``name`` group, up to the first word that describes rather than names."""

    def replace(match: "re.Match[str]") -> str:
        words = list(re.finditer(r"\S+", match.group("name")))
        kept = 0
        for word in words:
            if word.group(0).lower().strip("'’.,") in _NOT_NAMES:
                break
            kept += 1
        if not kept:
            return match.group(0)
        whole = match.group(0)
        start = match.start("name") - match.start()
        end = start + words[kept - 1].end()
        return whole[:start] + NAME + whole[end:]

    return pattern.sub(replace, text)


def _mask_phones(text: str, region: str) -> str:
    spans = []
    try:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        ):
            spans.append((match.start, match.end))
    except Exception:  # noqa: BLE001 - a library quirk must not leave a number unmasked
        spans = []
    for found in PHONE_RUN.finditer(text):
        if sum(ch.isdigit() for ch in found.group(0)) >= _MIN_PHONE_DIGITS:
            spans.append(found.span())
    for start, end in sorted(_merge(spans), reverse=True):
        text = text[:start] + PHONE + text[end:]
    return text


def _merge(spans: Iterable[tuple]) -> list:
    merged: list = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_known_names(text: str, names: Iterable[str]) -> str:
    """Hide every word of names the patient gave elsewhere (a booking form's name)."""
    for name in names:
        for word in sorted(set(str(name).split()), key=len, reverse=True):
            word = word.strip(".,!?;:")
            if len(word) < 2:
                continue
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", NAME, text, flags=re.I)
    return re.sub(rf"{re.escape(NAME)}(?:\s+{re.escape(NAME)})+", NAME, text)


def mask(text: str, region: str = "US", names: Iterable[str] = ()) -> str:
    """``text`` with emails, phone numbers, dates, names and links' queries replaced by
    placeholders."""
    if not text:
        return ""
    text = _URL_QUERY.sub(rf"\1?{QUERY}", text)
    text = _EMAIL.sub(EMAIL, text)
    for pattern in _DATES:
        text = pattern.sub(DATE, text)
    text = _BIRTH_YEAR.sub(lambda m: f"{m.group('cue')} {DATE}", text)
    text = _mask_phones(text, region)
    for pattern in (_NAMED, _INTRO, _HERE, _SIGNATURE):
        text = _mask_names(text, pattern)
    return mask_known_names(text, names)
