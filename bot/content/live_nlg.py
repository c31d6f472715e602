"""The assistant's response generator: answers published in the studio, else the domain.

Named in ``endpoints.yml`` (``nlg: type: bot.content.live_nlg.PublishedAnswersGenerator``),
so it runs inside the Rasa server. A background thread reads the published answers
from the project's database every quarter second and swaps them in whole; a patient's
turn only reads a dictionary, never waits for the database, and when the database is
down the assistant keeps the last answers it read (or the domain's) instead of failing
the turn. That is why this is not Rasa's remote NLG endpoint, which would also send
every patient's conversation to another server.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Set, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 0.25
# After a failed read, wait this long before logging the next failure (not before retrying).
LOG_EVERY_SECONDS = 60.0

Responses = Dict[Text, List[Dict[Text, Any]]]
Reader = Callable[[], Dict[str, Any]]


_MIGRATED: Set[str] = set()


def read_published() -> Dict[str, Any]:
    """The published answers in the project's database ({} before any is published)."""
    from sqlalchemy import inspect

    from bot.bookings.db import get_engine, session_factory, session_scope
    from bot.studio.answers import live_texts
    from bot.studio.models import LiveAnswer

    engine = get_engine()
    if str(engine.url) not in _MIGRATED:
        if not inspect(engine).has_table(LiveAnswer.__tablename__):
            return {}  # a database the studio never used: every answer is the domain's
        _MIGRATED.add(str(engine.url))  # a table once there stays: no need to ask again
    with session_scope(session_factory(engine=engine)) as work:
        return live_texts(work)


def merged(domain: Responses, published: Dict[str, Any]) -> Responses:
    """The domain's responses with each published one replacing its domain variation."""
    responses = dict(domain)
    for name, live in published.items():
        if name not in domain:
            continue  # a response the loaded model does not know: never invent one
        variation: Dict[Text, Any] = {"text": live.text}
        if live.buttons:
            variation["buttons"] = [dict(button) for button in live.buttons]
        responses[name] = [variation]
    return responses


class PublishedAnswers:
    """Polls ``reader`` on a daemon thread; :attr:`responses` is always a whole mapping."""

    def __init__(
        self, domain: Responses, reader: Reader = read_published, every: float = REFRESH_SECONDS
    ) -> None:
        self.domain = domain
        self.responses: Responses = domain
        self._reader = reader
        self._every = every
        self._stop = threading.Event()
        self._last_error_log = 0.0
        self._published: Optional[Dict[str, Any]] = None
        self._thread = threading.Thread(target=self._run, name="published-answers", daemon=True)

    def start(self) -> "PublishedAnswers":
        self.refresh()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def set_domain(self, domain: Responses) -> None:
        self.domain = domain
        self.responses = merged(domain, self._published or {})

    def refresh(self) -> None:
        try:
            published = self._reader()
        except Exception as error:  # noqa: BLE001 - the database is down: keep serving
            now = time.monotonic()
            if now - self._last_error_log >= LOG_EVERY_SECONDS:
                self._last_error_log = now
                logger.warning(
                    "Published answers cannot be read (%s); the assistant keeps the answers "
                    "it has.",
                    type(error).__name__,
                )
            return
        if published != self._published:  # four reads a second, almost all unchanged
            self._published = published
            self.responses = merged(self.domain, published)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.refresh()


class PublishedAnswersGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's template generator over the live responses (slots fill placeholders)."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
        reader: Reader = read_published,
    ) -> None:
        domain_responses: Responses = dict(domain.responses) if domain else {}
        super().__init__(domain_responses)
        every = REFRESH_SECONDS
        if endpoint_config is not None and endpoint_config.kwargs.get("refresh_seconds"):
            every = float(endpoint_config.kwargs["refresh_seconds"])
        self.published = PublishedAnswers(domain_responses, reader, every).start()

    @property
    def responses(self) -> Responses:
        return self.published.responses

    @responses.setter
    def responses(self, value: Responses) -> None:
        # Rasa's constructor assigns the domain's responses; the poller owns them after.
        if getattr(self, "published", None) is not None:
            self.published.set_domain(value)
