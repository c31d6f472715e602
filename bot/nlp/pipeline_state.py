"""Is the saved spaCy pipeline (build/spacy_pit) current? Answered without importing spaCy.

Importing spaCy imports TensorFlow (through thinc): about 2 s that `make run` spent before
starting any server, only to learn that the pipeline was up to date. The pipeline's
fingerprint lives here for that reason (``bot.nlp.pipeline`` uses the same function): it
hashes the catalog, pipeline.py's own bytes and spaCy's version, read from the package
metadata so that spaCy is not imported.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from bot.nlp.catalog import CATALOG_PATH
from bot.settings import PROJECT_ROOT

PIPELINE_DIR = PROJECT_ROOT / "build" / "spacy_pit"
FINGERPRINT_FILE = "pit_fingerprint.txt"
PIPELINE_SOURCE = Path(__file__).with_name("pipeline.py")


def expected_fingerprint(catalog_path: Path = CATALOG_PATH) -> str:
    """Hash of everything the saved pipeline is built from, without importing spaCy."""
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
