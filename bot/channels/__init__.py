"""Chat channels, each behind our input checks.

Every channel (REST, socket.io and the messaging channels) passes each message through
:mod:`bot.channels.gate` (size and rate limits) first. The messaging channels (Twilio
SMS/WhatsApp, WhatsApp Cloud API, Telegram, Messenger) are custom Rasa input channels
that check the provider's signature, parse its payload and render replies for its
medium; what they share lives in one place each:

- ``gate``      size and rate limits shared by every channel;
- ``rest``, ``socketio``  Rasa's own web channels wrapped with the gate;
- ``registry``  which messaging channels exist, their secrets, and which are enabled;
- ``webhook``   the request flow: size limit, signature, shape, dedupe, quick answer;
- ``store``     dedupe, opt-outs, the 24-hour window and button offers in the database;
- ``render``    plain text, sentence-end splitting and numbered options;
- ``sender``    the provider API client: retries with backoff, logs without personal data;
- ``inbound``   what a user's message becomes before Rasa sees it.
"""
