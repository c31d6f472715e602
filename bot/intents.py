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
SHARE_CONTACT = "share_contact"  # only a phone number or email (ContactDetailsClassifier)

# Rasa's own intents (not declared in domain.yml).
SESSION_START = "session_start"
NLU_FALLBACK = "nlu_fallback"

# --- entities ------------------------------------------------------------------------
CONDITION_ENTITY = "condition"
BODY_PART_ENTITY = "body_part"
TOPIC_ENTITY = "topic"
RED_FLAG_ENTITY = "red_flag"  # one per red flag found; the value is its category


def payload(intent: str) -> str:
    """The button payload that sends ``intent``, e.g. ``/human_handoff``."""
    return f"/{intent}"


def topic_payload(topic: str) -> str:
    """The payload of a button that asks for one FAQ topic: ``/ask_topic{"topic":"cost"}``.

    Responses in YAML write the braces doubled, because Rasa fills ``{slot}`` there.
    """
    return f'/{ASK_TOPIC}{{"{TOPIC_ENTITY}":"{topic}"}}'
