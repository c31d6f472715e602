"""A fake of the providers' send APIs on 127.0.0.1 that records every call it gets.

One server answers like Twilio's Messages API, Telegram's Bot API and Meta's Graph API
(WhatsApp Cloud and Messenger), so the channels talk real HTTP to it. Tests read the
recorded calls, and can make the next calls fail to exercise retries.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional
from urllib.parse import parse_qs

from bot.stack import free_port


@dataclass
class Call:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes

    @property
    def form(self) -> Dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    @property
    def json(self) -> Any:
        """The JSON body, or None when the body is not JSON (Twilio sends a form)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _answer(path: str) -> Dict[str, Any]:
    """A plausible success body for each API."""
    if path.endswith("/Messages.json"):
        return {"sid": f"SM{uuid.uuid4().hex}", "status": "queued"}
    if re.match(r"^/bot[^/]+/", path):
        return {"ok": True, "result": {"message_id": 1} if path.endswith("sendMessage") else True}
    if path.endswith("/me/messages"):
        return {"recipient_id": "1", "message_id": f"m_{uuid.uuid4().hex}"}
    return {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]}


@dataclass
class FakeProviderApi:
    port: int = field(default_factory=free_port)
    calls: List[Call] = field(default_factory=list)
    failures: Deque[int] = field(default_factory=deque)
    _server: Optional[ThreadingHTTPServer] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, times: int = 1) -> None:
        self.failures.extend([status] * times)

    def _record(self, handler: BaseHTTPRequestHandler) -> "tuple[int, bytes]":
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        call = Call(handler.command, handler.path, dict(handler.headers.items()), body)
        with self._lock:
            self.calls.append(call)
            status = self.failures.popleft() if self.failures else 200
        if status != 200:
            return status, json.dumps({"error": {"message": "fake failure"}}).encode()
        return (201 if call.path.endswith("/Messages.json") else 200), json.dumps(
            _answer(call.path)
        ).encode()

    def start(self) -> "FakeProviderApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                status, body = fake._record(self)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
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

    # --- reading what arrived -------------------------------------------------------------
    def matching(self, predicate: Callable[[Call], bool]) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if predicate(c)]

    def _settled(self, predicate: Callable[[Call], bool], found: List[Call]) -> List[Call]:
        """Wait until no further matching call arrives for a moment (multi-part replies)."""
        while True:
            time.sleep(0.5)
            now = self.matching(predicate)
            if len(now) == len(found):
                return now
            found = now

    def wait_for(
        self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 60.0
    ) -> List[Call]:
        """The matching calls once at least ``count`` arrived (and nothing more for a moment)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return self._settled(predicate, found)
            time.sleep(0.05)
        found = self.matching(predicate)
        raise AssertionError(f"expected {count} call(s), got {len(found)} within {timeout}s")


def main() -> None:
    """`python -m tests.support.fake_providers`: the fake on a fixed port, printing each call.

    For trying a channel by hand with `make run` (README, "Messaging channels"): point the
    channel's ``*_API_BASE`` here and every reply the assistant sends is printed.
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8099)
    port = parser.parse_args().port
    fake = FakeProviderApi(port=port).start()
    print(f"Fake provider API on {fake.url} (Ctrl-C stops it)", flush=True)
    shown = 0
    try:
        while True:
            time.sleep(0.2)
            for call in fake.matching(lambda call: True)[shown:]:
                shown += 1
                print(
                    f"{call.method} {call.path}\n  {call.body.decode(errors='replace')}", flush=True
                )
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
