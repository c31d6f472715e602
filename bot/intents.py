"""Intent and entity names the code relies on, written once.

domain.yml declares them and the training data uses them; the code refers to them only
through these constants, and tests/unit/test_domain_agrees.py checks that every one of
them is declared in domain.yml, so a rename cannot go half done.
"""

# --- intents -------------------------------------------------------------------------
GREET = "greet"
GOODBYE = "goodbye"
THANKS = "thanks"
AFFIRM = "affirm"
DENY = "deny"
FAQ = "faq"  # the retrieval intent: faq/<topic>, answered from data/faq/<topic>.yml
ASK_TOPIC = "ask_topic"  # a topic button: /ask_topic{"topic": "<topic>"}
OUT_OF_SCOPE = "out_of_scope"
ASK_DIAGNOSIS = "ask_diagnosis"
HUMAN_HANDOFF = "human_handoff"
BOT_CHALLENGE = "bot_challenge"
BOOK_CONSULTATION = "book_consultation"
CLINIC_INFO = "clinic_info"
RED_FLAG = "red_flag"
CANCEL = "cancel"
REQUEST_BOOKING = "request_booking"  # button: start the booking form
REQUEST_CALLBACK = "request_callback"  # button: start the call-back form
# Set by the understanding gate (bot/nlp/components.py), also learnt by DIET.
ASK_OTHER_TREATMENT = "ask_other_treatment"  # another treatment named, not PIT: declined
OTHER_LANGUAGE = "other_language"  # not English: English-only reply with the clinic phone
SHARE_DETAILS = (
    "share_details"  # a name, phone or email typed while no form asks (bot/conversation)
)

# Rasa's own intents (not declared in domain.yml).
SESSION_START = "session_start"
NLU_FALLBACK = "nlu_fallback"

# --- entities ------------------------------------------------------------------------
CONDITION_ENTITY = "condition"
BODY_PART_ENTITY = "body_part"
TOPIC_ENTITY = "topic"
RED_FLAG_ENTITY = "red_flag"  # one per red flag found; the value is its category
RED_FLAG_POSSIBLE_ENTITY = "red_flag_possible"  # semantic net unsure; value: clinical category

# --- responses -----------------------------------------------------------------------
# Every urgent-guidance response starts with this (emergency, crisis, urgent, unsure, the
# Spanish one): sent first in a turn (bot/safety/urgent_first.py), read-only in the studio,
# and what the independent red-flag evaluator looks for.
RED_FLAG_RESPONSE_PREFIX = "utter_red_flag"


def payload(intent: str) -> str:
    """The button payload that sends ``intent``, e.g. ``/human_handoff``."""
    return f"/{intent}"


def topic_payload(topic: str) -> str:
    """The payload of a button that asks for one FAQ topic: ``/ask_topic{"topic":"cost"}``.

    Responses in YAML write the braces doubled, because Rasa fills ``{slot}`` there.
    """
    return f'/{ASK_TOPIC}{{"{TOPIC_ENTITY}":"{topic}"}}'
