"""Checks for what a patient types into the booking and call-back forms.

Pure functions with no Rasa or database imports, so the chat form and the storage
layer apply exactly the same rules. Errors carry a short, patient-friendly ``hint``
(also ``str(error)``) and a stable ``code`` the form can map to its own response.
Error messages never repeat the value that was typed: they may end up in logs.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional, Sequence

import phonenumbers

from bot.bookings.countries import country_name, regions_in_answer

NAME_MAX_LEN = 100
EMAIL_MAX_LEN = 254
PHONE_MAX_INPUT_LEN = 40
# Longer raw input than this is rejected before any processing (cheap on huge input).
_RAW_SLACK = 4

# Bidirectional overrides/isolates can make stored text display reversed or hidden.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_EMAIL_LOCAL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
)
_DOMAIN_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TLD_RE = re.compile(r"^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


class InvalidInput(ValueError):
    """Something the patient typed cannot be used; ``hint`` says how to fix it."""

    field = "text"

    def __init__(self, hint: str, code: str) -> None:
        super().__init__(hint)
        self.hint = hint
        self.code = code


class InvalidPhone(InvalidInput):
    field = "phone"


class ForeignPhone(InvalidPhone):
    """A local number of some other country, typed without its country code.

    ``local`` is the number as typed, kept so that the patient can answer the question
    "which country?" with a country's name instead of typing the number again
    (:func:`phone_in_named_country`). It is not part of the message (nor of logs)."""

    def __init__(self, hint: str, local: str) -> None:
        super().__init__(hint, "phone_other_country")
        self.local = local


class InvalidEmail(InvalidInput):
    field = "email"


class InvalidName(InvalidInput):
    field = "name"


class InvalidText(InvalidInput):
    field = "text"


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char in _BIDI_CONTROLS


def example_phone(region: str, written: int = phonenumbers.PhoneNumberFormat.NATIONAL) -> str:
    """An example mobile number for ``region`` (used in hints), or ''; national format
    unless ``written`` says otherwise (INTERNATIONAL: with its country code)."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return ""
    return phonenumbers.format_number(number, written)


def normalise_phone(text: object, region: str, hints: Sequence[str] = ()) -> str:
    """A phone number in E.164 (``+12025550123``); local numbers use ``region``.

    ``region`` is the clinic's ISO 3166 code (setting ``phone_region``). A wrong
    region is a configuration error (plain ``ValueError``), not the patient's fault.
    ``hints`` are countries the patient is probably in (bot/channels/phone_region.py): a
    local number that is not one of ``region``'s is read as theirs when it is valid there,
    instead of asking the patient for the country code.
    """
    region = (region or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"phone_region '{region}' is not a known ISO 3166 region code")
    example = example_phone(region)
    hint = "That phone number doesn't look right. Please include the area code"
    hint += f", for example {example}." if example else "."
    if not isinstance(text, str) or not text.strip():
        raise InvalidPhone("Please type a phone number we can call you on.", "phone_empty")
    if len(text) > PHONE_MAX_INPUT_LEN:
        raise InvalidPhone(hint, "phone_too_long")
    if any(_is_control(c) for c in text):
        raise InvalidPhone(hint, "phone_invalid")
    typed = unicodedata.normalize("NFKC", text.strip())
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(hint, "phone_invalid") from None
    if not is_plausible_phone(number):
        hinted = _local_number_in(typed, hints)
        if hinted is None:
            elsewhere = _valid_elsewhere(typed, region)
            hinted = _mobile_written_as_one_country(typed, elsewhere)
            if hinted is None and elsewhere:
                raise ForeignPhone(_foreign_hint(region), typed)
            if hinted is None:
                raise InvalidPhone(hint, "phone_invalid")
        return phonenumbers.format_number(hinted, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_plausible_phone(number: phonenumbers.PhoneNumber) -> bool:
    """A number the clinic could dial: valid, or shaped like its country's numbers.

    Why not only ``is_valid_number``: the library's list of allocated ranges lags behind
    the real ones, and a patient whose new number it does not know yet would be turned
    away. The patient checks the number on the summary before anything is sent.
    """
    if phonenumbers.is_valid_number(number):
        return True
    if not phonenumbers.is_possible_number(number):
        return False
    country_code = number.country_code
    if country_code is None:
        return False
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    general = metadata.general_desc if metadata else None
    pattern = general.national_number_pattern if general else None
    national = phonenumbers.national_significant_number(number)
    return bool(pattern and re.fullmatch(pattern, national))


def _local_number_in(typed: str, hints: Sequence[str]) -> Optional[phonenumbers.PhoneNumber]:
    """``typed`` read as a local number of the first hinted country where it is valid.

    Valid, not merely plausible: a hint is a guess about where the patient is, so only a
    number that country really issues is taken without asking. (A number typed with its
    country code reads the same in every region; not plausible for the clinic's, it is
    valid in none.)
    """
    for hint in hints:
        if hint not in phonenumbers.SUPPORTED_REGIONS:
            continue
        try:
            number = phonenumbers.parse(typed, hint)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _digit_groups(text: str) -> list[int]:
    return [len(group) for group in re.findall(r"\d+", text)]


def typed_with_country_code(text: str) -> bool:
    """Typed with "+" first (after any bracket or space): the country code is in it."""
    return text.lstrip("([ ").startswith("+")


def _valid_elsewhere(typed: str, region: str) -> list[phonenumbers.PhoneNumber]:
    """``typed`` read as a local number of each other country where it is valid (by region
    code). Empty for a number typed with its country code, which reads the same everywhere,
    and for short numbers: "555-0199" is a local number missing its area code."""
    if typed_with_country_code(typed) or sum(c.isdigit() for c in typed) < 9:
        return []
    found = []
    for other in sorted(phonenumbers.SUPPORTED_REGIONS - {region}):
        try:
            number = phonenumbers.parse(typed, other)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            found.append(number)
    return found


def _mobile_written_as_one_country(
    typed: str, elsewhere: Sequence[phonenumbers.PhoneNumber]
) -> Optional[phonenumbers.PhoneNumber]:
    """``typed`` as the mobile number of the one country whose mobiles it is written like,
    among its readings ``elsewhere`` (:func:`_valid_elsewhere`), or None when that is not
    clear.

    Why: patients give a mobile and type it the way their country writes it. "0412 555
    019" is valid in 26 countries, but it is a mobile written in the national grouping
    only in Australia (and its territories, which share +61). So are numbers written with
    the international prefix most of the world uses ("0044 7911 123456"). When the
    mobiles it could be belong to more than one calling code, even among those written
    with the patient's grouping ("06 12 34 56 78": France, Monaco, Morocco), the form
    asks which country instead. The patient sees the number with its code, and the
    country, before anything is sent.
    """
    mobiles = [n for n in elsewhere if phonenumbers.number_type(n) in _MOBILE_TYPES]
    groups = _digit_groups(typed)
    written_alike = [
        n
        for n in mobiles
        if _digit_groups(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL))
        == groups
    ]
    for candidates in (mobiles, written_alike):
        if len({n.country_code for n in candidates}) == 1:
            return candidates[0]
    return None


def country_abroad(e164: str, home_region: str) -> str:
    """The country (English name) of ``e164`` when its calling code is not that of
    ``home_region`` (the clinic's), else ''. Shown beside a number read as foreign, so
    the patient can see which country it was taken for."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    code = number.country_code
    if code is None or code == phonenumbers.country_code_for_region(home_region.upper()):
        return ""
    # The calling code's main country when the number is one of its own (a UK mobile may
    # also be valid in Guernsey), else the territory it belongs to.
    region = phonenumbers.region_code_for_country_code(code)
    if not phonenumbers.is_valid_number_for_region(number, region):
        region = phonenumbers.region_code_for_number(number) or region
    return "" if region == phonenumbers.UNKNOWN_REGION else country_name(region)


def _foreign_hint(region: str) -> str:
    """Ask for the country code: "0412 555 019" is a phone number in 26 countries."""
    code = phonenumbers.country_code_for_region(region)
    example = example_phone(region)
    return (
        f"That phone number doesn't look right for here (+{code})"
        + (f", where numbers look like {example}" if example else "")
        + ". If it is from another country, which country is it? You can also type it with +"
        " and the country code."
    )


def phone_in_named_country(local: str, reply: str) -> Optional[str]:
    """``local`` (a :class:`ForeignPhone`'s number) read in the country ``reply`` names.

    ``reply`` names it as "Australia", "it's a UK mobile", "colombiano" or "+61"
    (bot/bookings/countries.py). Returns the number in E.164; None when ``reply`` names no
    country (it is some other answer). A country whose numbers ``local`` is not one of is
    refused with an example of that country's numbers, written with its country code.
    """
    regions = regions_in_answer(reply)
    if not regions:
        return None
    number = _local_number_in(local, regions)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    written = example_phone(regions[0], phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    raise InvalidPhone(
        f"That number doesn't look like one from {country_name(regions[0])}"
        + (f", where numbers look like {written}" if written else "")
        + ". Please type it with + and the country code.",
        "phone_not_in_country",
    )


def display_phone(e164: str) -> str:
    """+12025550123 -> '+1 202-555-0123' (easier to check by eye)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_phone_for(e164: str, home_region: str) -> str:
    """:func:`display_phone`, with the country named when it is not the clinic's:
    '+61 412 555 019 (Australia)'."""
    country = country_abroad(e164, home_region)
    return display_phone(e164) + (f" ({country})" if country else "")


def validate_email(text: object) -> str:
    """A syntactically valid address, trimmed, with the domain lower-cased.

    This is a syntax check only (no DNS look-up); quoted local parts are refused
    because clinic mail systems rarely accept them.
    """
    hint = "That email address doesn't look right. Please check it, e.g. name@example.com."
    if not isinstance(text, str) or not text.strip():
        raise InvalidEmail("Please type your email address.", "email_empty")
    if len(text) > EMAIL_MAX_LEN * _RAW_SLACK:
        raise InvalidEmail(hint, "email_too_long")
    value = unicodedata.normalize("NFC", text.strip())
    if len(value) > EMAIL_MAX_LEN:
        raise InvalidEmail(hint, "email_too_long")
    if value.count("@") != 1 or any(c.isspace() or _is_control(c) for c in value):
        raise InvalidEmail(hint, "email_invalid")
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _EMAIL_LOCAL_RE.match(local):
        raise InvalidEmail(hint, "email_invalid")
    domain = domain.lower()
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidEmail(hint, "email_invalid") from None
    labels = ascii_domain.split(".")
    if (
        len(labels) < 2
        or len(ascii_domain) > 253
        or not all(_DOMAIN_LABEL_RE.match(label) for label in labels)
        or not _TLD_RE.match(labels[-1])
    ):
        raise InvalidEmail(hint, "email_invalid")
    return f"{local}@{domain}"


def clean_name(text: object) -> str:
    """A person's name: trimmed, inner whitespace collapsed, any script allowed.

    Refuses empty names, names over 100 characters, control characters and text
    with no letter at all. Punctuation is allowed ("O'Brien-Smith", "Jr.").
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidName("Please tell me your name.", "name_empty")
    if len(text) > NAME_MAX_LEN * _RAW_SLACK:
        raise InvalidName(
            f"Please keep your name under {NAME_MAX_LEN} characters.", "name_too_long"
        )
    value = " ".join(unicodedata.normalize("NFC", text).split())
    if any(_is_control(c) for c in value):
        raise InvalidName("Please type your name using letters only.", "name_invalid")
    if len(value) > NAME_MAX_LEN:
        raise InvalidName(
            f"Please keep your name under {NAME_MAX_LEN} characters.", "name_too_long"
        )
    if not any(unicodedata.category(c).startswith("L") for c in value):
        raise InvalidName("Please type your name using letters.", "name_invalid")
    return value


def clean_free_text(text: object, max_len: int) -> str:
    """Free text (pain area, preferred times): control characters removed, Unicode kept.

    Line breaks and tabs survive; everything else in the control categories is
    dropped. Empty text (after cleaning) or text over ``max_len`` is refused.
    """
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    if not isinstance(text, str):
        raise InvalidText("Please type a few words.", "text_empty")
    if len(text) > max_len * _RAW_SLACK:
        raise InvalidText(f"Please keep it under {max_len} characters.", "text_too_long")
    value = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    value = "".join(c for c in value if c in "\n\t" or not _is_control(c)).strip()
    if not value:
        raise InvalidText("Please type a few words.", "text_empty")
    if len(value) > max_len:
        raise InvalidText(f"Please keep it under {max_len} characters.", "text_too_long")
    return value


def clean_patient_type(value: object) -> Optional[str]:
    """``"new"``, ``"returning"`` or ``None`` (not asked / not answered)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().lower() in ("new", "returning"):
        return value.strip().lower()
    raise InvalidText(
        "Please say whether you are a new or a returning patient.", "patient_type_invalid"
    )
