"""Is the saved spaCy pipeline (build/spacy_pit) current? Answered without importing spaCy.

Importing spaCy imports TensorFlow (through thinc): about 2 s that `make run` spent before
starting any server, only to learn that the pipeline was up to date. This hashes what
``bot.nlp.pipeline.source_fingerprint`` hashes (the catalog, pipeline.py's own bytes and
spaCy's version, here from its package metadata) and compares it with the saved marker.
It can only err towards "not current": pipeline.py's bytes are part of the hash, so a change
to how that module fingerprints makes the two differ, and the caller then asks
``bot.nlp.pipeline.build_and_save``, which decides as before
(tests/unit/test_nlp_pipeline.py checks the two agree).
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from bot.nlp.catalog import CATALOG_PATH
from bot.settings import PROJECT_ROOT

# The same values as bot.nlp.pipeline's (checked by tests/unit/test_nlp_pipeline.py).
PIPELINE_DIR = PROJECT_ROOT / "build" / "spacy_pit"
FINGERPRINT_FILE = "pit_fingerprint.txt"
PIPELINE_SOURCE = Path(__file__).with_name("pipeline.py")


def expected_fingerprint(catalog_path: Path = CATALOG_PATH) -> str:
    """``bot.nlp.pipeline.source_fingerprint()``, without importing spaCy."""
    digest = hashlib.sha256()
    digest.update(Path(catalog_path).read_bytes())
    digest.update(PIPELINE_SOURCE.read_bytes())
    digest.update(metadata.version("spacy").encode())
    return digest.hexdigest()[:16]


def is_current(target: Path = PIPELINE_DIR) -> bool:
    """True when ``target`` holds the pipeline for the current catalog and code."""
    marker = target / FINGERPRINT_FILE
    try:
        return marker.read_text().strip() == expected_fingerprint()
    except OSError:
        return False
