"""Benchmark: the staff studio's inbox, analytics and conversation pages with 10,000
conversations in a PostgreSQL tracker store (issue 12: each page loads in under 1 s).

1. Makes a throw-away schema in database ``test`` on the PostgreSQL at 127.0.0.1 (as
   tests/scale/conftest.py does; $PIT_TEST_POSTGRES_URL overrides the server) and puts
   both Rasa's SQL tracker store (``SQLTrackerStore`` creates its own table, as Rasa does
   with ``POSTGRESQL_SCHEMA``) and the project database (Alembic, ``upgrade_database``)
   in it. The schema is dropped at the end, also when the run fails.
2. Fills the tracker store with seeded, realistic conversations over the last 60 days
   (2-8 patient turns each: FAQ answers from data/faq/*.yml examples with typos and
   variations, low confidence, declined, "did you mean", fallback, rephrases, chit-chat,
   topic buttons, ~2% red flags, ~5% booking and ~3% call-back requests, some names and
   phone numbers typed; channels rest, socketio, twilio, telegram). The events are Rasa's
   own classes (``UserUttered``, ``BotUttered``, ``ActionExecuted``, ``SlotSet``,
   ``SessionStarted``) serialised with ``as_dict()`` into the columns SQLTrackerStore
   writes, bulk inserted in time order; a sample of conversations is read back through
   Rasa's ``SQLTrackerStore`` to check the rows are Rasa's.
3. Imports them with ``bot.studio.inbox.consumer.import_tracker`` (the one-off import)
   into the PostgreSQL project database and, side by side, into a fresh SQLite project
   database: events per second.
4. Builds the real Flask app (``bot.web.app.create_app``) on each database, signs in an
   editor with the test client and loads every page ``--loads`` times, in interleaved
   rounds (PostgreSQL then SQLite in each round): first load, median and max.
5. Profiles (cProfile, one more load) every page whose median is over the 1 s target.

Prints the figures and writes bench/results/studio-pages-<date>.md. Timings are never
judged (a benchmark, not a test): the exit status is non-zero only when the database is
unreachable, the import fails or a page does not answer 200.

    make bench-studio-pages
    python bench/studio_pages_bench.py --conversations 2000 --loads 5
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot import intents
from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.privacy.tracker_events import POSTGRESQL_SCHEMA_ENV, open_tracker
from bot.settings import get_settings
from bot.studio import accounts
from bot.studio.inbox import groups
from bot.studio.inbox.analytics import Filters
from bot.studio.inbox.consumer import import_tracker
from bot.studio.inbox.models import InboxConversation, InboxMessage

warnings.filterwarnings("ignore", category=DeprecationWarning)  # libraries' import noise

RESULTS = ROOT / "bench" / "results"
POSTGRES_URL = os.environ.get("PIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SEED = 20261202
CONVERSATIONS = 10_000
DAYS = 60
LOADS = 7
TARGET_MS = 1000.0  # issue 12: every page under 1 s
INSERT_CHUNK = 5000
EDITOR, PASSWORD = "bench-editor", "a benchmark editor passphrase"
MACHINE_NOTE = "2 cores, shared and noisy (another engineer's tests may run at the same time)"

# --- what patients write ---------------------------------------------------------------
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
CHANNELS = (("socketio", 0.48), ("rest", 0.24), ("twilio", 0.17), ("telegram", 0.11))
PREFIXES = (
    "hi ",
    "hello, ",
    "hey ",
    "quick question: ",
    "ok so ",
    "sorry, ",
    "one more thing - ",
    "and ",
    "also ",
    "hi there, ",
    "good morning, ",
    "excuse me, ",
)
SUFFIXES = ("?", "??", " please", " thanks", "?!", " thx", "...", " ?", " pls", " thank you")
CONTEXTS = (
    "my {body} has hurt for {n} years, ",
    "i'm {age} and ",
    "my doctor mentioned this, ",
    "i have {condition} in my {body}, ",
    "for my {relative}: ",
    "been reading about PIT, ",
    "nothing else has worked for my {body}, ",
)
BODIES = ("knee", "back", "neck", "shoulder", "hip", "foot", "wrist", "elbow", "jaw", "ankle")
CONDITIONS = ("arthritis", "nerve pain", "tendonitis", "sciatica", "plantar fasciitis")
RELATIVES = ("mum", "dad", "wife", "husband", "grandmother", "friend")
VAGUE = (
    "what about my {body}",
    "and the {body}?",
    "is that normal",
    "hmm ok but why",
    "what do you mean",
    "idk",
    "so what now",
    "is it the same for {condition}",
    "can it fix my {body} or not",
    "what if it doesnt work on my {body}",
    "the thing you said before",
    "is this for real",
    "ok and then",
    "will my {body} be ok",
    "my {relative} says it is nonsense",
    "does it work on old injuries",
    "what about the {body} thing",
    "asdkj",
    "?",
    "huh",
)
NOT_WHAT_I_ASKED = (
    "that's not what i asked",
    "no, i meant {text}",
    "you didn't answer my question",
    "not my question. {text}",
    "wrong answer, {text}",
)
FIRST_NAMES = (
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Aisha",
    "Chen",
    "Fatima",
    "Oliver",
    "Priya",
    "Tom",
    "Sofia",
    "Daniel",
    "Grace",
    "Ahmed",
    "Elena",
    "Kofi",
)
LAST_NAMES = (
    "Lopez",
    "Smith",
    "Nguyen",
    "Johnson",
    "Okafor",
    "Garcia",
    "Kowalski",
    "Brown",
    "Patel",
    "Murphy",
    "Rossi",
    "Haddad",
)
AREA_CODES = ("212", "312", "415", "617", "646", "702", "808", "917", "503", "206")


def _examples(path: Path) -> Dict[str, List[str]]:
    """``intent -> examples`` of one NLU file, annotations removed."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: Dict[str, List[str]] = {}
    for item in raw.get("nlu") or []:
        intent = item.get("intent")
        if not intent:
            continue
        for line in str(item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                example = _ANNOTATION.sub(r"\1", line[2:]).strip()
                if example:
                    found.setdefault(str(intent), []).append(example)
    return found


@dataclass
class Corpus:
    faq: Dict[str, List[str]]  # faq/<topic> (from data/faq/<topic>.yml) -> examples
    other: Dict[str, List[str]]  # other intents -> examples (data/nlu/*.yml)

    @classmethod
    def load(cls, root: Path = ROOT) -> "Corpus":
        faq = {}
        for path in sorted((root / "data" / "faq").glob("*.yml")):
            examples = [e for found in _examples(path).values() for e in found]
            if examples:
                faq[f"{intents.FAQ}/{path.stem}"] = examples
        other: Dict[str, List[str]] = {}
        for path in sorted((root / "data" / "nlu").glob("*.yml")):
            for intent, examples in _examples(path).items():
                other.setdefault(intent, []).extend(examples)
        return cls(faq, other)


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    return template.format(
        body=rng.choice(BODIES),
        n=rng.randint(2, 15),
        age=rng.randint(28, 84),
        condition=rng.choice(CONDITIONS),
        relative=rng.choice(RELATIVES),
        **extra,
    )


def _typo(words: str, rng: random.Random) -> str:
    if len(words) < 4:
        return words
    at = rng.randrange(1, len(words) - 2)
    kind = rng.random()
    if kind < 0.4:  # two letters swapped
        return words[:at] + words[at + 1] + words[at] + words[at + 2 :]
    if kind < 0.75:  # a letter dropped
        return words[:at] + words[at + 1 :]
    return words[:at] + words[at] + words[at:]  # a letter doubled


def vary(base: str, rng: random.Random) -> str:
    """A patient's way of writing ``base``: case, greetings, context, typos, punctuation."""
    words = base.lower() if rng.random() < 0.55 else base
    if rng.random() < 0.25:
        words = _typo(words, rng)
    if rng.random() < 0.08:
        words = _typo(words, rng)
    if rng.random() < 0.15:
        words = _fill(rng.choice(CONTEXTS), rng) + words
    if rng.random() < 0.25:
        words = rng.choice(PREFIXES) + words
    if rng.random() < 0.35:
        words = words.rstrip("?.! ") + rng.choice(SUFFIXES)
    if rng.random() < 0.05:
        words = words.upper()
    return words


def vague(corpus: Corpus, rng: random.Random) -> str:
    """Something the assistant cannot place: vague, or a question mangled by typos."""
    if rng.random() < 0.5:
        return vary(_fill(rng.choice(VAGUE), rng), rng)
    words = rng.choice(rng.choice(list(corpus.faq.values()))).lower().split()
    if len(words) > 3:
        start = rng.randrange(0, len(words) - 2)
        words = words[start : start + rng.randint(2, 3)]
    mangled = " ".join(words)
    for _ in range(rng.randint(1, 3)):
        mangled = _typo(mangled, rng)
    return mangled


def person(rng: random.Random) -> Tuple[str, str]:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    phone = f"({rng.choice(AREA_CODES)}) {rng.randint(201, 989)}-{rng.randint(1000, 9999)}"
    return name, phone


# --- Rasa events -----------------------------------------------------------------------
Row = Dict[str, Any]


def _row(sender_id: str, event: Event) -> Row:
    """The columns Rasa 3.6's SQLTrackerStore.save writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


@dataclass
class Turn:
    kind: str  # what happened, for the bench's own counts
    text: str
    base: str = ""  # what a rephrase repeats


@dataclass
class Conversation:
    sender_id: str
    channel: str
    at: float
    rng: random.Random
    events: List[Event] = field(default_factory=list)
    kinds: List[str] = field(default_factory=list)

    def _add(self, event: Event, after: float = 0.05) -> None:
        self.at += after
        event.timestamp = self.at
        self.events.append(event)

    def start(self) -> None:
        self._add(ActionExecuted("action_session_start"), 0.0)
        self._add(SessionStarted())
        self._add(ActionExecuted("action_listen"))

    def user(
        self,
        words: str,
        intent: str,
        confidence: float,
        topic: str = "",
        gap: float = 30.0,
    ) -> None:
        parse: Dict[str, Any] = {
            "text": words,
            "intent": {"name": intent, "confidence": round(confidence, 4)},
            "entities": [],
            "intent_ranking": [{"name": intent, "confidence": round(confidence, 4)}],
        }
        if topic:
            parse["response_selector"] = {
                "all_retrieval_intents": [intents.FAQ],
                intents.FAQ: {
                    "response": {
                        "intent_response_key": topic,
                        "confidence": round(min(1.0, confidence + self.rng.uniform(0, 0.05)), 4),
                        "utter_action": f"utter_{topic}",
                    },
                    "ranking": [],
                },
            }
        message_id = f"{self.rng.getrandbits(128):032x}"
        self._add(
            UserUttered(
                words,
                intent=parse["intent"],
                parse_data=parse,
                input_channel=self.channel,
                message_id=message_id,
            ),
            gap,
        )

    def reply(self, action: str, response: str, words: str) -> None:
        self._add(ActionExecuted(action, policy="RulePolicy", confidence=1.0), 0.3)
        self._add(BotUttered(words, metadata={"utter_action": response}), 0.02)
        self._add(ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0), 0.02)

    def slot(self, name: str, value: Any) -> None:
        self._add(SlotSet(name, value), 0.01)


ANSWER = "Here is what the clinic says about that. Ask me anything else."


class Generator:
    """Seeded conversations over the last ``days`` days, in Rasa's events."""

    def __init__(self, corpus: Corpus, rng: random.Random, days: int, end_day: int) -> None:
        self.corpus = corpus
        self.rng = rng
        self.days = days
        self.end_day = end_day  # days since 1970 of today (UTC); conversations end before
        self.senders: set = set()
        self.topics = sorted(corpus.faq)
        # Some topics are asked far more than others (a long tail, as in real traffic).
        self.topic_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(self.topics))]
        rng.shuffle(self.topics)

    def _sender(self, channel: str) -> str:
        rng = self.rng
        while True:
            if channel == "twilio":
                number = f"+1{rng.choice(AREA_CODES)}{rng.randint(2010000, 9899999)}"
                sender = f"whatsapp:{number}" if rng.random() < 0.6 else number
            elif channel == "telegram":
                sender = str(rng.randrange(10**8, 10**10))
            else:
                sender = f"{rng.getrandbits(128):032x}"
            if sender not in self.senders:
                self.senders.add(sender)
                return sender

    def _start(self) -> float:
        rng = self.rng
        # More traffic lately (the service is growing) and less at weekends and at night.
        while True:
            day = (
                self.end_day
                - self.days
                + min(self.days - 1, int(rng.triangular(0, self.days, self.days)))
            )
            if (day + 3) % 7 < 5 or rng.random() < 0.55:  # 1970-01-01 was a Thursday
                break
        hour = rng.choices(
            range(24),
            weights=[1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 8, 9, 10, 9, 7, 4, 2],
        )[0]
        return day * 86400.0 + hour * 3600 + rng.uniform(0, 3600)

    def _topic(self) -> str:
        return self.rng.choices(self.topics, weights=self.topic_weights)[0]

    def conversation(self) -> Conversation:
        rng = self.rng
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        talk = Conversation(self._sender(channel), channel, self._start(), rng)
        talk.start()
        turns = rng.choices(range(2, 9), weights=[25, 22, 17, 13, 10, 7, 6])[0]
        red_flag_at = rng.randrange(turns) if rng.random() < 0.02 else None
        request = rng.choices(["", "booking", "callback"], weights=[92, 5, 3])[0]
        details_at = rng.randrange(turns) if rng.random() < 0.03 else None
        plain = turns - (3 if request else 0)
        missed: Optional[Turn] = None
        for index in range(max(plain, 1)):
            if index == red_flag_at:
                self._red_flag(talk)
                if rng.random() < 0.6:
                    return talk  # the patient leaves for urgent care
                continue
            if index == details_at:
                self._details(talk)
                continue
            if missed is not None and rng.random() < 0.4:
                missed = self._rephrase(talk, missed)
                continue
            missed = self._turn(talk, first=index == 0)
        if request:
            self._request(talk, request)
        return talk

    def _turn(self, talk: Conversation, first: bool) -> Optional[Turn]:
        """One patient turn from the mix; returns it when the assistant missed."""
        rng, corpus = self.rng, self.corpus
        kind = rng.choices(
            ["answered", "low", "declined", "did_you_mean", "fallback", "chat", "button"],
            weights=[60, 8, 9, 6, 5, 9 if first else 5, 3],
        )[0]
        gap = rng.uniform(5, 40) if first else rng.uniform(10, 240)
        if kind in ("answered", "low"):
            topic = self._topic()
            base = rng.choice(corpus.faq[topic])
            words = vary(base, rng)
            confidence = rng.uniform(0.62, 0.995) if kind == "answered" else rng.uniform(0.41, 0.59)
            talk.user(words, intents.FAQ, confidence, topic, gap)
            talk.reply("action_answer_faq", f"utter_{topic}", ANSWER)
            talk.kinds.append(kind)
            return Turn(kind, words, base) if kind == "low" else None
        if kind == "declined":
            intent = rng.choices(
                [intents.OUT_OF_SCOPE, intents.ASK_OTHER_TREATMENT, intents.ASK_DIAGNOSIS],
                weights=[60, 25, 15],
            )[0]
            base = rng.choice(corpus.other[intent])
            words = vary(base, rng)
            response = {
                intents.OUT_OF_SCOPE: "utter_out_of_scope",
                intents.ASK_OTHER_TREATMENT: "utter_other_treatment",
                intents.ASK_DIAGNOSIS: "utter_ask_diagnosis",
            }[intent]
            talk.user(words, intent, rng.uniform(0.55, 0.99), gap=gap)
            talk.reply(response, response, "I can only answer questions about PIT.")
            talk.kinds.append(kind)
            return Turn(kind, words, base)
        if kind in ("did_you_mean", "fallback"):
            words = vague(corpus, rng)
            talk.user(words, intents.NLU_FALLBACK, rng.uniform(0.1, 0.39), gap=gap)
            if kind == "did_you_mean":
                talk.reply("action_did_you_mean", "utter_did_you_mean", "Did you mean ...?")
            else:
                talk.reply("utter_default", "utter_default", "Sorry, I did not understand.")
            talk.kinds.append(kind)
            return Turn(kind, words, words)
        if kind == "chat":
            intent = rng.choices(
                [intents.GREET, intents.THANKS, intents.CLINIC_INFO, intents.BOT_CHALLENGE],
                weights=[50, 30, 15, 5],
            )[0]
            talk.user(
                vary(rng.choice(corpus.other[intent]), rng), intent, rng.uniform(0.8, 1.0), gap=gap
            )
            response = f"utter_{intent}"
            talk.reply(response, response, "Hello! Ask me about PIT.")
            talk.kinds.append(kind)
            return None
        topic = self._topic()  # a topic button: the payload, not typed
        payload = intents.topic_payload(topic.split("/", 1)[1])
        talk.user(payload, intents.ASK_TOPIC, 1.0, gap=gap)
        talk.reply("action_answer_faq", f"utter_{topic}", ANSWER)
        talk.kinds.append(kind)
        return None

    def _rephrase(self, talk: Conversation, missed: Turn) -> Optional[Turn]:
        """The patient asks again soon after a miss: the same question in other words."""
        rng = self.rng
        gap = rng.uniform(8, 90)
        if rng.random() < 0.3:
            words = _fill(rng.choice(NOT_WHAT_I_ASKED), rng, text=missed.base.lower())
        else:
            words = vary(missed.base, rng)
        talk.kinds.append("rephrase")
        if rng.random() < 0.6:  # this time it is understood
            topic = self._topic()
            talk.user(words, intents.FAQ, rng.uniform(0.62, 0.95), topic, gap)
            talk.reply("action_answer_faq", f"utter_{topic}", ANSWER)
            return None
        talk.user(words, intents.NLU_FALLBACK, rng.uniform(0.1, 0.39), gap=gap)
        talk.reply("utter_default", "utter_default", "Sorry, I did not understand.")
        return Turn("fallback", words, missed.base)

    def _red_flag(self, talk: Conversation) -> None:
        rng = self.rng
        words = vary(rng.choice(self.corpus.other[intents.RED_FLAG]), rng)
        talk.user(words, intents.RED_FLAG, rng.uniform(0.8, 1.0), gap=rng.uniform(10, 200))
        talk.reply("action_red_flag", "utter_red_flag_emergency", "Please call 911 now.")
        talk.kinds.append("red_flag")

    def _details(self, talk: Conversation) -> None:
        rng = self.rng
        name, phone = person(rng)
        words = rng.choice(
            (
                f"my name is {name} and my number is {phone}",
                f"{name} here, can someone call me on {phone}",
                f"hi i'm {name.split()[0]}, please call {phone}",
                f"this is {name}. {phone}",
            )
        )
        talk.user(words, intents.SHARE_DETAILS, rng.uniform(0.7, 1.0), gap=rng.uniform(10, 200))
        talk.reply("action_contact_details", "utter_details_offer", f"Thanks, {name}.")
        talk.kinds.append("details")

    def _request(self, talk: Conversation, kind: str) -> None:
        """A booking or call-back form: button, name, phone, then the request is sent."""
        rng = self.rng
        name, phone = person(rng)
        intent = intents.REQUEST_BOOKING if kind == "booking" else intents.REQUEST_CALLBACK
        form = "booking_form" if kind == "booking" else "callback_form"
        talk.user(intents.payload(intent), intent, 1.0, gap=rng.uniform(10, 120))
        talk.reply(form, "utter_ask_request_name", "What is your name?")
        typed = name if rng.random() < 0.7 else f"it's {name}"
        talk.user(typed, intents.SHARE_DETAILS, rng.uniform(0.5, 0.99), gap=rng.uniform(5, 40))
        talk.slot("request_name", name)
        talk.reply(form, "utter_ask_request_phone", "What is the best number to call?")
        talk.user(phone, intents.SHARE_DETAILS, rng.uniform(0.5, 0.99), gap=rng.uniform(5, 40))
        talk.slot("request_phone", phone)
        action = "action_submit_booking" if kind == "booking" else "action_submit_callback"
        talk.reply(action, f"utter_{kind}_sent", f"Thanks {name}, the clinic will call {phone}.")
        talk.kinds.append(kind)


# --- the databases ---------------------------------------------------------------------
def reachable(url: str) -> Optional[str]:
    """None when the server answers, else why not (first line)."""
    import psycopg2

    parts = make_url(url)
    try:
        psycopg2.connect(
            host=parts.host,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname=parts.database,
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as error:
        return (str(error).strip().splitlines() or [type(error).__name__])[0]
    return None


class Schema:
    """A throw-away PostgreSQL schema; its URL sets the search_path to it."""

    def __init__(self, server_url: str) -> None:
        self.name = f"pit_bench_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(server_url, future=True, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={self.name}"})
        self.url = url.render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


def rasa_store(server_url: str, schema: str) -> Any:
    """Rasa's own SQLTrackerStore on the schema (it creates its ``events`` table)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    parts = make_url(server_url)
    previous = os.environ.get(POSTGRESQL_SCHEMA_ENV)
    os.environ[POSTGRESQL_SCHEMA_ENV] = schema
    try:
        return SQLTrackerStore(
            Domain.empty(),
            dialect="postgresql",
            host=parts.host,
            port=parts.port or 5432,
            db=parts.database or "postgres",
            username=parts.username,
            password=parts.password,
        )
    finally:
        if previous is None:
            os.environ.pop(POSTGRESQL_SCHEMA_ENV, None)
        else:
            os.environ[POSTGRESQL_SCHEMA_ENV] = previous


@dataclass
class Filled:
    conversations: int
    events: int
    seconds: float
    generate_seconds: float
    kinds: Dict[str, int]
    checked: int  # conversations read back through Rasa's SQLTrackerStore
    first_day: str
    last_day: str


def fill(store: Any, corpus: Corpus, count: int, days: int, seed: int) -> Filled:
    """Generate ``count`` conversations and bulk insert their events in time order."""
    rng = random.Random(seed)
    end_day = int(time.time() // 86400)
    generator = Generator(corpus, rng, days, end_day)
    started = time.perf_counter()
    rows: List[Tuple[float, int, Row]] = []
    kinds: Dict[str, int] = {}
    samples: List[Tuple[str, int]] = []
    for index in range(count):
        talk = generator.conversation()
        for kind in talk.kinds:
            kinds[kind] = kinds.get(kind, 0) + 1
        for event in talk.events:
            rows.append((float(event.timestamp), len(rows), _row(talk.sender_id, event)))
        if index % max(1, count // 20) == 0:
            samples.append((talk.sender_id, len(talk.events)))
    rows.sort(key=lambda r: (r[0], r[1]))  # as Rasa appends them: in time order
    generated = time.perf_counter() - started
    table = store.SQLEvent.__table__
    started = time.perf_counter()
    with store.engine.begin() as connection:
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(
                table.insert(), [r for _, _, r in rows[start : start + INSERT_CHUNK]]
            )
    inserted = time.perf_counter() - started
    for sender_id, expected in samples:  # Rasa reads the rows back as the same events
        tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
        if tracker is None or len(tracker.events) != expected:
            raise RuntimeError(f"Rasa read back {sender_id!r} differently")
    day = lambda at: datetime.fromtimestamp(at, timezone.utc).date().isoformat()  # noqa: E731
    return Filled(
        conversations=count,
        events=len(rows),
        seconds=inserted,
        generate_seconds=generated,
        kinds=kinds,
        checked=len(samples),
        first_day=day(rows[0][0]) if rows else "",
        last_day=day(rows[-1][0]) if rows else "",
    )


@dataclass
class Imported:
    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def import_into(tracker_url: str, project_url: str, region: str) -> Imported:
    tracker = open_tracker(tracker_url)
    try:
        started = time.perf_counter()
        read = import_tracker(tracker, session_factory(project_url), region)
        return Imported(read, time.perf_counter() - started)
    finally:
        tracker.dispose()


@dataclass
class Counts:
    conversations: int
    patient: int
    assistant: int
    waiting: int
    grouped: int  # the newest waiting messages the inbox groups (at most groups.MAX_MESSAGES)
    groups: int
    twilio_groups: int
    red_flag: int
    requests: int
    longest: int  # the id of the conversation with the most messages (its transcript is loaded)


def counts(project_url: str) -> Counts:
    with session_scope(session_factory(project_url)) as work:
        number = lambda query: int(work.execute(query).scalar_one())  # noqa: E731
        by_role = dict(
            work.execute(select(InboxMessage.role, func.count()).group_by(InboxMessage.role)).all()
        )
        longest = work.execute(
            select(InboxMessage.conversation_id)
            .group_by(InboxMessage.conversation_id)
            .order_by(func.count().desc(), InboxMessage.conversation_id)
            .limit(1)
        ).scalar_one()
        waiting = groups.waiting(work)
        return Counts(
            conversations=number(select(func.count()).select_from(InboxConversation)),
            patient=int(by_role.get("patient", 0)),
            assistant=int(by_role.get("assistant", 0)),
            waiting=number(
                select(func.count())
                .select_from(InboxMessage)
                .where(InboxMessage.status == "open", InboxMessage.needs_review.is_(True))
            ),
            grouped=len(waiting),
            groups=len(groups.group(waiting)),
            twilio_groups=len(groups.group(groups.waiting(work, Filters(channel="twilio")))),
            red_flag=number(select(func.count()).where(InboxConversation.red_flag.is_(True))),
            requests=number(
                select(func.count()).where(
                    InboxConversation.booking.is_(True) | InboxConversation.callback.is_(True)
                )
            ),
            longest=int(longest),
        )


# --- the pages -------------------------------------------------------------------------
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(project_url: str) -> Tuple[Any, float]:
    """The real web app on ``project_url`` and an editor's test client; app build seconds."""
    from bot.web.app import create_app

    with session_scope(session_factory(project_url)) as work:
        if accounts.find_user(work, EDITOR) is None:
            accounts.create_user(work, EDITOR, "editor", PASSWORD, "bench")
    started = time.perf_counter()
    with warnings.catch_warnings():  # matplotlib's and pyparsing's import noise
        warnings.simplefilter("ignore")
        app = create_app(studio={"database_url": project_url, "secret_key": "x" * 40})
    built = time.perf_counter() - started
    client = app.test_client()
    match = _CSRF.search(client.get("/staff/sign-in").text)
    if match is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    form = {"username": EDITOR, "password": PASSWORD, "csrf_token": match.group(1)}
    response = client.post("/staff/sign-in", data=form)
    if response.status_code != 302:
        raise RuntimeError(f"signing in answered {response.status_code}")
    return client, built


def pages(longest: int) -> List[str]:
    return [
        "/staff/inbox",
        "/staff/analytics",
        "/staff/analytics.csv",
        "/staff/conversations",
        "/staff/conversations?q=hurt",
        f"/staff/conversations/{longest}",
        "/staff/inbox?channel=twilio",
    ]


def load(client: Any, path: str) -> Tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed, len(response.data)


@dataclass
class PageTimes:
    ms: List[float] = field(default_factory=list)
    size: int = 0

    @property
    def first(self) -> float:
        return self.ms[0]

    @property
    def rest(self) -> List[float]:
        return self.ms[1:] or self.ms

    @property
    def median(self) -> float:
        return statistics.median(self.rest)

    @property
    def max(self) -> float:
        return max(self.rest)


@dataclass
class InboxParts:
    """The inbox page's two steps timed alone (median of ``runs``), without a profiler."""

    channel: str
    messages: int
    groups: int
    waiting_ms: float  # groups.waiting: the query and the rows as objects
    group_ms: float  # groups.group: the grouping by similar words


def inbox_parts(project_url: str, channel: Optional[str], runs: int = 3) -> InboxParts:
    waited: List[float] = []
    grouped: List[float] = []
    found: List[groups.Waiting] = []
    made: List[groups.Group] = []
    for _ in range(runs):
        with session_scope(session_factory(project_url)) as work:
            started = time.perf_counter()
            found = groups.waiting(work, Filters(channel=channel))
            waited.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        made = groups.group(found)
        grouped.append((time.perf_counter() - started) * 1000)
    return InboxParts(
        channel or "all",
        len(found),
        len(made),
        statistics.median(waited),
        statistics.median(grouped),
    )


# Functions whose cumulative time says where a page's time goes (file suffix, name).
WATCHED = (
    ("bot/studio/inbox/groups.py", "waiting"),
    ("bot/studio/inbox/groups.py", "group"),
    ("bot/studio/inbox/groups.py", "_summary"),
    ("rapidfuzz/process_py.py", "extractOne"),
    ("bot/studio/inbox/review.py", "waiting_out_of_scope"),
    ("bot/studio/inbox/analytics.py", "compute"),
    ("bot/studio/inbox/report.py", "charts"),
    ("bot/studio/inbox/charts.py", "bar_chart"),
    ("bot/studio/inbox/report.py", "to_csv"),
    ("bot/studio/inbox/conversations.py", "listing"),
    ("bot/studio/inbox/conversations.py", "transcript"),
    ("bot/studio/topic_views.py", "faq_titles"),
    ("flask/templating.py", "render_template"),
    ("sqlalchemy/engine/base.py", "_execute_context"),
    ("sqlalchemy/engine/default.py", "do_execute"),
    ("sqlalchemy/orm/loading.py", "instances"),
    ("bot/studio/views.py", "wrapper"),
)


@dataclass
class Profile:
    path: str
    database: str
    total_ms: float
    watched: List[Tuple[str, int, float]]  # function, calls, cumulative ms
    top: List[Tuple[str, int, float, float]]  # function, calls, own ms, cumulative ms


def _name(key: Tuple[str, int, str]) -> str:
    filename, line, name = key
    short = filename
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            short = filename.split(marker, 1)[1]
    return f"{short}:{line} {name}" if line else name


def profile(client: Any, path: str, database: str) -> Profile:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    client.get(path)
    profiler.disable()
    total = (time.perf_counter() - started) * 1000
    stats: Dict[Tuple[str, int, str], Tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    watched = []
    for suffix, name in WATCHED:
        for key, (_, calls, _, cumulative, _) in stats.items():
            if key[0].endswith(suffix) and key[2] == name:
                watched.append((_name(key), calls, cumulative * 1000))
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:15]
    return Profile(
        path,
        database,
        total,
        watched,
        [(_name(k), v[1], v[2] * 1000, v[3] * 1000) for k, v in top],
    )


# --- the run ---------------------------------------------------------------------------
@dataclass
class Side:
    name: str
    url: str
    imported: Optional[Imported] = None
    counts: Optional[Counts] = None
    built_s: float = 0.0
    times: Dict[str, PageTimes] = field(default_factory=dict)
    parts: List[InboxParts] = field(default_factory=list)


def run(args: argparse.Namespace) -> Dict[str, Any]:
    corpus = Corpus.load()
    region = get_settings().phone_region
    load_before = os.getloadavg()
    schema = Schema(args.postgres)
    profiles: List[Profile] = []
    server = ""
    try:
        with schema.admin.connect() as connection:
            server = str(connection.execute(text("SHOW server_version")).scalar_one())
        store = rasa_store(args.postgres, schema.name)
        try:
            print(
                f"Filling the tracker store with {args.conversations} conversations ...", flush=True
            )
            filled = fill(store, corpus, args.conversations, args.days, args.seed)
        finally:
            store.engine.dispose()
        print(
            f"  {filled.events} events in {filled.seconds:.1f} s "
            f"({filled.events / filled.seconds:.0f} rows/s), "
            f"{filled.first_day} .. {filled.last_day}",
            flush=True,
        )
        with tempfile.TemporaryDirectory(prefix="pit-pages-bench-") as tmp:
            sides = [
                Side("PostgreSQL", upgrade_database(schema.url)),
                Side("SQLite", upgrade_database(f"sqlite:///{Path(tmp) / 'studio.db'}")),
            ]
            for side in sides:
                print(f"Importing into the {side.name} project database ...", flush=True)
                side.imported = import_into(schema.url, side.url, region)
                print(
                    f"  {side.imported.events} events in {side.imported.seconds:.1f} s "
                    f"({side.imported.per_second:.0f} events/s)",
                    flush=True,
                )
                side.counts = counts(side.url)
            clients = {}
            for side in sides:
                clients[side.name], side.built_s = signed_in(side.url)
                assert side.counts is not None
                side.times = {path: PageTimes() for path in pages(side.counts.longest)}
            print(
                f"Loading each page {args.loads} times (rounds, PostgreSQL then SQLite) ...",
                flush=True,
            )
            for round_number in range(args.loads):
                for side in sides:
                    for path, times in side.times.items():
                        ms, times.size = load(clients[side.name], path)
                        times.ms.append(ms)
                print(f"  round {round_number + 1}/{args.loads} done", flush=True)
            print("Timing the inbox's query and grouping alone ...", flush=True)
            for side in sides:
                side.parts = [inbox_parts(side.url, None), inbox_parts(side.url, "twilio")]
            for side in sides:
                for path, times in side.times.items():
                    if max(times.median, times.max) > args.profile_over:
                        print(f"Profiling {path} on {side.name} ...", flush=True)
                        profiles.append(profile(clients[side.name], path, side.name))
            dispose_engines()
    finally:
        dispose_engines()
        schema.drop()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": args.seed,
        "days": args.days,
        "loads": args.loads,
        "region": region,
        "server": server,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "filled": filled,
        "sides": sides,
        "profiles": profiles,
        "profile_over": args.profile_over,
        "command": command_line(),
        "code": code_state(),
    }


def code_state() -> str:
    def git(*words: str) -> str:
        found = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True)
        return found.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = bool(git("status", "--porcelain", "--untracked-files=no"))
    return f"commit {head}" + (" with uncommitted changes in the working tree" if changed else "")


def command_line() -> str:
    if sys.argv[1:]:
        return "python bench/studio_pages_bench.py " + " ".join(sys.argv[1:])
    return "make bench-studio-pages"


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _lines_profiles(found: Sequence[Profile]) -> Iterator[str]:
    for p in found:
        yield f"### {p.path} on {p.database} (one load under cProfile: {_ms(p.total_ms)} ms)"
        yield ""
        yield "| function | calls | cumulative ms |"
        yield "|---|---|---|"
        for name, calls, cumulative in p.watched:
            yield f"| `{name}` | {calls:,} | {_ms(cumulative)} |"
        yield ""
        yield "Top functions by own time:"
        yield ""
        yield "| function | calls | own ms | cumulative ms |"
        yield "|---|---|---|---|"
        for name, calls, own, cumulative in p.top:
            yield f"| `{name}` | {calls:,} | {_ms(own)} | {_ms(cumulative)} |"
        yield ""


def to_markdown(r: Dict[str, Any]) -> str:
    filled: Filled = r["filled"]
    sides: List[Side] = r["sides"]
    load = "/".join(f"{x:.1f}" for x in r["load_before"])
    load_after = "/".join(f"{x:.1f}" for x in r["load_after"])
    kinds = ", ".join(
        f"{k} {v:,}" for k, v in sorted(r["filled"].kinds.items(), key=lambda i: -i[1])
    )
    lines = [
        f"# Studio pages benchmark {r['date']}",
        "",
        f"Machine: {MACHINE_NOTE}; {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, PostgreSQL {r['server']} at 127.0.0.1 (load average "
        f"{load} at the start, {load_after} at the end): read medians and ratios, not "
        f"absolutes. Command: `{r['command']}` (seed {r['seed']}). Code: {r['code']}.",
        "",
        "## Data",
        "",
        f"{filled.conversations:,} seeded conversations over the last {r['days']} days "
        f"({filled.first_day} .. {filled.last_day}, UTC) in Rasa's SQL tracker store on "
        f"PostgreSQL (a throw-away schema of database `test`, dropped afterwards): "
        f"{filled.events:,} Rasa events (`as_dict()` of Rasa's own event classes, the "
        "columns SQLTrackerStore writes), bulk inserted in time order in "
        f"{filled.seconds:.1f} s ({filled.events / filled.seconds:,.0f} rows/s; generating "
        f"them took {filled.generate_seconds:.1f} s). {filled.checked} of the conversations "
        "were read back through Rasa's `SQLTrackerStore.retrieve_full_tracker`: same events.",
        "",
        f"Patient turns by kind: {kinds}.",
        "",
        "## One-off import (`bot.studio.inbox.consumer.import_tracker`)",
        "",
        "| project database | events read | seconds | events/s |",
        "|---|---|---|---|",
    ]
    for side in sides:
        assert side.imported is not None
        lines.append(
            f"| {side.name} | {side.imported.events:,} | {side.imported.seconds:.1f} | "
            f"{side.imported.per_second:,.0f} |"
        )
    lines += [
        "",
        f"Masking region {r['region']} (clinic.yml). The PostgreSQL project database shares "
        "the tracker store's schema, as a PostgreSQL deployment may; the SQLite one is a fresh "
        "file. Both imports read the same PostgreSQL tracker store.",
        "",
        "## What the inbox holds",
        "",
        "| | " + " | ".join(side.name for side in sides) + " |",
        "|---|" + "---|" * len(sides),
    ]
    rows = (
        ("conversations", "conversations"),
        ("patient messages", "patient"),
        ("assistant messages", "assistant"),
        ("messages waiting for a look (open, needs review)", "waiting"),
        (f"of them grouped on /staff/inbox (newest {groups.MAX_MESSAGES:,})", "grouped"),
        ("groups on /staff/inbox", "groups"),
        ("groups on /staff/inbox?channel=twilio", "twilio_groups"),
        ("conversations with a red flag", "red_flag"),
        ("conversations with a booking or call-back request", "requests"),
    )
    for label, name in rows:
        lines.append(
            f"| {label} | " + " | ".join(f"{getattr(s.counts, name):,}" for s in sides) + " |"
        )
    lines += [
        "",
        "## Page loads",
        "",
        f"The real Flask app (`bot.web.app.create_app`) per database, an editor signed in with "
        f"Flask's test client (no network, no WSGI server), each page loaded {r['loads']} times "
        "in interleaved rounds (every page on PostgreSQL, then every page on SQLite). *First* "
        "is round 1; median and max are over rounds 2-"
        f"{r['loads']}. Building the app (importing the studio's modules, matplotlib among "
        "them): "
        + ", ".join(f"{s.name} {s.built_s:.2f} s" for s in sides)
        + ". The SQLite side's first loads come after the PostgreSQL side's, in the same "
        "process (matplotlib's first figure and fonts already loaded).",
        "",
        "| page | "
        + " | ".join(f"{s.name} first ms | {s.name} median ms | {s.name} max ms" for s in sides)
        + " | KB |",
        "|---|" + "---|---|---|" * len(sides) + "---|",
    ]
    over: List[str] = []
    for index, path in enumerate(sides[0].times):
        cells = []
        for side in sides:
            times = list(side.times.values())[index]
            name = list(side.times)[index]
            cells.append(f"{_ms(times.first)} | {_ms(times.median)} | {_ms(times.max)}")
            if times.median > TARGET_MS:
                over.append(f"`{name}` on {side.name} (median {_ms(times.median)} ms)")
        size = list(sides[0].times.values())[index].size / 1024
        shown = re.sub(r"/conversations/\d+$", "/conversations/<id>", path)
        lines.append(f"| `{shown}` | " + " | ".join(cells) + f" | {size:,.0f} |")
    lines += [
        "",
        "## The inbox page's steps alone",
        "",
        "`groups.waiting` (the query, rows made into objects) and `groups.group` (grouping by "
        "similar words: rapidfuzz `token_sort_ratio` of each message against every group so "
        "far) called directly, median of 3, no profiler.",
        "",
        "| database | channel | messages grouped | groups | waiting ms | group ms |",
        "|---|---|---|---|---|---|",
    ]
    for side in sides:
        for part in side.parts:
            lines.append(
                f"| {side.name} | {part.channel} | {part.messages:,} | {part.groups:,} | "
                f"{_ms(part.waiting_ms)} | {_ms(part.group_ms)} |"
            )
    lines += ["", "## Conclusion", ""]
    if over:
        lines.append(
            f"Over issue 12's target of {TARGET_MS / 1000:g} s (median): " + "; ".join(over) + "."
        )
    else:
        lines.append(
            f"Every page's median is under issue 12's target of {TARGET_MS / 1000:g} s on both "
            "databases."
        )
    if r["profiles"]:
        lines += [
            "",
            f"## Where the time goes (pages with a median or max over {r['profile_over']:g} ms)",
            "",
            "cProfile slows Python code down (often 1.5-2x), so read shares, not milliseconds.",
            "",
            *_lines_profiles(r["profiles"]),
        ]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--loads", type=int, default=LOADS, help="loads of each page")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--postgres", default=POSTGRES_URL, help="server URL (database test)")
    parser.add_argument(
        "--profile-over", type=float, default=TARGET_MS, help="profile pages slower than (ms)"
    )
    parser.add_argument("--out", type=Path, help="results file (default: bench/results/...)")
    args = parser.parse_args()
    problem = reachable(args.postgres)
    if problem:
        print(
            f"PostgreSQL at {make_url(args.postgres)!r} is unreachable: {problem}", file=sys.stderr
        )
        return 1
    try:
        result = run(args)
    except RuntimeError as error:
        print(f"The benchmark failed: {error}", file=sys.stderr)
        return 1
    markdown = to_markdown(result)
    path = args.out or RESULTS / f"studio-pages-{datetime.now(timezone.utc):%Y-%m-%d}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown)
    print(markdown)
    print(f"Recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
