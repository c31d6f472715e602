"""Swapping the model on several Rasa servers: one at a time, and put back if one fails.

The real channel and real servers are swapped in tests/cluster/test_model_swap.py (a success
and a refusal before any swap). Here, stand-in servers on loopback that speak the studio_model
channel's protocol let a failure happen after a first server has already swapped, which a
real cluster could only show by losing a server mid-swap.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List, Optional

import pytest

from bot.channels.studio_model import TOKEN_ENV
from bot.studio.training.swap_client import (
    SERVERS_ENV,
    SwapError,
    first_live_model,
    first_of,
    live_models,
    rasa_servers,
    swap_all,
)

OLD, NEW = "pit-00000000000a.tar.gz", "pit-00000000000b.tar.gz"


class StandIn:
    """Answers GET and POST /webhooks/studio_model/ like the channel; may refuse a model."""

    def __init__(self, refuses: Optional[str] = None) -> None:
        self.model = OLD
        self.refuses = refuses
        self.loaded: List[str] = []
        self.asked = 0  # GETs: "which model answers?"
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                stand_in.asked += 1
                self._answer(200, {"model": stand_in.model, "loading": None, "last": {}})

            def do_POST(self) -> None:
                name = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["model"]
                if name == stand_in.refuses:
                    self._answer(404, {"error": f"no model {name} in the model folders"})
                    return
                stand_in.model = name
                stand_in.loaded.append(name)
                self._answer(200, {"model": name, "seconds": 1.5})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[StandIn]]:
    monkeypatch.setenv(TOKEN_ENV, "t" * 32)
    made = [StandIn(), StandIn(), StandIn(refuses=NEW)]
    yield made
    for server in made:
        server.close()


def test_every_server_swaps_one_at_a_time(servers: List[StandIn]) -> None:
    first_two = [s.url for s in servers[:2]]
    assert swap_all(first_two, NEW) == 1.5
    assert [s.model for s in servers[:2]] == [NEW, NEW]
    assert first_live_model(first_two) == NEW


def test_a_failure_puts_the_swapped_servers_back_and_says_which_failed(
    servers: List[StandIn],
) -> None:
    with pytest.raises(SwapError) as error:
        swap_all([s.url for s in servers], NEW)
    assert "server 3 of 3" in str(error.value)
    assert "put back to the old model" in str(error.value)
    assert [s.model for s in servers] == [OLD, OLD, OLD]
    assert servers[0].loaded == [NEW, OLD]


def test_one_server_errors_read_as_before(servers: List[StandIn]) -> None:
    with pytest.raises(SwapError) as error:
        swap_all([servers[2].url], NEW)
    assert not str(error.value).startswith("server")
    assert "put back" not in str(error.value)


def test_the_servers_come_from_the_environment_else_the_one_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SERVERS_ENV, raising=False)
    assert rasa_servers("http://front:8000") == ["http://front:8000"]
    monkeypatch.setenv(SERVERS_ENV, "http://127.0.0.1:5005, http://127.0.0.1:5006,")
    assert rasa_servers("http://front:8000") == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]


def test_models_asked_once_serve_both_the_live_name_and_the_put_back(
    servers: List[StandIn],
) -> None:
    """Publish asks each server for its model once: the same answers name the live model
    and are what a failed swap puts the others back to."""
    urls = [s.url for s in servers]
    before = live_models(urls)
    assert first_of(before) == OLD and [s.asked for s in servers] == [1, 1, 1]
    with pytest.raises(SwapError):
        swap_all(urls, NEW, before=before)
    assert [s.asked for s in servers] == [1, 1, 1]  # not asked again
    assert [s.model for s in servers] == [OLD, OLD, OLD]


def test_first_of_skips_a_server_that_did_not_answer() -> None:
    assert first_of({"http://a": None, "http://b": NEW}) == NEW
    assert first_of({"http://a": None}) is None
