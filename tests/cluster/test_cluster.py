"""The cluster (issue 13): conversations survive replicas alternating, dying and restarting.

Two Rasa servers and two action servers behind nginx, conversations in PostgreSQL, locks in
Redis (tests/cluster/conftest.py). Every message is typed, as on SMS. What was stored is
read from the cluster's own PostgreSQL database.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import pytest
from sqlalchemy import create_engine, text

from bot.cluster.cluster import Cluster
from tests.support.cluster_services import take_queued
from tests.support.network import can_connect, non_loopback_addresses
from tests.support.replies import Messages, requests_of, says, text_of

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

RETRYABLE = (502, 503, 504)
# What a patient types to each question of the booking form (typed, never a button).
TYPED_ANSWERS = (
    ("utter_book_consultation", "yes please"),
    ("utter_ask_request_name", "Lena Ortiz"),
    ("utter_ask_request_contact", "lena.ortiz@example.org"),
    ("utter_request_pain_area_known", "yes"),
    ("utter_request_pain_area_open", "my left hip"),
    ("utter_ask_request_patient_type", "2"),
    ("utter_request_times", "1"),
    ("utter_ask_request_consent", "sure"),
    ("utter_ask_request_confirmed", "yes, send it"),
)
DONE = ("utter_booking_saved", "utter_booking_sent")


def post(url: str, sender: str, message: str, timeout: float = 120) -> Tuple[int, Messages]:
    """(status, messages); status 0 when the connection itself failed."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, []
    except (urllib.error.URLError, OSError):
        return 0, []


def send(url: str, sender: str, message: str) -> Messages:
    status, messages = post(url, sender, message)
    assert status == 200, (url, status)
    return messages


def next_answer(reply: Messages, email: str = "lena.ortiz@example.org") -> Optional[str]:
    """What the patient types next, read off the question they were just asked."""
    for response, answer in TYPED_ANSWERS:
        if says(reply, response):
            return email if response == "utter_ask_request_contact" else answer
    return None


def test_a_conversation_alternating_between_replicas_keeps_its_state_and_books(
    cluster: Cluster,
):
    sender = f"alternating-{uuid.uuid4().hex[:10]}"
    urls = [cluster.replica_rest_url(0), cluster.replica_rest_url(1)]
    reply = send(urls[0], sender, "I'd like to book a visit")
    turns = 1
    while not any(says(reply, done) for done in DONE):
        answer = next_answer(reply)
        assert answer is not None and turns < 12, reply
        reply = send(urls[turns % 2], sender, answer)  # the other replica each time
        turns += 1
    assert turns == 9  # every question asked once: no state lost between replicas
    [request] = requests_of(cluster.services.database_url, sender)
    assert (request.name, request.email, request.patient_type) == (
        "Lena Ortiz",
        "lena.ortiz@example.org",
        "returning",
    )
    assert request.reference in text_of(reply)
    engine = create_engine(cluster.services.database_url)
    try:
        with engine.connect() as connection:
            users = connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'user'"),
                {"s": sender},
            ).scalar()
    finally:
        engine.dispose()
    assert users == 9  # one conversation in the shared tracker store, every message in it


def test_a_rasa_server_killed_in_the_middle_of_a_booking_form_continues_it_after_restart(
    cluster: Cluster,
):
    sender = f"restart-{uuid.uuid4().hex[:10]}"
    url = cluster.replica_rest_url(0)
    reply = send(url, sender, "I'd like to book a visit")
    for _ in range(3):  # offer accepted, name, contact: the pain-area question is next
        reply = send(url, sender, next_answer(reply) or "")
    assert says(reply, "utter_request_pain_area_open")
    cluster.kill_rasa(0)
    cluster.restart(cluster.rasa[0])
    reply = send(url, sender, "my left hip")
    assert says(reply, "utter_ask_request_patient_type")  # the form went on where it was
    while not any(says(reply, done) for done in DONE):
        answer = next_answer(reply)
        assert answer is not None, reply
        reply = send(url, sender, answer)
    [request] = requests_of(cluster.services.database_url, sender)
    assert request.pain_area == "my left hip" and request.name == "Lena Ortiz"


@dataclass
class Patient:
    """One sender of the load: books by typing, resending what got a retryable error."""

    url: str
    sender: str = field(default_factory=lambda: f"load-{uuid.uuid4().hex[:10]}")
    statuses: List[int] = field(default_factory=list)
    sent: List[str] = field(default_factory=list)
    last_reply: Messages = field(default_factory=list)
    error: str = ""

    @property
    def email(self) -> str:
        # One address each: clinic.yml's limit of requests per address and day stays as shipped.
        return f"{self.sender}@example.org"

    def run(self) -> None:
        try:
            reply = self._say("I'd like to book a visit")
            for _ in range(20):
                answer = next_answer(reply, self.email)
                if answer is None:  # the request was sent, or something unexpected: see test
                    return
                reply = self._say(answer)
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = repr(error)

    def _say(self, message: str) -> Messages:
        self.sent.append(message)
        for _ in range(6):
            status, messages = post(self.url, self.sender, message)
            self.statuses.append(status)
            if status == 200:
                self.last_reply = messages
                return messages
            assert status in RETRYABLE or status == 0, status
            time.sleep(1.0)
        raise AssertionError(f"no answer after 6 tries: {self.statuses[-6:]}")


def test_killing_a_replica_under_load_loses_no_message_and_stores_no_booking_twice(
    cluster: Cluster,
):
    patients = [Patient(cluster.rest_url) for _ in range(20)]
    threads = [threading.Thread(target=p.run) for p in patients]
    for thread in threads:
        thread.start()
    time.sleep(4.0)  # everyone is in the middle of the form
    cluster.kill_rasa(1)
    for thread in threads:
        thread.join(timeout=600)
    cluster.restart(cluster.rasa[1])  # back for whatever runs next
    assert [p.error for p in patients if p.error] == []
    statuses = [s for p in patients for s in p.statuses]
    assert set(statuses) <= {200, *RETRYABLE, 0}  # answered, or an error worth retrying
    assert set(statuses) - {200}, "the kill hit no request in flight: the test proved nothing"
    for patient in patients:
        assert patient.sent[-1] == "yes, send it", (patient.sender, patient.last_reply)
        # Sent: the reference, or (the confirmation was resent after a replica died with the
        # answer) the small talk of a conversation whose request is already in. One request
        # each: none lost, none stored twice.
        [request] = requests_of(cluster.services.database_url, patient.sender)
        text = text_of(patient.last_reply)
        assert request.reference in text or says(patient.last_reply, "utter_anything_else"), text


def test_every_port_of_the_cluster_is_on_loopback_only(cluster: Cluster):
    addresses = non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback address to test from")
    ports = [
        cluster.front_port,
        cluster.actions_front_port,
        *cluster.rasa_ports,
        *cluster.action_ports,
    ]
    assert all(can_connect("127.0.0.1", port) for port in ports)  # they are up, on loopback
    reachable = [(a, p) for a in addresses for p in ports if can_connect(a, p)]
    assert reachable == [], f"the cluster answers on {reachable}"


def test_both_rasa_servers_publish_every_event_to_rabbitmq(cluster: Cluster):
    """The studio's inbox reads RabbitMQ in the cluster: our Pika broker on each replica
    (bot/studio/inbox/pika_broker.py) sends every message's events there, once."""
    if not cluster.services.rabbitmq_url:
        pytest.skip("RabbitMQ does not answer on 127.0.0.1:5672")
    sender = f"broker-{uuid.uuid4().hex[:10]}"
    said = ["hello", "does it hurt?", "how many sessions?", "what is it made of?"]
    for number, message in enumerate(said):
        send(cluster.replica_rest_url(number % 2), sender, message)
    deadline, found = time.monotonic() + 30, []
    while time.monotonic() < deadline:
        # Nothing else reads this queue here (no web process): it holds every event either
        # Rasa server published, and taking them empties it.
        for message in take_queued(cluster.services.queue):
            event = json.loads(message.body)
            if event.get("sender_id") == sender and event.get("event") == "user":
                found.append(str(event.get("text")))
        if len(found) >= len(said):
            break
        time.sleep(0.5)
    assert sorted(found) == sorted(said)
