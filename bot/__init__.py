"""PIT patient-education assistant: our own code (CLI, settings, NLP, content tools, web)."""

import os

from bot import unused_imports
from bot.environment import apply_defaults

# Quiet, private defaults for every process that imports us (see bot/environment.py).
apply_defaults(os.environ)
# jax (TensorFlow's) and QuickUMLS (medSpaCy's), never used here: bot/unused_imports.py.
unused_imports.apply()
