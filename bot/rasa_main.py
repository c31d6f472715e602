"""`python -m bot.rasa_main ARGS`: Rasa's own command line, as every Rasa server here starts.

Same arguments and behaviour as ``python -m rasa``. Why not that: importing :mod:`bot` first
applies our environment defaults (bot/environment.py) and keeps unused packages out of
memory (bot/unused_imports.py) before Rasa imports TensorFlow; loaded later, through
credentials.yml, it would be too late for both.
"""

from __future__ import annotations

import bot  # noqa: F401  # first: defaults and kept-out imports before Rasa's

if __name__ == "__main__":
    from rasa.__main__ import main

    main()
