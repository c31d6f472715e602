"""The studio's model swap on a cluster: every Rasa server, one at a time, and a server that
starts again afterwards loads the published model, not the one the cluster started with.

Runs after test_cluster.py on the same cluster (the new model is a copy of the live one, so
the answers the other tests expect do not change).
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import List, Tuple

import pytest

from bot.channels.studio_model import TOKEN_ENV
from bot.cluster.cluster import Cluster
from bot.model_store import STUDIO_MODELS_ENV
from bot.studio.training.swap_client import SERVERS_ENV, SwapError, live_model_name, swap_all
from tests.cluster.test_cluster import post

COPY = "pit-0000c1a57e55.tar.gz"


def live_models(cluster: Cluster) -> list:
    return [live_model_name(url) for url in cluster.rasa_urls]


def test_the_studio_reaches_every_rasa_server_directly(cluster: Cluster) -> None:
    assert cluster.env[SERVERS_ENV].split(",") == cluster.rasa_urls
    assert len(cluster.rasa_urls) == 2


def test_a_model_that_is_not_there_is_refused_before_any_server_swaps(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, cluster.env[TOKEN_ENV])
    before = live_models(cluster)
    with pytest.raises(SwapError, match=r"server 1 of 2: .*no model pit-0000deadbeef"):
        swap_all(cluster.rasa_urls, "pit-0000deadbeef.tar.gz")
    assert live_models(cluster) == before


def test_swap_reaches_every_server_while_patients_are_answered(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, cluster.env[TOKEN_ENV])
    folder = Path(cluster.env[STUDIO_MODELS_ENV])
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cluster.model, folder / COPY)
    assert live_models(cluster) == [cluster.model.name] * 2

    answers: List[Tuple[int, bool]] = []
    done = threading.Event()

    def patient() -> None:  # asks through nginx all the while the servers load and switch
        turn = 0
        while not done.is_set():
            status, messages = post(cluster.rest_url, f"swap-patient-{turn % 3}", "is it painful?")
            answers.append((status, any(m.get("text") for m in messages)))
            turn += 1
            done.wait(0.1)  # often enough for 10 answers even when a swap takes 3 s

    asking = threading.Thread(target=patient, daemon=True)
    asking.start()
    try:
        seconds = swap_all(cluster.rasa_urls, COPY)
    finally:
        done.set()
        asking.join(timeout=150)

    assert live_models(cluster) == [COPY] * 2
    assert seconds > 0
    assert len(answers) >= 10, answers
    assert all(answers[i] == (200, True) for i in range(len(answers))), answers
