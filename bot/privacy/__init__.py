"""Privacy by default: what the assistant keeps about a patient, for how long, and on request.

A patient's data lives in two databases: the assistant's own (booking requests, their
outbox rows, the messaging channels' per-user state; bot/bookings/db.py) and Rasa's
tracker store (the conversations: table ``events``; endpoints.yml). One module per job:

- ``contact``: a phone number or email as staff type it, and how to recognise it in text;
- ``stores``: opening both databases (short sessions, engines closed after use);
- ``tracker_events``: reading, deleting and purging events in Rasa's SQL tracker store;
- ``channel_records``: the channels' rows linked to a patient (hashed user ids);
- ``export``, ``erase``: a patient's data as JSON, and the right to erasure;
- ``retention``: deleting what is older than ``privacy.retention_days`` (clinic.yml), by
  hand or every ``privacy.purge_every_hours`` inside the running assistant (bot/runner.py);
- ``cli``: ``python -m bot privacy export|erase|purge``.
"""
