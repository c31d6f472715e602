"""The studio's inbox: patient messages the assistant misunderstood, for staff to review.

Rasa publishes every conversation event to its event broker (endpoints.yml); the
consumer (:mod:`.consumer`) reads them in the web process's background, masks the text
(:mod:`bot.privacy.masking`) and keeps one row per patient message (:mod:`.models`).
Staff group, assign, dismiss them in ``/staff/inbox`` (:mod:`.views`).
"""
