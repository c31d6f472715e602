"""Fill the demo page's ``{{ clinic_* }}`` placeholders from clinic.yml.

Done on the server so the clinic's name, phone number and hours are on the page
even when JavaScript (and so the chat widget) fails to load: a visitor can always
find the number to call. Every value is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from typing import Mapping

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def hours_items(hours_text: str) -> str:
    """``<li>`` lines for the opening hours (one per day, already escaped)."""
    lines = [line.strip() for line in hours_text.splitlines() if line.strip()]
    return "".join(f"<li>{html.escape(line)}</li>" for line in lines)


def tel_href(phone: str) -> str:
    """A ``tel:`` target: digits and a leading ``+`` only."""
    digits = re.sub(r"[^\d+]", "", phone)
    return "tel:" + (digits[0] + digits[1:].replace("+", "") if digits else "")


def safe_link(url: str) -> str:
    """The URL if it is http(s), else ``#``: a settings typo must not become a script link."""
    return url if re.match(r"^https?://", url.strip(), re.IGNORECASE) else "#"


def render_page(template: str, public: Mapping[str, str]) -> str:
    """Replace placeholders; unknown names raise so a typo cannot ship silently."""
    values = {key: html.escape(str(value)) for key, value in public.items()}
    values["clinic_hours_items"] = hours_items(public.get("clinic_hours", ""))
    values["clinic_phone_href"] = html.escape(tel_href(public.get("clinic_phone", "")))
    values["clinic_emergency_href"] = html.escape(
        tel_href(public.get("clinic_emergency_number", ""))
    )
    values["clinic_booking_href"] = html.escape(safe_link(public.get("clinic_booking_url", "")))

    def substitute(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"unknown placeholder {{{{ {name} }}}} in the page template")
        return values[name]

    return _PLACEHOLDER.sub(substitute, template)
