"""An ordinary sign-off: "Thanks for all the info, I'm logging off now. Have a nice day."

The second net and the learned head read the meaning of a whole message, and a veiled
farewell ("this is my last message, goodbye") means much the same as a patient ending the
chat, so both read plain goodbyes as self-harm (blind set 12: 7 of 35 goodbyes flagged end
to end, with head probabilities above 0.9). A goodbye that says when the patient will be
back or wishes the reader well ("for today", "see you on Tuesday", "have a nice day", "that's
all from me") is ordinary, unless it also has a word of a farewell for good or of a crisis
("forever", "everything", "won't be needing", "tell my kids"). Only the sentence-meaning
layers give way to it: a catalog match (bot/safety/red_flags.py) is judged by its own rules.
"""

from __future__ import annotations

import re

# Longer messages say more than goodbye: they are left to the other checks.
MAX_WORDS = 40

_SIGN_OFF = re.compile(
    r"\b(?:"
    r"have an? (?:nice|good|great|lovely|wonderful|pleasant|blessed|fab|fantastic) "
    r"(?:day|evening|night|weekend|week|one|afternoon|morning)"
    r"|see (?:you|ya|u) (?:soon|then|tomorrow|tmrw|tmr|on|at|next|later|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)"
    r"|(?:talk|speak|chat) (?:to (?:you|u) )?(?:soon|later|tomorrow|tmrw)"
    r"|catch (?:you|ya|u) later|ttyl|cya later"
    r"|for (?:today|now|tonight|the day|the night|this evening|the evening|the moment)"
    r"|(?:until|till|til) (?:next time|then|tomorrow|next week|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)"
    r"|(?:that'?s|thats|this is|that is|it'?s) all (?:from me|for now|for today|i needed|"
    r"i wanted|my questions)"
    r"|all from me"
    r"|leave (?:you|u) (?:in peace|to it|be)"
    r")\b"
)

# A farewell for good, or a crisis, in other words: then it is no ordinary sign-off.
_NOT_ORDINARY = re.compile(
    r"\b(?:"
    r"forever|for ever|for good|everything|every thing|any ?more|no more|no longer|never|"
    r"last time|final|farewell|won'?t be|will not be|not be around|world|tell (?:my|them|him|"
    r"her)|love (?:you|u) all|sorry for|burden|end (?:it|things|my|this|everything)|ending|"
    r"go on|going on|done with|take care of (?:my|the)|kids|children|pills|tablets|die|dying|"
    r"dead|death|kill|suicid\w*|hurt (?:my|me)|harm|better off|without me|peace at last|"
    r"rest now|sleep|the end|other side|another life|next life|heaven|cruel|can'?t|cannot|"
    r"tired of|give up|giving up|gave up|over it|nothing left|no point|pointless|hopeless|"
    r"alone|miss me|remember me|(?:won'?t|don'?t|wont|dont) need|no need|for trying|letter|"
    r"note|anyone|nobody|no one|goodbye to|bye to"
    r")\b"
)


def plain_sign_off(text: str) -> bool:
    """The message ends the chat in an ordinary way and says nothing of a crisis."""
    if not isinstance(text, str):
        return False
    lowered = " ".join(text.lower().replace("’", "'").split())
    if not lowered or len(lowered.split()) > MAX_WORDS:
        return False
    return bool(_SIGN_OFF.search(lowered)) and not _NOT_ORDINARY.search(lowered)
