"""The shared services of a cluster and the endpoints.yml each Rasa server gets.

Rasa's own scale-out parts, as Rasa documents them: conversations in PostgreSQL (SQL tracker
store), each conversation's lock in Redis (so one conversation's messages are handled in
order, whichever replica gets them), events to RabbitMQ for the studio's inbox. The shape
comes from ``deploy/endpoints.several-servers.yml``, so the file a clinic deploys is the one
the cluster tests run; only addresses are filled in. Passwords stay in the environment
(``${...}``, which Rasa expands), never in the written file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import SplitResult, unquote, urlsplit

import yaml
from sqlalchemy.engine import URL, make_url

from bot.action_server import endpoint_config
from bot.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "endpoints.several-servers.yml"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/pit"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
DATABASE_URL_ENV = "PIT_CLUSTER_DATABASE_URL"
REDIS_URL_ENV = "PIT_CLUSTER_REDIS_URL"
RABBITMQ_URL_ENV = "PIT_CLUSTER_RABBITMQ_URL"
# Names of the secrets in the servers' environment (the written endpoints.yml names them).
DB_PASSWORD_ENV = "PIT_CLUSTER_DB_PASSWORD"
REDIS_PASSWORD_ENV = "PIT_CLUSTER_REDIS_PASSWORD"
RABBITMQ_USER_ENV = "RABBITMQ_USERNAME"
RABBITMQ_PASSWORD_ENV = "RABBITMQ_PASSWORD"


@dataclass(frozen=True)
class Services:
    """Where the replicas share their state. URLs may carry passwords."""

    database_url: str = DEFAULT_DATABASE_URL  # conversations, booking requests, studio
    redis_url: str = DEFAULT_REDIS_URL  # conversation locks
    rabbitmq_url: Optional[str] = DEFAULT_RABBITMQ_URL  # events for the inbox; None: none
    lock_prefix: str = "pit"
    queue: str = "pit_inbox"

    @classmethod
    def from_environment(cls) -> "Services":
        rabbit = os.environ.get(RABBITMQ_URL_ENV, DEFAULT_RABBITMQ_URL)
        return cls(
            database_url=os.environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL),
            redis_url=os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL),
            rabbitmq_url=rabbit or None,  # set it empty for no event broker
        )

    def secrets(self) -> Dict[str, str]:
        """The environment the written endpoints.yml refers to."""
        env = {DB_PASSWORD_ENV: make_url(self.database_url).password or ""}
        env[REDIS_PASSWORD_ENV] = _password(urlsplit(self.redis_url))
        if self.rabbitmq_url:
            rabbit = urlsplit(self.rabbitmq_url)
            env[RABBITMQ_USER_ENV] = unquote(rabbit.username or "") or "guest"
            env[RABBITMQ_PASSWORD_ENV] = _password(rabbit) or "guest"
        return env


def _password(url: SplitResult) -> str:
    return unquote(url.password or "")


def _tracker_store(template: Dict[str, Any], url: URL) -> Dict[str, Any]:
    store = dict(template)
    store.update(
        dialect="postgresql",
        url=url.host or "127.0.0.1",
        port=url.port or 5432,
        db=url.database,
    )
    if url.username:
        store["username"] = url.username
    if url.password:
        store["password"] = f"${{{DB_PASSWORD_ENV}}}"
    if url.query:
        store["query"] = dict(url.query)
    return store


def _lock_store(template: Dict[str, Any], services: Services) -> Dict[str, Any]:
    url = urlsplit(services.redis_url)
    store = dict(template)
    store.update(
        url=url.hostname or "127.0.0.1", port=url.port or 6379, key_prefix=services.lock_prefix
    )
    store["db"] = int(url.path.strip("/") or 0)
    if url.password:
        store["password"] = f"${{{REDIS_PASSWORD_ENV}}}"
    return store


def _event_broker(template: Dict[str, Any], services: Services) -> Optional[Dict[str, Any]]:
    if not services.rabbitmq_url:
        return None
    url = urlsplit(services.rabbitmq_url)
    broker = dict(template)
    broker.update(url=url.hostname or "127.0.0.1", port=url.port or 5672, queues=[services.queue])
    broker["username"] = f"${{{RABBITMQ_USER_ENV}}}"
    broker["password"] = f"${{{RABBITMQ_PASSWORD_ENV}}}"
    return broker


def replica_endpoints(services: Services, actions_url: str) -> Dict[str, Any]:
    """deploy/endpoints.several-servers.yml with this cluster's addresses."""
    config = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8")) or {}
    config["action_endpoint"] = endpoint_config(actions_url)
    config["tracker_store"] = _tracker_store(
        config["tracker_store"], make_url(services.database_url)
    )
    config["lock_store"] = _lock_store(config["lock_store"], services)
    broker = _event_broker(config.get("event_broker") or {}, services)
    if broker is None:
        config.pop("event_broker", None)
    else:
        config["event_broker"] = broker
    return config


def write_endpoints(target: Path, services: Services, actions_url: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    config = replica_endpoints(services, actions_url)
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target
