"""Clinical safety: red flags found in every message before anything else.

catalog.py reads data/catalog/red_flags.yml, phrases.py compiles its patterns, lexicon.py
turns words into lemma keys, context.py reads the sentence around a match, and
red_flags.py ties them together (``detect_red_flags``, ``RedFlagDetector``).
red_flag_classifier.py is the Rasa NLU component that runs that check on every message.
"""
