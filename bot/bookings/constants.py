"""Allowed values shared by the tables, the storage and the command line.

Kept apart from models.py so the command line can build its parser without
importing SQLAlchemy (``python -m bot --help`` stays fast).
"""

BOOKING_KIND = "booking"
CALLBACK_KIND = "callback"
KINDS = (BOOKING_KIND, CALLBACK_KIND)
REQUEST_STATUSES = ("new", "delivered", "failed", "cancelled")
PATIENT_TYPES = ("new", "returning")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")
