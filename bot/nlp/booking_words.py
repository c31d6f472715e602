"""Does a message ask to book? A booking prediction without booking words is a guess.

Why: messages about an appointment ("walk me through a visit", "can I eat on the morning of
the appointment?", "I'd like a sense of how many visits I'd be signing up for") were read as
booking requests and got the booking form instead of the answer. A real request names the
booking or a time ("book me in", "any openings next week?", "when can I come?", "I want to see
the doctor"); without such words the classifier's next choice serves the patient better, when
it is a question the assistant answers (a topic, out of scope, clinic details, a person).
"""

from __future__ import annotations

import re

_BOOKING_RE = re.compile(
    r"\bbook|\bre-?schedul|\bschedul|\bappts?\b|\breserv|\bslots?\b|\bspots?\b|\bopenings?\b"
    r"|\bavailab|\bconsult|\benrol|\bregister\b|\bsign (me|us|him|her|them) up\b|\bsign up\b"
    r"|\bdiary\b|\bcalendar\b|\block in\b|\broom for\b|\barrang|\b(pop|drop|get|getting) in\b"
    r"|\bcome in\b|\b(fit|squeeze|get) (me|us|him|her|them) in\b|\bwhen can (i|we|you)\b"
    r"|\b(get|getting)( [a-z']+){0,2} seen\b|\b(have|got) anything\b|\b(am|are|be|i'?m) free\b"
    r"|\b(see|seeing|seen) (me|us|him|her|them)\b"
    r"|\b(see|seeing) (the|a|your|a real) (doctor|dr|practitioner|specialist|physician)\b"
    r"|\bsee doctor\b|\b(find|give|get) (me|us) a (time|slot|spot|date|day)\b"
    r"|\bwhat times?\b|\b(anything|something) (free|open|after|before|on|this|next|tomorrow)\b"
    r"|\b(want|like|keen|ready|going) to (try|start|begin|have|do|give|go ahead)\b"
    r"|\blet'?s (do|go|start|get)\b|\bgo ahead\b|\bsign me\b|\bcount me in\b|\bi'?m (in|ready)\b"
    # "appointment" asks to book unless it is the one already booked ("during the appointment").
    r"|(?<!during the )(?<!at the )(?<!before the )(?<!after the )(?<!of the )(?<!for the )"
    r"(?<!during my )(?<!at my )(?<!before my )(?<!after my )"
    r"\bap+oint?ments?\b"
)


def asks_to_book(text: str) -> bool:
    """True when the message has words of a booking request."""
    return bool(_BOOKING_RE.search(text.lower()))
