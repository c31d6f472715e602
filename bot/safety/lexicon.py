"""Turn a token into the key the red-flag matcher compares: its lower-case lemma.

Patterns and messages go through the same function, so "swollen", "swells" and
"swelling" all become ``swell`` on both sides. Misspellings the catalog did not list
("sweling", "unconcious") are mapped to the nearest catalog word when they are one or
two typing slips away (rapidfuzz's optimal-string-alignment distance: a swapped pair of
letters is one slip) and are not themselves real words ("fewer" must stay "fewer", not
become "fever"; "heartache" is no "headache", "tinge" no "twinge", and the Spanish "costado"
no "costando"). Words shorter than five letters are never corrected: at that length one
slip turns most common words into another word ("bleed"/"breed" is the limit); a
four-letter catalog word is found only with one letter doubled ("lipps", "numbb"). Words
shorter than eight letters take one slip, or two when only vowels differ ("throte" is
"throat": misspelling by sound). Between equally near catalog words, a real word wins over
a misspelling the catalog lists.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple, cast

from rapidfuzz.distance import OSA
from spacy.language import Language
from spacy.pipeline import Lemmatizer

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

COMMON_WORD_LOG_PROB = -14.0  # spaCy's lexeme_prob: above this a word is common English
# The Spanish list is smaller and noisier: common misspellings ("demaciado") sit near -13.4.
COMMON_SPANISH_LOG_PROB = -13.0
MIN_FUZZY_LENGTH = 5
# Where the word list drawn from spacy-lookups-data is kept once made (see `common_words`).
WORD_LIST_DIR = PROJECT_ROOT / "build" / "safety"
WHITESPACE_KEY = "<nl>"
# Ordinary words the (US-weighted) frequency list ranks too rare, one slip from a red-flag
# word: "my partner is a sceptic" is not "septic"; an "embolism" is not the Spanish "embolia".
EXTRA_COMMON_WORDS = frozenset(
    {"sceptic", "sceptics", "sceptical", "skeptic", "skeptics", "embolism", "embolisms"}
    # Spanish verbs with "-se"/"-me" too rare in the frequency list: "¿es normal marearse?"
    # read as "matarse" (to kill oneself); "callarse" as "callers"
    | {"marearse", "marearme", "marearte", "callarse", "callarme", "pesarse", "pesarme"}
    | {"apuntarse", "apuntarme"}
)
# Texting shorthand read as the word it stands for, so "legs r numb n weak rn" reads like
# "legs are numb and weak now" (patterns and cues are written in whole words).
TEXTING_SHORTHAND = {
    "r": "are",
    "n": "and",
    "u": "you",
    "ur": "your",
    "rn": "now",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "pls": "please",
    "plz": "please",
    "smth": "something",
    "sth": "something",
    "b4": "before",
    "tok": "took",
    # "havnt had any chest pain": spaCy splits "havent" into "have" + "not", not "havnt"
    "havnt": "not",
    "hvnt": "not",
    # Spanish texting: "tmp tengo ronchas" (tampoco), "xq" (porque), "q" (que)
    "tmp": "tampoco",
    "tmb": "tambien",
    "xq": "porque",
    "q": "que",
}
# Scots and Caribbean spellings read as the standard word, so "cannae get ma breath", "he
# isnae breathing", "nae fever" and "mi cyaan feel mi foot" meet the same patterns and
# negation cues as "can't", "not" and "no" ("cannae" and "cyaan" are in the catalog's `cant`
# list: spaCy splits "can't" in two). Words with another common meaning are left out:
# "ma" and "mi" (mother; the Spanish "my"), "aw" ("aw no"), "di" (Spanish "I gave").
# Scots: "-nae" is "not" ("he isnae breathing", "didnae faint")
SCOTS_NOT = tuple(
    "didnae didna dinnae dinna disnae doesnae isnae wasnae wisnae willnae wouldnae hasnae havnae"
    " hivnae arenae".split()
)
REGIONAL_WORDS = {
    **dict.fromkeys(SCOTS_NOT, "not"),
    "nae": "no",
    "jist": "just",
    "jus": "just",
    "ower": "over",
    "oot": "out",
    "doon": "down",
    "intae": "into",
    "wi": "with",
    "heid": "head",
    "deid": "dead",
    "giein": "giving",
    "gien": "given",
    "greetin": "crying",
    "heids": "heads",
    "fae": "from",
    "aff": "off",
    "masel": "myself",
    "noo": "now",
    "boak": "vomit",
    "boakin": "vomiting",
    "boakit": "vomited",
    "jag": "injection",
    "jags": "injections",
    # Jamaican and other Caribbean English
    "nuh": "not",
    "neva": "never",
    "dem": "them",
    "pon": "on",
    "wid": "with",
    "likkle": "little",
    "waan": "want",
    "tek": "take",
    "dung": "down",
    "nuttn": "nothing",
    "nutten": "nothing",
    "everyting": "everything",
    "seh": "say",
    "tink": "think",
    "dat": "that",
    "dis": "this",
    "yuh": "you",
    "inna": "in",
    "pickney": "child",
    "bwoy": "boy",
    # West African English and internet slang
    "abeg": "please",
    "ded": "dead",
}
STANDS_FOR = {**TEXTING_SHORTHAND, **REGIONAL_WORDS}


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance (a swap of two letters counts once), from
    rapidfuzz; ``limit + 1`` when the distance is larger than ``limit``."""
    return OSA.distance(a, b, score_cutoff=limit)


def _lookups_json(name: str) -> Dict[str, object]:
    import spacy_lookups_data

    path = spacy_lookups_data.__path__[0] + f"/data/{name}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return cast(Dict[str, object], json.load(handle))


def _frequent(name: str, log_prob: float) -> FrozenSet[str]:
    probs = cast(Dict[str, float], _lookups_json(name))
    return frozenset(w for w, p in probs.items() if p > log_prob and w.isalpha() and len(w) >= 4)


def _word_list_file(folder: Path) -> Path:
    """The cached list's name says what made it, so a new spacy-lookups-data version or a
    changed threshold makes a new list instead of reading a stale one."""
    import spacy_lookups_data

    version = getattr(spacy_lookups_data, "__version__", "unknown")
    return folder / (
        f"common-words-v1-lookups{version}-en{COMMON_WORD_LOG_PROB}-es{COMMON_SPANISH_LOG_PROB}.txt"
    )


def _words_from_lookups() -> FrozenSet[str]:
    lemmas = cast(Dict[str, str], _lookups_json("en_lemma_lookup"))
    english = _frequent("en_lexeme_prob", COMMON_WORD_LOG_PROB)
    spanish = _frequent("es_lexeme_prob", COMMON_SPANISH_LOG_PROB)
    known = frozenset(
        w.lower() for pair in lemmas.items() for w in pair if w.isalpha() and len(w) >= 4
    )
    return english | spanish | known


def _save_word_list(path: Path, words: FrozenSet[str]) -> None:
    """Written whole and then renamed, so a reader never sees half a list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".common-words-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(sorted(words)) + "\n")
    os.chmod(partial, 0o644)  # mkstemp makes it private; the servers may run as other users
    os.replace(partial, path)


@lru_cache(maxsize=1)
def common_words(folder: Path = WORD_LIST_DIR) -> Optional[FrozenSet[str]]:
    """Real words (from spacy-lookups-data), never "corrected" to a red-flag word.

    Three sources, because the frequency lists come from web text and rank misspellings
    ("recomend", "tommorow") next to rare real words ("tinge", "heartache"):
    - English words more frequent than COMMON_WORD_LOG_PROB;
    - every word the English lemma table knows (its forms and lemmas: a curated word list,
      which holds "strobe" and "infusion" but no "becasue");
    - Spanish words more frequent than COMMON_SPANISH_LOG_PROB ("mejorado" is no "morado",
      "alergia" no "alegria").

    Drawing the 92,000 words out of the lookup tables parses about a million entries: some
    seconds and several hundred MiB at the peak, in the Rasa server and the action server
    at each start. So the first process to need the list saves it under build/safety (about
    0.8 MB of text) and the others read that; where the folder cannot be written, each
    process draws the list itself.
    """
    try:
        path = _word_list_file(folder)
        if path.is_file():
            return EXTRA_COMMON_WORDS | frozenset(path.read_text(encoding="utf-8").split())
        words = _words_from_lookups()
    except (ImportError, OSError, ValueError) as exc:  # pragma: no cover - packaging problem
        logger.warning("No common-word list (%s): red-flag spelling correction is off.", exc)
        return None
    try:
        _save_word_list(path, words)
    except OSError as exc:
        logger.info("Could not keep the common-word list in %s (%s).", folder, exc)
    return EXTRA_COMMON_WORDS | words


LEMMA_CHAIN_STEPS = 3  # lemma of a lemma: "swellings" -> "swelling" -> "swell"


class Lexicon:
    """Keys for tokens and pattern words, from one spaCy pipeline's tokenizer and lemmas."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self._lemmas: Callable[[str], Optional[str]] = _lemma_lookup(nlp)
        self._fuzzy: Dict[str, Tuple[Tuple[str, str], ...]] = {}
        self._exact: FrozenSet[str] = frozenset()
        self._short: Dict[str, str] = {}  # 4-letter targets, for a doubled last letter only
        self._cache: Dict[str, Tuple[str, str]] = {}

    def key(self, text: str) -> str:
        """The lower-case lemma of one already-normalised token."""
        if not text.strip():
            return WHITESPACE_KEY if "\n" in text else "<sp>"
        return self._lemmas(text) or text

    def words(self, phrase: str) -> List[str]:
        """Split a normalised phrase into token texts the way messages are split."""
        return [t.text for t in self.nlp.make_doc(phrase) if t.text.strip()]

    def set_fuzzy_targets(self, targets: Iterable[str], kept: Iterable[str] = ()) -> None:
        """Catalog words that misspelled tokens may be corrected to; ``kept``: other words
        the catalog spells out, never corrected to anything."""
        by_first: Dict[str, List[Tuple[str, str]]] = {}
        exact = set()
        short: Dict[str, str] = {}
        for word in targets:
            if word.isalpha() and len(word) >= MIN_FUZZY_LENGTH:
                by_first.setdefault(word[0], []).append((word, self.key(word)))
                exact.add(word)
            elif word.isalpha() and len(word) == MIN_FUZZY_LENGTH - 1:
                short[word] = self.key(word)
        self._fuzzy = {k: tuple(sorted(set(v))) for k, v in by_first.items()}
        self._exact = frozenset(exact) | frozenset(w for w in kept if w.isalpha())
        self._short = short
        self._cache.clear()

    def token(self, text: str) -> Tuple[str, str]:
        """``(key, surface)`` for a normalised token, with spelling slips corrected."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self._token(text)
            if len(self._cache) < 50_000:
                self._cache[text] = cached
        return cached

    def _token(self, text: str) -> Tuple[str, str]:
        if text in STANDS_FOR:
            word = STANDS_FOR[text]
            return self.key(word), word
        key = self.key(text)
        spelt_out = _g_dropped(text)
        if spelt_out is not None and key == text:
            return self.key(spelt_out), spelt_out
        if (
            len(text) < MIN_FUZZY_LENGTH
            or not text.isalpha()
            or text in self._exact
            or key != text  # a known inflected form (the lemma table knows it)
        ):
            return key, text
        held = _one_double_dropped(text, self._short) if len(text) == MIN_FUZZY_LENGTH else None
        if held is not None:
            common = common_words()
            if common is not None and text not in common:
                # "numbb", "lipps": a key held down or a letter doubled, not a new word
                return self._short[held], held
        common = common_words()
        if common is None or text in common:
            return key, text
        limit = 2 if len(text) >= 8 else 1
        skeleton = _consonants(text)
        # Nearest first; on a tie a real word before a misspelling the catalog lists:
        # "injektion" is one slip from "injection" and from the listed "infektion".
        best: Optional[Tuple[int, bool, str, str]] = None
        for word, word_key in self._fuzzy.get(text[0], ()):
            distance = osa_distance(text, word, max(limit, 2))
            # two slips in a short word only when they are vowels ("throte" for "throat")
            if distance > limit and not (distance == 2 and _consonants(word) == skeleton):
                continue
            candidate = (distance, word not in common, word, word_key)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is None:
            return key, text
        return best[3], best[2]


def _g_dropped(text: str) -> Optional[str]:
    """ "gaspin", "swellin", "bleedin": a "-ing" word typed without its "g" (and without the
    apostrophe text.py reads), when the word is not common itself and the "-ing" form is."""
    if len(text) < MIN_FUZZY_LENGTH or not text.endswith("in") or not text.isalpha():
        return None
    common = common_words()
    if common is None or text in common or text + "g" not in common:
        return None
    return text + "g"


def _consonants(word: str) -> str:
    """The word without its vowels: misspellings by sound keep it ("throte", "throat")."""
    return "".join(c for c in word if c not in "aeiouy")


def _one_double_dropped(text: str, targets: Dict[str, str]) -> Optional[str]:
    """The target ``text`` spells with one letter doubled ("lipps", "numbb"), or None."""
    for i in range(1, len(text)):
        if text[i] == text[i - 1]:
            single = text[:i] + text[i + 1 :]
            if single in targets:
                return single
    return None


def _lemma_lookup(nlp: Language) -> Callable[[str], Optional[str]]:
    """The pipeline's lookup-lemmatizer table as a function (identity if it has none)."""
    try:
        table = cast(Lemmatizer, nlp.get_pipe("lemmatizer")).lookups.get_table("lemma_lookup")
    except (KeyError, AttributeError, ValueError):
        logger.warning("spaCy pipeline has no lookup lemmatizer; red flags match exact words.")
        return lambda text: None

    def lemma(text: str) -> Optional[str]:
        # The table is not closed: "dressings" -> "dressing" but "dressing" -> "dress", so
        # a pattern's "dressing" never met a message's "dressings". Follow it to its end.
        found = table.get(text)
        for _ in range(LEMMA_CHAIN_STEPS):
            if found is None:
                break
            further = table.get(found)
            if further is None or further == found:
                break
            found = further
        return found

    return lemma
