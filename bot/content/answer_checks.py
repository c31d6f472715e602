"""Checks on an FAQ answer that clinic staff typed in a web form, run before it can be saved.

Patients read these answers as the clinic's word, so an answer must be plain (US grade 8 or
below), plain text (a chat shows HTML as typed, and a tag could reach a web page), name the
clinic documents it rests on, use only placeholders the assistant can fill in, and state no
price, dose or percentage that is in neither the clinic's documents nor clinic.yml: a
made-up number is the mistake that can hurt a patient or the clinic most.

Numbers are compared in one normalized form ("$1,200.00" and "1200 USD" are both
"USD 1200"; "twenty percent" is "20%"; "2 cc" is "2 ml"). Every regular expression here is
linear in the input, and text far over the length limit is not scanned at all, so pasted
junk cannot make a save hang.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import textstat  # type: ignore[import-untyped]
import yaml

__all__ = [
    "MAX_CHARS",
    "MAX_GRADE",
    "Claim",
    "KnownNumbers",
    "Problem",
    "check_answer",
    "extract_claims",
    "known_numbers",
    "load_known_numbers",
    "reading_grade",
]

MAX_GRADE = 8.0
MAX_CHARS = 2000
# Up to this length an over-long answer still gets every other check, so staff see all that
# is wrong at once; beyond it (pasted junk) only the length is reported, fast.
_FULL_CHECK_CHARS = 5 * MAX_CHARS
_SETTINGS_NAME = "clinic.yml"

ClaimKind = Literal["price", "dose", "percentage"]


@dataclass(frozen=True)
class Problem:
    """One thing to fix, in words staff can act on."""

    code: str
    message: str


@dataclass(frozen=True)
class Claim:
    """A price, dose or percentage as written, and the form it is matched in."""

    kind: ClaimKind
    text: str
    value: str


@dataclass(frozen=True)
class KnownNumbers:
    """The normalized claims found in the clinic's documents and clinic.yml.

    ``documents_found`` is False when the documents folder was missing: then nothing can be
    checked, so every claim is refused, whatever clinic.yml says.
    """

    values: frozenset[str] = frozenset()
    documents_found: bool = True

    def __contains__(self, value: object) -> bool:
        return self.documents_found and value in self.values


# --- Numbers ---------------------------------------------------------------------------------

# A number not glued to a word or a decimal point ("D5W", "TRPV1" and "v2.5" hold none).
# Thousands are grouped by commas in threes: "1,200" is one number, "5,10" is 5 then 10.
_NUMBER_RE = re.compile(r"(?<![\w.])(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)")
_SP = r"[ \t\u00a0\u202f]{0,3}"  # spaces, never a line break, between a number and its unit

_PERCENT_SUFFIX = rf"{_SP}(?P<percent>%|％|٪|percent\b|per[ \t]?cent\b)"
_DOSE_SUFFIX = (
    rf"{_SP}(?P<dose>mg\b|milligrams?\b|milligrammes?\b"
    r"|mcg\b|[µμ]g\b|ug\b|micrograms?\b|microgrammes?\b"
    r"|(?-i:g)\b|grams?\b|grammes?\b"
    r"|ml\b|mls\b|cc\b|cm3\b|cm³|millilit(?:re|er)s?\b"
    r"|units?\b|iu\b|i\.u\.|mmol\b)"
)
_CURRENCY_WORD = (
    r"(?:(?:us|u\.s\.|american)[ \t]+)?dollars?\b|bucks\b|usd\b"
    r"|(?:nz|new[ \t]+zealand)[ \t]+dollars?\b|nzd\b"
    r"|(?:au|australian)[ \t]+dollars?\b|aud\b"
    r"|(?:ca|canadian)[ \t]+dollars?\b|cad\b"
    r"|euros?\b|eur\b|gbp\b|pounds?[ \t]+sterling\b"
)
_SUFFIX_RE = re.compile(
    rf"{_PERCENT_SUFFIX}|{_DOSE_SUFFIX}|{_SP}(?P<currency>{_CURRENCY_WORD})", re.IGNORECASE
)
# A currency sign or code just before the number ("$150", "US$ 150", "USD 150", "€90").
_PREFIX_RE = re.compile(
    r"(?P<currency>(?<![A-Za-z])(?:US|U\.S\.|NZ|AU|A|CA|C)\$|\$|€|£"
    r"|(?<![A-Za-z])(?:USD|NZD|AUD|CAD|EUR|GBP)(?![A-Za-z]))[ \t\u00a0\u202f]?\Z",
    re.IGNORECASE,
)
_PREFIX_WINDOW = 8
# What joins the two ends of a range: "5-15%", "5–15%", "5 to 15 percent", "2 or 3 mg".
_RANGE_JOIN_RE = re.compile(r"[ \t]*[-–—‒−~][ \t]*|[ \t]+(?:to|or)[ \t]+", re.IGNORECASE)
_PRICE_RANGE_JOIN_RE = re.compile(r"[ \t]*[-–—‒−][ \t]*|[ \t]+to[ \t]+", re.IGNORECASE)
_BETWEEN_AND_RE = re.compile(r"[ \t]+and[ \t]+", re.IGNORECASE)
_BETWEEN_BEFORE_RE = re.compile(r"\bbetween[ \t]+\Z", re.IGNORECASE)

_DOSE_UNITS = {
    "mg": "mg",
    "milligram": "mg",
    "milligramme": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "microgramme": "mcg",
    "g": "g",
    "gram": "g",
    "gramme": "g",
    "ml": "ml",
    "cc": "ml",
    "cm3": "ml",
    "cm³": "ml",
    "millilitre": "ml",
    "milliliter": "ml",
    "unit": "units",
    "iu": "units",
    "i.u.": "units",
    "mmol": "mmol",
}
_CURRENCY_SIGNS = {
    "$": "USD",
    "us$": "USD",
    "u.s.$": "USD",
    "nz$": "NZD",
    "au$": "AUD",
    "a$": "AUD",
    "ca$": "CAD",
    "c$": "CAD",
    "€": "EUR",
    "£": "GBP",
}

# "twenty percent": number words are read for percentages only ("a day or two" is no claim).
_PERCENT_WORD_RE = re.compile(r"\bper[ \t]?cent\b", re.IGNORECASE)
_LETTERS_RE = re.compile(r"(?<![^\W\d_])[A-Za-z]+(?![^\W\d_])")
_WORD_JOIN_RE = re.compile(r"[ \t]*-[ \t]*|[ \t]+")
_SPACES_RE = re.compile(r"[ \t]*")
_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {word: i for i, word in enumerate(_ONES) if i} | {
    word: 20 + 10 * i for i, word in enumerate(_TENS)
}


@dataclass(frozen=True)
class _Quantity:
    """A number in the text with the unit or currency written right next to it, if any."""

    start: int  # where the claim's text starts (its currency sign, if it has one)
    end: int  # where the claim's text ends (after its unit, if it has one)
    number: str  # normalized: "1,200.50" -> "1200.5"
    kind: ClaimKind | None
    unit: str  # "%", a canonical dose unit or a currency code; "" when none
    number_start: int
    number_end: int


def _normalize_number(written: str) -> str:
    """One spelling per value: no thousands commas, no trailing zeros ("5.0" -> "5")."""
    try:
        value = Decimal(written.replace(",", ""))
    except InvalidOperation:  # the pattern only lets digits through; be safe anyway
        return written
    # Enough precision that no long number is rounded into another one.
    return format(value.normalize(Context(prec=len(written) + 1)), "f")


def _dose_unit(written: str) -> str:
    key = re.sub(r"\s+", "", written.lower())
    if key not in _DOSE_UNITS and key.endswith("s"):
        key = key[:-1]  # "units", "milligrams", "mls"
    return _DOSE_UNITS.get(key, key)


def _currency_code(written: str) -> str:
    key = re.sub(r"\s+", " ", written.lower().strip())
    if key in _CURRENCY_SIGNS:
        return _CURRENCY_SIGNS[key]
    if key.startswith(("nz", "new zealand")):
        return "NZD"
    if key.startswith(("au", "australian")):
        return "AUD"
    if key.startswith(("ca", "canadian")):
        return "CAD"
    if key.startswith(("eur", "euro")):
        return "EUR"
    if key.startswith(("gbp", "pound")):
        return "GBP"
    return "USD"  # "$", "usd", "dollars", "US dollars", "bucks"


def _quantity(text: str, match: re.Match[str]) -> _Quantity:
    start, end = match.start(), match.end()
    kind: ClaimKind | None = None
    unit = ""
    claim_start, claim_end = start, end
    prefix = _PREFIX_RE.search(text, max(0, start - _PREFIX_WINDOW), start)
    suffix = _SUFFIX_RE.match(text, end)
    if prefix:
        kind, unit, claim_start = "price", _currency_code(prefix["currency"]), prefix.start()
        if suffix and suffix["currency"]:  # "$150 USD"
            claim_end = suffix.end()
    elif suffix:
        claim_end = suffix.end()
        if suffix["percent"]:
            kind, unit = "percentage", "%"
        elif suffix["dose"]:
            kind, unit = "dose", _dose_unit(suffix["dose"])
        else:
            kind, unit = "price", _currency_code(suffix["currency"])
    return _Quantity(
        claim_start, claim_end, _normalize_number(match.group()), kind, unit, start, end
    )


def _value(kind: ClaimKind, number: str, unit: str) -> str:
    if kind == "percentage":
        return f"{number}%"
    if kind == "dose":
        return f"{number} {unit}"
    return f"{unit} {number}"


def _joined(text: str, first: _Quantity, second: _Quantity, *, prices: bool = False) -> bool:
    """Whether ``first`` and ``second`` are the two ends of one range ("5–15%", "$100-200").

    A currency sign carried forward ("$100-200") needs a dash or "to": in "$100 or 2 payments"
    the 2 is no price.
    """
    join = _PRICE_RANGE_JOIN_RE if prices else _RANGE_JOIN_RE
    if join.fullmatch(text, first.end, second.start):
        return True
    return (
        not prices
        and _BETWEEN_AND_RE.fullmatch(text, first.end, second.start) is not None
        and _BETWEEN_BEFORE_RE.search(text, max(0, first.start - 10), first.start) is not None
    )


def _number_claims(text: str) -> Iterator[tuple[int, Claim]]:
    quantities = [_quantity(text, m) for m in _NUMBER_RE.finditer(text)]
    for i, here in enumerate(quantities):
        before = quantities[i - 1] if i else None
        after = quantities[i + 1] if i + 1 < len(quantities) else None
        if here.kind is not None:
            # Quote a range whole: "5–15%" for 15%, "$100-200" for $100.
            start, end = here.start, here.end
            if before is not None and before.kind is None and _joined(text, before, here):
                start = before.start
            if (
                here.kind == "price"
                and after is not None
                and after.kind is None
                and _joined(text, here, after, prices=True)
            ):
                end = after.end
            value = _value(here.kind, here.number, here.unit)
            yield here.start, Claim(here.kind, text[start:end], value)
        elif after is not None and after.kind is not None and _joined(text, here, after):
            # "5–15%", "10 to 20 mg", "between 5 and 15 percent": the unit is written once.
            value = _value(after.kind, here.number, after.unit)
            yield here.start, Claim(after.kind, text[here.start : after.end], value)
        elif (
            before is not None
            and before.kind == "price"
            and before.start < before.number_start
            and _joined(text, before, here, prices=True)
        ):
            # "$100-200": the currency sign is written once, before the first end.
            value = _value("price", here.number, before.unit)
            yield before.start, Claim("price", text[before.start : here.end], value)


def _word_number(words: list[str]) -> int | None:
    """1..100 from "five", "twenty-five", "one hundred", "a hundred"; None otherwise."""
    if len(words) == 1:
        return 100 if words[0] == "hundred" else _WORD_VALUES.get(words[0])
    if len(words) == 2 and words[1] == "hundred" and words[0] in ("a", "one"):
        return 100
    if len(words) == 2 and words[0] in _TENS and words[1] in _ONES[1:10]:
        return _WORD_VALUES[words[0]] + _WORD_VALUES[words[1]]
    return None


def _word_percentages(text: str) -> Iterator[tuple[int, Claim]]:
    for match in _PERCENT_WORD_RE.finditer(text):
        run: list[re.Match[str]] = []
        end = match.start()
        words = list(_LETTERS_RE.finditer(text, max(0, end - 40), end))
        for word in reversed(words):
            join = _WORD_JOIN_RE if run else _SPACES_RE
            if not join.fullmatch(text, word.end(), end) or len(run) == 2:
                break
            run.insert(0, word)
            end = word.start()
        for first in range(len(run)):  # the longest run of number words that reads as one
            number = _word_number([w.group().lower() for w in run[first:]])
            if number is not None:
                start = run[first].start()
                yield start, Claim("percentage", text[start : match.end()], f"{number}%")
                break


def extract_claims(text: str) -> list[Claim]:
    """Every price, dose and percentage in ``text``, in reading order.

    Plain counts ("2 to 6 sessions", "every 1-2 weeks", "911", years) are no claims: a claim
    has a currency, a dose unit or a percent sign or word. Each end of a range is its own
    claim ("5–15%" gives 5% and 15%), quoted as the whole range.
    """
    found = [*_number_claims(text), *_word_percentages(text)]
    return [claim for _, claim in sorted(found, key=lambda item: item[0])]


def _settings_values(settings_text: str) -> str:
    """The values in clinic.yml, without keys or comments (a comment states nothing)."""
    try:
        data = yaml.safe_load(settings_text)
    except yaml.YAMLError:
        return settings_text
    parts: list[str] = []
    stack: list[object] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            parts.append(item)
    return "\n".join(parts)


def known_numbers(documents_text: str, settings_text: str) -> KnownNumbers:
    """What counts as "in the documents or clinic.yml": the claims found there, normalized."""
    claims = extract_claims(documents_text) + extract_claims(_settings_values(settings_text))
    return KnownNumbers(frozenset(claim.value for claim in claims))


def load_known_numbers(documents_dir: Path, settings_file: Path) -> KnownNumbers:
    """Read the documents (``*.txt``) and the settings file; a missing folder refuses all."""
    settings_file = Path(settings_file)
    settings_text = (
        settings_file.read_text(encoding="utf-8", errors="replace")
        if settings_file.is_file()
        else ""
    )
    documents_dir = Path(documents_dir)
    if not documents_dir.is_dir():
        return KnownNumbers(known_numbers("", settings_text).values, documents_found=False)
    documents = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(documents_dir.glob("*.txt"))
    ]
    return known_numbers("\n\n".join(documents), settings_text)


# --- Reading level ---------------------------------------------------------------------------

# {clinic_phone} and the like; "{{" starts literal braces, never a placeholder.
_PLACEHOLDER_RE = re.compile(r"(?<!\{)\{(?!\{)([^{}\n]{0,60})\}(?!\})")
_BULLET_RE = re.compile(r"^[ \t]*(?:[-*+•‣◦▪]|\d{1,3}[.)])[ \t]+(.*)$", re.MULTILINE)
_HAS_WORD_RE = re.compile(r"[^\W_]")


def _bullet_as_sentence(match: re.Match[str]) -> str:
    """A list item is read as a sentence of its own, as patients read it."""
    item = match.group(1).rstrip()
    return item if not item or item[-1] in ".!?:;" else item + "."


def reading_grade(text: str) -> float:
    """US school grade (Flesch-Kincaid) needed to read ``text``; 0.0 when it has no words.

    Placeholders read as the short word "it", since the value (a phone number, a name) is
    not a hard word; bullets are not words at all.
    """
    plain = _PLACEHOLDER_RE.sub("it", text)
    plain = _BULLET_RE.sub(_bullet_as_sentence, plain)
    if not _HAS_WORD_RE.search(plain):
        return 0.0
    return float(textstat.flesch_kincaid_grade(plain))


# --- The checks ------------------------------------------------------------------------------

# A tag is "<" then an optional "/", "!" or "?" and a letter; "<!--" opens a comment. So
# "less than <5" is no tag. Entities: "&amp;", "&#60;", "&#x3C;".
_HTML_RE = re.compile(
    r"<(?:!--|[/!?]?[A-Za-z])[^<>\n]{0,40}>?"
    r"|&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
)


def _quoted(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(f'"{item}"' for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _source_problems(sources: Sequence[str], known_sources: Collection[str]) -> list[Problem]:
    if not sources:
        return [
            Problem(
                "no_source",
                "The answer names no source. Choose the clinic document or documents it is "
                "based on.",
            )
        ]
    return [
        Problem(
            "unknown_source",
            f'The source "{source}" is not one of the clinic\'s documents. Choose a document '
            "from the list, or remove it.",
        )
        for source in _unique([str(s) for s in sources])
        if source not in known_sources
    ]


def _html_problem(text: str) -> list[Problem]:
    found = _unique([m.group() for m in _HTML_RE.finditer(text)])
    if not found:
        return []
    return [
        Problem(
            "html",
            f"The answer contains HTML code ({_quoted(found)}). Patients would see it as typed. "
            "Write plain text: remove the code, and type characters such as & or < as they are.",
        )
    ]


def _placeholder_problem(text: str, allowed: Collection[str]) -> list[Problem]:
    unknown = _unique(
        [m.group() for m in _PLACEHOLDER_RE.finditer(text) if m.group(1) not in allowed]
    )
    if not unknown:
        return []
    names = "placeholder " if len(unknown) == 1 else "placeholders "
    fix = (
        "Use only " + ", ".join("{" + name + "}" for name in sorted(allowed))
        if allowed
        else "No placeholders can be used here"
    )
    return [
        Problem(
            "placeholder",
            f"The answer uses the {names}{', '.join(unknown)}, which the assistant cannot "
            f"fill in. {fix}; check the spelling, or remove the braces.",
        )
    ]


def _number_problems(text: str, known: KnownNumbers) -> list[Problem]:
    problems: list[Problem] = []
    quoted: set[str] = set()
    for claim in extract_claims(text):
        if claim.value in known or claim.text in quoted:
            continue
        quoted.add(claim.text)
        if known.documents_found:
            message = (
                f'The answer states "{claim.text}", which is in neither the clinic\'s documents '
                f"nor {_SETTINGS_NAME}. Remove it or ask an admin to add it to {_SETTINGS_NAME}."
            )
        else:
            message = (
                f'The answer states "{claim.text}", but the clinic\'s documents folder was not '
                "found, so no price, dose or percentage can be checked. Remove it or ask an "
                "admin to restore the documents folder."
            )
        problems.append(Problem("unknown_number", message))
    return problems


def check_answer(
    text: str,
    sources: Sequence[str],
    known_sources: Collection[str],
    known: KnownNumbers,
    allowed_placeholders: Collection[str] = (),
) -> list[Problem]:
    """Everything wrong with an answer (empty when it can be saved), in the form's order."""
    if not text.strip():
        return [
            Problem("empty", "The answer is empty. Type the answer patients should see."),
            *_source_problems(sources, known_sources),
        ]
    problems: list[Problem] = []
    if len(text) > MAX_CHARS:
        problems.append(
            Problem(
                "too_long",
                f"The answer is {len(text):,} characters long; the limit is {MAX_CHARS:,}. "
                "Shorten it: keep to what most patients need, and point to the clinic for more.",
            )
        )
        if len(text) > _FULL_CHECK_CHARS:
            return problems + _source_problems(sources, known_sources)
    grade = reading_grade(text)
    if round(grade, 1) > MAX_GRADE:
        problems.append(
            Problem(
                "grade",
                f"The answer reads at US grade {grade:.1f}; the limit is {MAX_GRADE:g}. "
                "Use shorter sentences and shorter words.",
            )
        )
    problems += _source_problems(sources, known_sources)
    problems += _html_problem(text)
    problems += _placeholder_problem(text, allowed_placeholders)
    problems += _number_problems(text, known)
    return problems
