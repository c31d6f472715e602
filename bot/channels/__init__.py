"""Messaging channels (Twilio SMS/WhatsApp, WhatsApp Cloud API, Telegram, Messenger).

Each provider module is a custom Rasa input channel that checks the provider's
signature, parses its payload and renders replies for its medium; what they share
lives in one place each:

- ``registry``  which channels exist, their secrets, and which are enabled;
- ``webhook``   the request flow: size limit, signature, shape, dedupe, quick answer;
- ``store``     dedupe, opt-outs, the 24-hour window and button offers in the database;
- ``render``    plain text, sentence-end splitting and numbered options;
- ``sender``    the provider API client: retries with backoff, logs without personal data;
- ``inbound``   what a user's message becomes before Rasa sees it.
"""
