"""PIT patient-education assistant: our own code (CLI, settings, NLP, content tools, web)."""

import os

from bot.environment import apply_defaults
from bot.unused_imports import keep_out

# Quiet, private defaults for every process that imports us (see bot/environment.py).
apply_defaults(os.environ)
# TensorFlow's optional jax import, never used here (see bot/unused_imports.py).
keep_out()
