"""Does a message ask the clinic to call the patient? Then the call-back form starts at once.

Why: "can someone call me back?" was answered with the clinic's phone and a "Request a
callback" button, so the patient had to ask twice for what they had just asked for. Only a
request to be called counts ("call me", "ring me back", "a callback", "phone me tomorrow");
the patient calling the clinic ("can I call you?", "what number do I call?") does not.
"""

from __future__ import annotations

import re

_CALL = r"(?:call|ring|phone|rang|buzz|contact)"
_CALL_BACK_RE = re.compile(
    rf"\b{_CALL}(?:\s+(?:me|us|him|her|them|my \w+))(?:\s+back)?\b"
    r"|\b(?:call|ring)\s*-?\s*backs?\b|\bcallbacks?\b"
    r"|\b(?:give|get|gimme)\s+(?:me|us)\s+an?\s+(?:call|ring|bell|buzz)\b"
    r"|\b(?:a|an)\s+(?:call|ring|phone call)\s+(?:from|back)\b"
)
# The patient is the one who calls ("can I call you", "who do I ring", "call the clinic").
_PATIENT_CALLS_RE = re.compile(
    rf"\b(?:i|we)\s+(?:can\s+|could\s+|should\s+|will\s+|do\s+|to\s+)?{_CALL}\b"
    rf"|\b(?:can|could|should|do|may)\s+(?:i|we)\s+{_CALL}\b"
    rf"|\bwho\s+(?:do|should|can)\s+(?:i|we)\s+{_CALL}\b"
)

_ME_RE = re.compile(r"\b(?:me|us)\b")


def asks_for_call_back(text: str) -> bool:
    """True when the message asks someone from the clinic to call the patient."""
    lowered = " ".join(str(text or "").lower().split())
    if not _CALL_BACK_RE.search(lowered):
        return False
    # "can I call you back later" is the patient calling; "can you call me back" is not.
    return not _PATIENT_CALLS_RE.search(lowered) or bool(_ME_RE.search(lowered))
