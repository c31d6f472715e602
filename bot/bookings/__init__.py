"""Booking and call-back requests: checked, stored, and passed on to the clinic.

The chat form collects the details; :mod:`bot.bookings.service` stores them with
one outbox row per hand-off channel (link / webhook / email, set in clinic.yml
under ``booking:``); :mod:`bot.bookings.delivery` sends what is due, with retries;
staff use ``python -m bot bookings ...`` (:mod:`bot.bookings.cli`).
:mod:`bot.bookings.contact_details` finds a phone number or email inside an answer.
"""
