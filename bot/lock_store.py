"""Rasa's Redis lock store, kept from taking conversations down with it when Redis is down.

Why: with several Rasa servers, Redis holds each conversation's lock so that two servers
never answer one conversation at once. Rasa's own ``RedisLockStore`` raises on every
message while Redis is unreachable, so every patient's message fails. This store uses
Redis while it answers; when it does not, it logs one clear warning and locks in this
server's memory (each server then locks only its own messages), tries Redis again every
``retry_seconds``, and logs when Redis is back. A conversation keeps one store until its
lock is released, so no message is served under two stores at once on this server.

In endpoints.yml (the keys besides ``type`` and ``retry_seconds`` are Rasa's ``redis``
lock store's: ``url`` is the host; ``port``, ``db``, ``password``, ``socket_timeout``, ...)::

    lock_store:
      type: bot.lock_store.FallbackRedisLockStore
      url: 127.0.0.1
      port: 6379
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DEFAULT_RETRY_SECONDS = 30.0
# Redis did not answer: worth falling back. Anything else (a wrong password, a bug) is raised.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


def _redis_down(error: BaseException) -> bool:
    """Whether ``error`` (or what Rasa wrapped in it) means Redis could not be reached."""
    return any(
        isinstance(cause, REDIS_DOWN) for cause in (error, error.__cause__, error.__context__)
    )


class FallbackRedisLockStore(LockStore):
    """Redis locks while Redis answers; this server's memory while it does not."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        *,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        **redis_options: Any,
    ) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        options.update(redis_options)
        retry_seconds = float(options.pop("retry_seconds", retry_seconds))
        host = (endpoint_config.url if endpoint_config else None) or options.pop("host", None)
        self.redis = RedisLockStore(host=host or "localhost", **options)  # connects lazily
        self.memory = InMemoryLockStore()
        self.where = f"{host or 'localhost'}:{options.get('port', 6379)}"
        self.retry_seconds = retry_seconds
        self.clock = clock
        self._down_since: Optional[float] = None
        self._state = threading.Lock()
        super().__init__()

    def _went_down(self, error: BaseException) -> None:
        with self._state:
            first = self._down_since is None
            self._down_since = self.clock()
        if first:
            logger.warning(
                "Redis lock store at %s unreachable (%s): locking conversations in this "
                "server's memory. Conversations go on; with several servers, two may answer "
                "one conversation at once until Redis is back. Trying Redis again every %gs.",
                self.where,
                type(error).__name__,
                self.retry_seconds,
            )

    def _came_back(self) -> None:
        with self._state:
            was_down, self._down_since = self._down_since is not None, None
        if was_down:
            logger.warning(
                "Redis lock store at %s answers again: locks are shared again", self.where
            )

    def _store_for(self, conversation_id: str) -> LockStore:
        """Memory while Redis is known down (or this conversation's lock is there), else Redis."""
        with self._state:
            down = self._down_since is not None
            recent = down and self.clock() - self._down_since < self.retry_seconds  # type: ignore[operator]
        if recent or (down and self.memory.get_lock(conversation_id) is not None):
            return self.memory
        return self.redis

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock, in Redis or, when Redis does not answer, in memory."""
        store = self._store_for(conversation_id)
        try:
            ticket = store.issue_ticket(conversation_id, lock_lifetime)
            acquired = await store._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        except Exception as error:
            if store is self.memory or not _redis_down(error):
                raise
            self._went_down(error)
            store = self.memory
            ticket = store.issue_ticket(conversation_id, lock_lifetime)
            acquired = await store._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        else:
            if store is self.redis:
                self._came_back()
        try:
            yield acquired
        finally:
            self._release(store, conversation_id, ticket)

    def _release(self, store: LockStore, conversation_id: str, ticket: int) -> None:
        try:
            store.cleanup(conversation_id, ticket)
        except Exception as error:
            if not _redis_down(error):
                raise
            # The message was answered; its ticket in Redis expires after the lock lifetime.
            self._went_down(error)

    # Rasa's other entry points (issue_ticket, cleanup, ...) go through these three.
    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self._call("get_lock", conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self._call("delete_lock", conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._call("save_lock", lock)

    def _call(self, method: str, argument: Any) -> Any:
        store = self._store_for(str(getattr(argument, "conversation_id", argument)))
        try:
            return getattr(store, method)(argument)
        except Exception as error:
            if store is self.memory or not _redis_down(error):
                raise
            self._went_down(error)
            return getattr(self.memory, method)(argument)
