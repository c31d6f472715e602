"""A waitress WSGI server whose own error replies carry the same safe headers.

Waitress answers malformed requests (a broken request line, an oversized header)
itself, before our Flask app sees them. Those replies must be as locked down as
every other response, so its error task is replaced by one that adds our headers.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Tuple, cast

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

HeaderSource = Callable[[], Dict[str, str]]
SERVER_IDENT = "pit-web"
WORKER_THREADS = 8


def _channel_with_headers(headers: HeaderSource) -> type:
    class SafeErrorTask(ErrorTask):
        def execute(self) -> None:
            # Waitress internals (its stubs type these loosely): the parse error and the
            # task's header list, which it sends as given.
            request: Any = self.request
            error = request.error
            response_headers: Any = self.response_headers
            self.status = f"{error.code} {error.reason}"
            response_headers.extend(headers().items())
            response_headers.append(("Content-Type", "text/plain; charset=utf-8"))
            body = f"{error.code} {error.reason}\n".encode()
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class SafeChannel(HTTPChannel):
        error_task_class = SafeErrorTask

    return SafeChannel


class WebServer:
    """waitress behind the small interface the tests and `serve` use.

    ``serve_forever`` / ``shutdown`` / ``server_close`` / ``server_address`` mirror
    the standard library's servers, so callers do not depend on waitress.
    """

    def __init__(self, app: Callable, host: str, port: int, error_headers: HeaderSource) -> None:
        # One listening socket, so this is a TcpWSGIServer; Any because the attributes
        # used below (channel_class, effective_port, _map) are not in waitress's stubs.
        self._server: Any = cast(
            Any,
            create_server(
                app,
                host=host,
                port=port,
                threads=WORKER_THREADS,
                ident=SERVER_IDENT,
                expose_tracebacks=False,
            ),
        )
        self._server.channel_class = _channel_with_headers(error_headers)
        self._stopped = threading.Event()
        self.app = app  # the WSGI app served (the web process starts its background work on it)

    @property
    def server_address(self) -> Tuple[str, int]:
        return str(self._server.effective_host), int(self._server.effective_port)

    def serve_forever(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            if not self._stopped.is_set():
                raise

    def shutdown(self) -> None:
        """Stop accepting, close open connections and the worker threads."""
        self._stopped.set()
        self._server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._server._map)

    def server_close(self) -> None:
        if not self._stopped.is_set():
            self.shutdown()
