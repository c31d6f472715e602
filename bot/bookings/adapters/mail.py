"""Send each request to the clinic's inbox as a plain-text email over SMTP.

The ``Message-ID`` is derived from the idempotency key, so a retried send after a
lost reply carries the same id and mail systems can drop the duplicate. The
subject has no personal details (it shows in notifications and on lock screens).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from typing import List, Optional

from bot.bookings.adapters.base import Payload, PermanentError, RetryableError
from bot.bookings.config import EmailConfig
from bot.bookings.constants import BOOKING_KIND, CALLBACK_KIND
from bot.settings import ClinicSettings

logger = logging.getLogger(__name__)
KIND_TITLES = {BOOKING_KIND: "Booking request", CALLBACK_KIND: "Call-back request"}
FIELD_LABELS = (
    ("name", "Name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("patient_type", "New or returning patient"),
    ("pain_area", "Pain area / condition"),
    ("preferred_times", "Preferred days / times"),
)


def ascii_address(address: str) -> str:
    """``local@domain`` with an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def message_id(idempotency_key: str, sender: str) -> str:
    return f"<{idempotency_key}@{ascii_address(sender).rsplit('@', 1)[-1]}>"


class EmailAdapter:
    name = "email"
    immediate = False

    def __init__(self, config: EmailConfig, settings: ClinicSettings) -> None:
        self.config = config
        self.settings = settings
        # The time-out applies per SMTP step: connect, TLS, login, envelope, data.
        self.max_send_seconds = 5 * config.timeout_seconds

    def prepare(self, snapshot: Payload) -> Payload:
        return {"request": snapshot}

    def _local(self, iso: Optional[str]) -> str:
        if not iso:
            return "-"
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(self.settings.tz)
        return f"{moment:%Y-%m-%d %H:%M} ({self.settings.time_zone})"

    def body(self, payload: Payload) -> str:
        request = payload["request"]
        title = KIND_TITLES.get(request["kind"], "Request")
        lines: List[str] = [f"{title} #{request['id']} from the chat assistant.", ""]
        for key, label in FIELD_LABELS:
            value = request.get(key)
            if value:
                text = str(value).replace("\n", "\n    ")
                lines.append(f"{label}: {text}")
        lines += [
            "",
            "Consent to be contacted and to store these details: given "
            f"{self._local(request.get('consent_at'))}",
            f"Received: {self._local(request.get('created_at'))}",
            f"Chat channel: {request.get('channel') or '-'}",
            f"Conversation id: {request.get('conversation_id') or '-'}",
            "",
            "Please contact the patient using the details above.",
        ]
        return "\n".join(lines) + "\n"

    def build_message(self, payload: Payload, idempotency_key: str) -> EmailMessage:
        request = payload["request"]
        message = EmailMessage()
        title = KIND_TITLES.get(request["kind"], "Request")
        message["Subject"] = f"[{self.settings.name}] {title} #{request['id']}"
        message["From"] = ascii_address(self.config.sender)
        message["To"] = ", ".join(ascii_address(r) for r in self.config.recipients)
        if request.get("email"):
            message["Reply-To"] = ascii_address(request["email"])
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = message_id(idempotency_key, self.config.sender)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.body(payload), charset="utf-8")
        return message

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.config.ssl:
            return smtplib.SMTP_SSL(
                self.config.host,
                self.config.port,
                timeout=self.config.timeout_seconds,
                context=context,
            )
        client = smtplib.SMTP(
            self.config.host, self.config.port, timeout=self.config.timeout_seconds
        )
        if self.config.starttls:
            client.ehlo()
            client.starttls(context=context)
            client.ehlo()
        return client

    def deliver(self, payload: Payload, idempotency_key: str) -> None:
        password = self.config.password()
        if self.config.username and not password:
            raise RetryableError(f"environment variable {self.config.password_env} is not set")
        message = self.build_message(payload, idempotency_key)
        try:
            with self._connect() as client:
                if self.config.username:
                    client.login(self.config.username, password or "")
                refused = client.send_message(message)
            if refused:  # accepted for at least one clinic address: do not send twice
                logger.warning(
                    "email accepted for %d of %d clinic addresses; check booking.email.to",
                    len(self.config.recipients) - len(refused),
                    len(self.config.recipients),
                )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = PermanentError if codes and all(c >= 500 for c in codes) else RetryableError
            raise error(
                f"SMTP server refused the clinic address(es): {sorted(set(codes))}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentError("SMTP server does not support STARTTLS or login") from None
        except smtplib.SMTPResponseException as exc:
            error = PermanentError if exc.smtp_code >= 500 else RetryableError
            raise error(f"SMTP {exc.smtp_code} ({type(exc).__name__})") from None
        except ssl.SSLCertVerificationError:
            raise PermanentError(
                "the SMTP server's TLS certificate could not be verified"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableError(f"SMTP connection problem: {type(exc).__name__}") from None
