"""`python -m bot.encoder [--force]`: build the verified sentence encoder (see build.py)."""

import sys

from bot.encoder.build import main

sys.exit(main())
