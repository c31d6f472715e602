"""Hand-off channels: how a stored request reaches the clinic (or the patient).

Which ones run is set in clinic.yml (``booking.handoff``); several may be on.
"""

from __future__ import annotations

from typing import Dict

from bot.bookings.adapters.base import Adapter, DeliveryError, PermanentError, RetryableError
from bot.bookings.adapters.link import LinkAdapter
from bot.bookings.adapters.mail import EmailAdapter
from bot.bookings.adapters.webhook import WebhookAdapter
from bot.bookings.config import BookingConfig
from bot.settings import ClinicSettings

__all__ = [
    "Adapter",
    "DeliveryError",
    "PermanentError",
    "RetryableError",
    "build_adapters",
    "EmailAdapter",
    "LinkAdapter",
    "WebhookAdapter",
]


def build_adapters(config: BookingConfig, settings: ClinicSettings) -> Dict[str, Adapter]:
    """The enabled channels, by name, in the order clinic.yml lists them."""
    adapters: Dict[str, Adapter] = {}
    for name in config.handoff:
        if name == "link" and config.link:
            adapters[name] = LinkAdapter(config.link)
        elif name == "webhook" and config.webhook:
            adapters[name] = WebhookAdapter(config.webhook)
        elif name == "email" and config.email:
            adapters[name] = EmailAdapter(config.email, settings)
    return adapters
