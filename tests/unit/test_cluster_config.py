"""The cluster's nginx configuration and endpoints (bot/cluster): what goes where.

`nginx -t` runs on the written configuration when nginx is installed (`make nginx`); the
routing checks read the text and need nothing installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cluster import nginx
from bot.cluster.cluster import LOCK_LIFETIME_ENV, Cluster
from bot.cluster.services import (
    DB_PASSWORD_ENV,
    RABBITMQ_PASSWORD_ENV,
    REDIS_PASSWORD_ENV,
    TEMPLATE,
    Services,
    replica_endpoints,
    write_endpoints,
)

UPSTREAMS = nginx.Upstreams(
    front_port=8000, actions_port=8001, rasa_ports=[5005, 5006], action_ports=[5055, 5056],
    web_port=8080,
)  # fmt: skip


def blocks(config: str) -> dict:
    """``upstream``/``location`` heads -> their block's text."""
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"(?:upstream|location)\s+([^{]+)\{([^}]*)\}", config)
    }


def test_socket_io_is_sticky_and_rest_round_robin_over_every_replica(tmp_path: Path):
    found = blocks(nginx.render(UPSTREAMS, tmp_path))
    for name in ("pit_rasa", "pit_rasa_sticky"):
        assert re.findall(r"server 127\.0\.0\.1:(\d+)", found[name]) == ["5005", "5006"]
    assert "ip_hash" in found["pit_rasa_sticky"] and "ip_hash" not in found["pit_rasa"]
    assert "proxy_pass http://pit_rasa_sticky;" in found["/socket.io/"]
    assert "Upgrade $http_upgrade" in found["/socket.io/"]
    assert "proxy_pass http://pit_rasa;" in found["= /webhooks/rest/webhook"]
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", found["pit_actions"]) == ["5055", "5056"]


def test_a_sent_request_is_never_sent_again_and_private_routes_are_closed(tmp_path: Path):
    config = nginx.render(UPSTREAMS, tmp_path)
    # Retried on another replica only when it could not be sent; POST is never repeated.
    assert "proxy_next_upstream error timeout;" in config and "non_idempotent" not in config
    found = blocks(config)
    assert "return 404" in found["/webhooks/"]
    assert "allow 127.0.0.1;" in found["= /webhooks/studio_parse/"]
    assert "deny all;" in found["= /webhooks/studio_parse/"]
    assert "studio_model" not in config and "/model" not in config.replace("/models", "")
    assert all(f"listen 127.0.0.1:{p};" in config for p in (8000, 8001))


def test_a_message_waiting_for_a_dead_replicas_lock_never_times_out_at_nginx(tmp_path: Path):
    """A read time-out marks a replica down (max_fails=1): the healthy one must not get one."""
    config = nginx.render(UPSTREAMS, tmp_path)
    [read] = re.findall(r"\n    proxy_read_timeout (\d+)s;", config)
    env = Cluster(model=Path("m"), workdir=tmp_path, services=Services())._environment()
    assert int(read) >= 2 * (int(env[LOCK_LIFETIME_ENV]) + 5)
    assert int(env[LOCK_LIFETIME_ENV]) < 60  # shorter than Rasa's default: quicker recovery


def test_without_a_web_page_the_front_serves_only_the_channels(tmp_path: Path):
    with_web = nginx.render(UPSTREAMS, tmp_path)
    without = nginx.render(nginx.Upstreams(8000, 8001, [5005], [5055], web_port=None), tmp_path)
    assert "proxy_pass http://127.0.0.1:8080;" in with_web
    assert "proxy_pass http://127.0.0.1:" not in without  # only the balanced upstreams


@pytest.mark.skipif(nginx.nginx_binary() is None, reason="nginx is not installed (make nginx)")
def test_nginx_accepts_the_written_configuration(tmp_path: Path):
    config = nginx.write(UPSTREAMS, tmp_path)
    checked = subprocess.run(
        [*nginx.command(config), "-t"], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr


def test_replica_endpoints_follow_the_deploy_template_with_this_clusters_addresses():
    services = Services(
        database_url="postgresql://pit:pg-secret@10.0.0.5:5433/clinic",
        redis_url="redis://:redis-secret@10.0.0.6:6380/2",
        rabbitmq_url="amqp://bus:mq-secret@10.0.0.7:5673/",
        lock_prefix="clinic",
        queue="clinic_inbox",
    )
    config = replica_endpoints(services, "http://127.0.0.1:8001/webhook")
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert config["tracker_store"]["type"] == template["tracker_store"]["type"]
    assert config["lock_store"]["type"] == template["lock_store"]["type"]
    assert config["nlg"] == template["nlg"]
    store = config["tracker_store"]
    assert (store["url"], store["port"], store["db"], store["username"]) == (
        "10.0.0.5",
        5433,
        "clinic",
        "pit",
    )
    lock = config["lock_store"]
    assert (lock["url"], lock["port"], lock["db"], lock["key_prefix"]) == (
        "10.0.0.6",
        6380,
        2,
        "clinic",
    )
    assert config["event_broker"]["queues"] == ["clinic_inbox"]
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:8001/webhook"
    secrets = services.secrets()
    assert secrets[DB_PASSWORD_ENV] == "pg-secret" and secrets[REDIS_PASSWORD_ENV] == "redis-secret"
    assert secrets[RABBITMQ_PASSWORD_ENV] == "mq-secret"


def test_passwords_stay_in_the_environment_never_in_the_written_file(tmp_path: Path):
    services = Services(
        database_url="postgresql://pit:pg-secret@127.0.0.1/clinic",
        redis_url="redis://:redis-secret@127.0.0.1:6379/1",
        rabbitmq_url="amqp://bus:mq-secret@127.0.0.1:5672/",
    )
    written = write_endpoints(tmp_path / "endpoints.yml", services, "http://x/webhook")
    text = written.read_text(encoding="utf-8")
    assert not any(s in text for s in ("pg-secret", "redis-secret", "mq-secret"))
    assert f"${{{DB_PASSWORD_ENV}}}" in text and f"${{{RABBITMQ_PASSWORD_ENV}}}" in text


def test_no_rabbitmq_means_no_event_broker():
    config = replica_endpoints(Services(rabbitmq_url=None), "http://x/webhook")
    assert "event_broker" not in config


def test_a_restarting_rasa_server_loads_the_model_published_since_the_cluster_started(
    tmp_path: Path,
) -> None:
    from bot.model_store import STUDIO_MODELS_ENV, training_fingerprint
    from bot.studio.training.publishing import write_pointer

    started_with = tmp_path / "pit-00000000000a.tar.gz"
    studio = tmp_path / "studio"
    cluster = Cluster(model=started_with, workdir=tmp_path, env={STUDIO_MODELS_ENV: str(studio)})
    assert cluster.live_model() == started_with
    studio.mkdir()
    (studio / "pit-00000000000b.tar.gz").write_bytes(b"model")
    write_pointer(studio, "pit-00000000000b.tar.gz", training_fingerprint())
    assert cluster.live_model() == studio / "pit-00000000000b.tar.gz"
