"""Which country a patient names: "Australia", "it's a UK mobile", "soy de México", "+61".

When a phone number typed without its country code is not one of the clinic's country's,
the form asks which country it is from (bot/bookings/validation.py). Patients answer with
a country's name, a word made from it ("Australian", "colombiano"), a common short form
("UK", "Aussie") or the calling code. Country names in English and Spanish come from the
data that ships with ``phonenumbers`` (its geocoder's locale table), so every country the
phone library knows has a name here without a list of our own; ``_ALIASES`` adds only what
that table cannot give. Pure (no Rasa), so the action server and the tests share it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA

_LANGUAGES = ("en", "es")
# Short forms and words for a country's people that its name does not start with.
# Deliberately not "us" ("call us") nor "english" ("in English, please").
_ALIASES: Dict[str, str] = {
    "uk": "GB",
    "u k": "GB",
    "britain": "GB",
    "great britain": "GB",
    "british": "GB",
    "brit": "GB",
    "england": "GB",
    "scotland": "GB",
    "scottish": "GB",
    "wales": "GB",
    "welsh": "GB",
    "northern ireland": "GB",
    "inglaterra": "GB",
    "usa": "US",
    "u s a": "US",
    "america": "US",
    "american": "US",
    "the states": "US",
    "estados unidos": "US",
    "eeuu": "US",
    "ee uu": "US",
    "gringo": "US",
    "aussie": "AU",
    "oz": "AU",
    "nz": "NZ",
    "kiwi": "NZ",
    "irish": "IE",
    "eire": "IE",
    "spanish": "ES",
    "espanol": "ES",
    "espanola": "ES",
    "french": "FR",
    "dutch": "NL",
    "holland": "NL",
    "swiss": "CH",
    "filipino": "PH",
    "filipina": "PH",
    "pinoy": "PH",
    "philippine": "PH",
    "peruvian": "PE",
    "peruano": "PE",
    "peruana": "PE",
    "chinese": "CN",
    "japanese": "JP",
    "korean": "KR",
    "vietnamese": "VN",
    "portuguese": "PT",
    "greek": "GR",
    "turkish": "TR",
    "danish": "DK",
    "swedish": "SE",
    "norwegian": "NO",
    "finnish": "FI",
    "polish": "PL",
    "thai": "TH",
    "boricua": "PR",
    "puertorriqueno": "PR",
    "puertorriquena": "PR",
    "dominicano": "DO",
    "dominicana": "DO",
    "salvadoreno": "SV",
    "salvadorena": "SV",
    "guatemalteco": "GT",
    "guatemalteca": "GT",
    "hondureno": "HN",
    "hondurena": "HN",
    "nicaraguense": "NI",
    "costarricense": "CR",
    "tico": "CR",
    "tica": "CR",
    "panameno": "PA",
    "panamena": "PA",
    "ecuatoriano": "EC",
    "ecuatoriana": "EC",
    "uruguayo": "UY",
    "uruguaya": "UY",
    "paraguayo": "PY",
    "paraguaya": "PY",
    "boliviano": "BO",
    "boliviana": "BO",
    "brasileno": "BR",
    "brasilena": "BR",
    "canadiense": "CA",
    "estadounidense": "US",
    "mexicano": "MX",
    "mexicana": "MX",
    # US states that a country's name or its people's word would otherwise match
    "new jersey": "US",
    "new mexico": "US",
    "nuevo mexico": "US",
    "indiana": "US",
}
# Endings that turn a country's name, less up to two final letters, into a word for its
# people: Australia-n, Canad-ian, Mexic-an, Ital-ian, Chile-no, Argentin-o, Colombia-no,
# Leban-ese, German(-y). With two letters cut only the longer endings count ("camera" is
# not Camerún); nothing added only after one letter cut ("swede", "german").
_ENDINGS = ("n", "an", "ian", "ean", "ese", "i", "o", "a", "no", "na", "ano", "ana", "ense")
_ENDINGS_BY_CUT = (_ENDINGS, _ENDINGS + ("",), ("an", "ian", "ese"))
_MIN_STEM = 5  # "chin" is not China, "ira" not Iran: short stems only as the whole name
_CALLING_CODE = re.compile(r"^\D*\+?\s*(\d{1,3})\D*$")
_WORD = re.compile(r"[a-z]+")


def _plain(text: str) -> str:
    """Lower case, accents and punctuation gone, words separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORD.findall(letters))


def _locale_name(region: str, language: str) -> Optional[str]:
    """The region's name in ``language`` from the phone library's table ("*xx" = as in xx)."""
    names = LOCALE_DATA.get(region, {})
    name = names.get(language)
    for _ in range(len(names)):  # follow "*aa" references, never in a loop
        if not name or not name.startswith("*"):
            break
        name = names.get(name[1:])
    return name or None


@lru_cache(maxsize=1)
def _country_names() -> Dict[str, str]:
    """Plain name -> region, for every region the phone library supports."""
    names: Dict[str, str] = {}
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for language in _LANGUAGES:
            name = _locale_name(region, language)
            if name:
                names.setdefault(_plain(name), region)
    return names


@lru_cache(maxsize=1)
def _names() -> Dict[str, str]:
    """Plain name or alias -> region."""
    return {**_country_names(), **_ALIASES}


@lru_cache(maxsize=1)
def _longest_name() -> int:
    """How many words the longest name or alias has."""
    return max(len(name.split()) for name in _names())


Stem = Tuple[str, Tuple[str, ...], str]  # (stem, endings, region)


@lru_cache(maxsize=1)
def _stems() -> Dict[str, List[Stem]]:
    """One-word names less 0, 1 or 2 final letters, by their first ``_MIN_STEM`` letters
    (every stem has at least that many), longest first: a word is compared only with the
    few stems it could start with, not with every country's."""
    stems: Dict[str, List[Stem]] = {}
    for name, region in _country_names().items():
        if " " in name:
            continue
        for cut in range(3):
            stem = name[: len(name) - cut]
            if len(stem) >= _MIN_STEM:
                stems.setdefault(stem[:_MIN_STEM], []).append((stem, _ENDINGS_BY_CUT[cut], region))
    for group in stems.values():
        group.sort(key=lambda item: -len(item[0]))  # "nigerian": Nigeria, not Niger
    return stems


def _by_people_word(word: str) -> Optional[str]:
    """ "australian" -> AU, "colombiano" -> CO; None when the word is no such word."""
    for stem, endings, region in _stems().get(word[:_MIN_STEM], ()):
        if word.startswith(stem) and word[len(stem) :] in endings:
            return region
    return None


def regions_named(text: str) -> Tuple[str, ...]:
    """The regions ``text`` names, in the order it names them (no repeats)."""
    words = _plain(text or "").split()
    names = _names()
    longest = _longest_name()
    found: List[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            region = names.get(" ".join(words[i : i + size]))
            if region is None and size == 1:
                region = _by_people_word(words[i])
            if region is not None:
                if region not in found:
                    found.append(region)
                i += size
                break
        else:
            i += 1
    return tuple(found)


def regions_of_calling_code(text: str) -> Tuple[str, ...]:
    """A reply that is only a calling code ("+61", "61", "code 44") -> its regions."""
    match = _CALLING_CODE.match((text or "").strip())
    if match is None:
        return ()
    regions = phonenumbers.region_codes_for_country_code(int(match.group(1)))
    return tuple(r for r in regions if r in phonenumbers.SUPPORTED_REGIONS)


def regions_in_answer(text: str) -> Tuple[str, ...]:
    """The regions an answer to "which country?" names: by name, or as a calling code."""
    return regions_named(text) or regions_of_calling_code(text)


def names_a_country(text: str) -> bool:
    """``text`` names a country or is a calling code (an answer to "which country?")."""
    return bool(regions_in_answer(text))


def country_name(region: str) -> str:
    """The English name of ``region`` ("AU" -> "Australia"), or the code itself."""
    return _locale_name(region, "en") or region
