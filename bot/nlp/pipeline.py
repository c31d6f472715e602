"""Build, save and load our spaCy pipeline.

No pretrained spaCy model can be downloaded here, so we build one from
``spacy.blank("en")``: a lookup lemmatizer (tables from spacy-lookups-data) and an
entity ruler whose patterns come from the condition catalog. Rasa's SpacyNLP loads
it from ``build/spacy_pit``. It has no word vectors, so Rasa keeps CountVectors
features.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler

from bot import intents
from bot.nlp.catalog import CATALOG_PATH, Catalog, load_catalog
from bot.nlp.pipeline_state import FINGERPRINT_FILE, PIPELINE_DIR, expected_fingerprint

PIPELINE_NAME = "pit_en"
PIPELINE_VERSION = "1.0.0"


def _blank_with_lemmatizer() -> Language:
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    return nlp


def _phrase_patterns(label: str, ent_id: str, phrases: Iterable[str], nlp: Language) -> List[Dict]:
    """Two patterns per phrase: exact lower-case words, and lemmas (so plurals match)."""
    patterns: List[Dict] = []
    for phrase in phrases:
        words = [t.text.lower() for t in nlp.make_doc(phrase)]
        lemmas = [t.lemma_.lower() for t in nlp(phrase.lower())]
        patterns.append({"label": label, "id": ent_id, "pattern": [{"LOWER": w} for w in words]})
        if lemmas != words:
            patterns.append(
                {"label": label, "id": ent_id, "pattern": [{"LEMMA": lemma} for lemma in lemmas]}
            )
        else:
            patterns.append(
                {
                    "label": label,
                    "id": ent_id,
                    "pattern": [{"LOWER": w} for w in words[:-1]] + [{"LEMMA": lemmas[-1]}],
                }
            )
    return patterns


def entity_patterns(catalog: Catalog, nlp: Optional[Language] = None) -> List[Dict]:
    """Entity-ruler patterns for every condition and body-part name in the catalog."""
    nlp = nlp or _initialised(_blank_with_lemmatizer())
    patterns: List[Dict] = []
    for condition in catalog.conditions.values():
        patterns += _phrase_patterns(intents.CONDITION_ENTITY, condition.key, condition.names, nlp)
    for key, names in catalog.body_parts.items():
        patterns += _phrase_patterns(intents.BODY_PART_ENTITY, key, names, nlp)
    unique = {json.dumps(p, sort_keys=True): p for p in patterns}
    return [unique[k] for k in sorted(unique)]


def _initialised(nlp: Language) -> Language:
    nlp.initialize()
    return nlp


def build_nlp(catalog: Optional[Catalog] = None) -> Language:
    """A fresh pipeline in memory: lemmatizer + entity ruler from the catalog."""
    catalog = catalog or load_catalog()
    nlp = _initialised(_blank_with_lemmatizer())
    patterns = entity_patterns(catalog, nlp)  # before the ruler exists: lemmas only
    ruler = cast(
        EntityRuler,
        nlp.add_pipe("entity_ruler", config={"overwrite_ents": True, "validate": True}),
    )
    ruler.add_patterns(patterns)
    return nlp


def source_fingerprint(catalog_path: Path = CATALOG_PATH) -> str:
    """Hash of everything the saved pipeline is built from: the catalog, this module's
    bytes and spaCy's version (computed in bot.nlp.pipeline_state, which `make run` uses
    without importing spaCy)."""
    return expected_fingerprint(catalog_path)


def build_and_save(target: Path = PIPELINE_DIR, force: bool = False) -> bool:
    """Build and save the pipeline unless an up-to-date one is there. True if built."""
    fingerprint = source_fingerprint()
    marker = target / FINGERPRINT_FILE
    if not force and marker.exists() and marker.read_text().strip() == fingerprint:
        return False
    nlp = build_nlp()
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(tmp)
    (tmp / FINGERPRINT_FILE).write_text(fingerprint + "\n")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return True


def load_nlp(path: Path = PIPELINE_DIR) -> Language:
    """The saved pipeline (built first if missing or stale)."""
    build_and_save(path)
    return spacy.load(path)


_SHARED_LOCK = threading.Lock()
_shared: List[Tuple[str, Language]] = []  # (fingerprint on disk when loaded, pipeline)


def _saved_fingerprint(path: Path = PIPELINE_DIR) -> str:
    return (path / FINGERPRINT_FILE).read_text().strip()


def shared_nlp() -> Language:
    """The saved pipeline, loaded once per process.

    Rasa's SpacyNLP (through bot/rasa_speedups.py), the red-flag checker and
    :func:`entity_key` all use this one object: each load holds its own lemma tables and
    entity-ruler patterns, about 29 MiB in the Rasa server (bench/server_memory.py,
    2026-12-05).
    """
    with _SHARED_LOCK:
        if _shared:
            return _shared[0][1]
    return refresh_shared_nlp()


def refresh_shared_nlp() -> Language:
    """:func:`shared_nlp`, loaded again first if the saved pipeline changed since.

    For each model the Rasa server loads: a model trained after the catalog changed (the
    studio swaps one in without a restart) gets the pipeline it was trained with, as Rasa's
    own loader would give it, and the red-flag checker follows.
    """
    with _SHARED_LOCK:
        build_and_save(PIPELINE_DIR)
        fingerprint = _saved_fingerprint()
        if not _shared or _shared[0][0] != fingerprint:
            _shared[:] = [(fingerprint, spacy.load(PIPELINE_DIR))]
        return _shared[0][1]


def is_saved_pipeline(name: object) -> bool:
    """Does ``name`` (a SpacyNLP ``model`` setting) name the pipeline :func:`shared_nlp` loads?"""
    if not isinstance(name, str) or not name:
        return False
    return Path(name).resolve() == PIPELINE_DIR.resolve()


def entity_key(text: str, label: str) -> Optional[str]:
    """The catalog key the entity ruler gives ``text`` (e.g. 'Tennis elbows' -> 'tennis_elbow').

    Uses the same patterns as NLU (lemmas, misspellings), so whatever NLU recognised
    can be looked up, whatever form the patient typed it in.
    """
    doc = shared_nlp()(str(text)[:500].lower())  # as SpacyNLP does (case_sensitive: false)
    return next((ent.ent_id_ for ent in doc.ents if ent.label_ == label), None)
