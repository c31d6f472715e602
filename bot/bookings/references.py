"""Reference codes for booking and call-back requests, shown to the patient and to staff.

Why not the database id: 1, 2, 3 ... tells anyone how many requests the clinic gets and
lets them guess other people's references. A code is 8 random characters from an
alphabet without look-alikes (no 0/O, 1/I/L), read out easily on the phone:
31^8, about 850 billion codes, so guessing one that exists is hopeless.
"""

from __future__ import annotations

import re
import secrets
from typing import Optional

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_reference() -> str:
    """A fresh random code (``secrets``: not predictable from earlier codes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_reference(text: str) -> Optional[str]:
    """The code as stored, from what staff typed ("k7m2 q9px", "K7M2-Q9PX"); None if invalid."""
    code = _SEPARATORS.sub("", text or "").upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
