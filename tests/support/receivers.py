"""Real local receivers for delivery tests: a webhook endpoint and an SMTP server.

``WebhookReceiver`` is an http.server on 127.0.0.1 that behaves like a careful
clinic system: it checks the signature, de-duplicates by Idempotency-Key, and can
be told to fail, stall or be down. ``SmtpSink`` is aiosmtpd on loopback.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Set, Tuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.bookings.adapters.webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify_signature
from bot.stack import free_port
from tests.support.booking_data import SECRET


@dataclass
class Hit:
    key: str
    body: bytes
    signature_ok: bool
    status: int


@dataclass
class WebhookReceiver:
    """A real HTTP receiver on 127.0.0.1 (start/stop it to simulate outages)."""

    secret: str = SECRET
    port: int = field(default_factory=free_port)
    hits: List[Hit] = field(default_factory=list)
    processed: Dict[str, bytes] = field(default_factory=dict)
    queued_statuses: Deque[Tuple[int, Dict[str, str]]] = field(default_factory=deque)
    delay_after_processing: float = 0.0
    _server: Optional[ThreadingHTTPServer] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pit/bookings"

    def fail_next(
        self, status: int, times: int = 1, headers: Optional[Dict[str, str]] = None
    ) -> None:
        for _ in range(times):
            self.queued_statuses.append((status, headers or {}))

    def _handle(self, handler: BaseHTTPRequestHandler) -> Tuple[int, Dict[str, str]]:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        key = handler.headers.get(IDEMPOTENCY_HEADER) or ""
        ok = verify_signature(self.secret, body, handler.headers.get(SIGNATURE_HEADER))
        with self._lock:
            if self.queued_statuses:
                status, headers = self.queued_statuses.popleft()
            elif not ok or not key:
                status, headers = 401, {}
            else:
                status, headers = 200, {}
                self.processed.setdefault(key, body)  # a repeat of a known key is ignored
            self.hits.append(Hit(key, body, ok, status))
        if status == 200 and self.delay_after_processing:
            time.sleep(self.delay_after_processing)
        return status, headers

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                status, headers = receiver._handle(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class Received:
    mail_from: str
    rcpt_tos: List[str]
    content: bytes

    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)  # type: ignore[return-value]


class _SinkHandler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.sink.reject:
            return "550 5.1.1 mailbox unavailable"
        if self.sink.temporary_failures > 0:
            self.sink.temporary_failures -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.sink.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"


@dataclass
class SmtpSink:
    """aiosmtpd on 127.0.0.1; optional login and STARTTLS like a real provider."""

    port: int = field(default_factory=free_port)
    received: List[Received] = field(default_factory=list)
    reject: Set[str] = field(default_factory=set)
    temporary_failures: int = 0
    credentials: Optional[Tuple[str, str]] = None
    tls_cert: Optional[Tuple[Path, Path]] = None
    _controller: Optional[Controller] = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.credentials is not None:
            user, password = self.credentials
            if auth_data.login.decode() == user and auth_data.password.decode() == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> "SmtpSink":
        kwargs: Dict[str, Any] = {}
        if self.credentials:
            kwargs.update(
                authenticator=self._authenticate, auth_require_tls=self.tls_cert is not None
            )
        if self.tls_cert:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.tls_cert[0]), str(self.tls_cert[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        self._controller = Controller(
            _SinkHandler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None


def self_signed_cert(directory: Optional[Path] = None) -> Tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost (file paths: cert, key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = directory or Path(tempfile.mkdtemp(prefix="pit-cert-"))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
