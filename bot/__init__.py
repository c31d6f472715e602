"""PIT patient-education assistant: our own code (CLI, settings, NLP, content tools, web)."""

import os

# Quiet, private defaults for every process we start (they can still be overridden).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
