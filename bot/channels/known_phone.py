"""The patient's own phone number, on the channels where the conversation id is one.

On Twilio (SMS and WhatsApp) and the WhatsApp Cloud API, a conversation is kept per phone
(``WebhookChannel.sender_id``): ``twilio:+12025550123``, ``twilio:whatsapp:+12025550123``
or ``whatsapp:12025550123`` (the Cloud API's ``wa_id`` has no "+"). The booking and
call-back forms offer that number instead of asking the patient to type it.

Only the sender's own number is ever offered, so this is strict: the latest message must
have come in through that very channel (a REST client can choose any sender id), and the id
must be a whole international number. A Telegram chat id or a Messenger page-scoped id is
not a phone number and gives nothing. Pure (no Rasa, no web framework), so the action
server can use it. Never log what it returns.
"""

from __future__ import annotations

import re
from typing import Optional

from bot.bookings.validation import InvalidInput, normalise_phone

TWILIO = "twilio"  # TwilioChannel.channel_name
WHATSAPP = "whatsapp"  # WhatsAppChannel.channel_name (the Cloud API)
TWILIO_WHATSAPP_PREFIX = "whatsapp:"  # Twilio's "From" for WhatsApp messages
PHONE_CHANNELS = (TWILIO, WHATSAPP)

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_WA_ID = re.compile(r"^[1-9]\d{6,14}$")


def sender_phone(
    sender_id: Optional[str], input_channel: Optional[str], region: str
) -> Optional[str]:
    """The sender's phone in E.164 (checked like a typed number), or None when unknown.

    ``region`` is the clinic's ``phone_region``; the number already has its country code,
    so the region only matters to :func:`normalise_phone`'s checks.
    """
    if not sender_id or input_channel not in PHONE_CHANNELS:
        return None
    prefix = f"{input_channel}:"
    if not sender_id.startswith(prefix):
        return None
    user_id = sender_id[len(prefix) :]
    if input_channel == TWILIO:
        if user_id.startswith(TWILIO_WHATSAPP_PREFIX):
            user_id = user_id[len(TWILIO_WHATSAPP_PREFIX) :]
        number = user_id if _E164.match(user_id) else None
    else:
        number = f"+{user_id}" if _WA_ID.match(user_id) else None
    if number is None:
        return None
    try:
        return normalise_phone(number, region)
    except InvalidInput:
        return None
