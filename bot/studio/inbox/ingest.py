"""Turn Rasa's conversation events into inbox rows: who said what, and how it was handled.

Events arrive one by one, in order per conversation, from the event broker or from a
one-off import of the tracker store. A patient message is stored when it arrives
(masked); the actions and replies that follow decide its outcome (answered, declined,
"did you mean", fallback, red flag). A later message from the same patient can mark it
"rephrased". Nothing here reads the clock: every time is the event's own timestamp.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Set

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import intents
from bot.privacy.masking import mask, mask_known_names
from bot.studio.inbox.analytics import day_of
from bot.studio.inbox.models import InboxConversation, InboxMessage

RED_FLAG_POSSIBLE = "red_flag_possible"  # bot/safety/semantic.py: the semantic net is unsure
RED_FLAG_INTENTS = frozenset({intents.RED_FLAG, RED_FLAG_POSSIBLE})
RED_FLAG_ACTIONS = frozenset({"action_red_flag"})
BOOKING_ACTION, CALLBACK_ACTION = "action_submit_booking", "action_submit_callback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback"})
# Replies that mean "I could not help with that" (data/rules/safety.yml, understanding.yml).
DECLINED_RESPONSES = frozenset(
    {"utter_out_of_scope", "utter_ask_diagnosis", "utter_other_treatment", "utter_other_language"}
)
FALLBACK_RESPONSES = frozenset({"utter_default"})
DID_YOU_MEAN_RESPONSES = frozenset({"utter_did_you_mean"})
NAME_SLOTS = frozenset({"request_name"})  # the booking form's name: masked in every message
RATING_SLOT = "answer_rating"  # bot/channels/ratings.py: {"rating": up|down, "answer_at": t}

# Below this the classifier was unsure even though it answered (FallbackClassifier: 0.4).
LOW_CONFIDENCE = 0.6
# A message this soon after the last, and this close to it, says the reply missed.
REPHRASE_WINDOW_S = 120.0
REPHRASE_SIMILARITY = 60.0
_NOT_WHAT_I_ASKED = re.compile(
    r"\b(?:not what i (?:asked|meant|said)|that'?s not (?:it|my question|what i)|"
    r"(?:you )?did(?:n'?t| not) answer|doesn'?t answer|wrong answer|not my question|"
    r"that'?s not right|you misunderstood|no,? i (?:asked|meant|said))\b",
    re.IGNORECASE,
)
# Stronger outcomes win: a red flag reply is never overwritten by the "anything else?" after it.
_RANK = {
    "pending": 0,
    "answered": 1,
    "declined": 2,
    "did_you_mean": 3,
    "fallback": 4,
    "red_flag": 5,
}
REVIEW_OUTCOMES = frozenset({"declined", "did_you_mean", "fallback"})
MAX_KNOWN_NAMES = 10_000


def _clean(text: str) -> str:
    """Without NUL characters, which PostgreSQL text cannot hold."""
    return text.replace("\x00", "")


def reply_id(conversation_id: int, at: float) -> str:
    """The inbox's id of the assistant's reply sent at ``at`` (Rasa gives replies none)."""
    return f"bot:{conversation_id}:{at!r}"[:64]


def needs_review(message: InboxMessage) -> bool:
    """Whether a person should look at how the assistant handled this message."""
    if not message.typed:
        return False
    return bool(
        message.outcome in REVIEW_OUTCOMES
        or message.low_confidence
        or message.rephrased
        or message.rating == "down"
    )


def _topic_and_confidence(parse: Mapping[str, Any]) -> tuple:
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    if name == intents.FAQ:
        selected = ((parse.get("response_selector") or {}).get(intents.FAQ) or {}).get(
            "response"
        ) or {}
        key = str(selected.get("intent_response_key") or "")
        if key:
            return name, key, min(confidence, float(selected.get("confidence") or 0.0))
    return name, name, confidence


class Ingest:
    """Apply events to the inbox tables inside one unit of work (``session``)."""

    def __init__(
        self, session: Session, region: str, names: Optional["OrderedDict[str, Set[str]]"] = None
    ) -> None:
        self.session = session
        self.region = region
        # Names given in a form, per conversation, to mask later messages too. Kept in
        # memory only (bounded): the tables never hold an unmasked name.
        self.names: "OrderedDict[str, Set[str]]" = names if names is not None else OrderedDict()
        self._conversations: Dict[str, InboxConversation] = {}
        self._latest: Dict[int, Optional[InboxMessage]] = {}

    def _conversation(self, sender_id: str, at: float, channel: str) -> InboxConversation:
        found = self._conversations.get(sender_id)
        if found is None:
            found = self.session.execute(
                select(InboxConversation).where(InboxConversation.sender_id == sender_id)
            ).scalar_one_or_none()
        if found is None:
            found = InboxConversation(
                sender_id=_clean(sender_id)[:255],
                channel=_clean(channel)[:64],
                started_at=at,
                start_day=day_of(at),
                last_at=at,
                red_flag=False,
                booking=False,
                callback=False,
            )
            self.session.add(found)
            self.session.flush()
        self._conversations[sender_id] = found
        if channel and not found.channel:
            found.channel = _clean(channel)[:64]
        found.last_at = max(found.last_at or at, at)
        return found

    def _latest_message(self, conversation: InboxConversation) -> Optional[InboxMessage]:
        if conversation.id not in self._latest:
            self._latest[conversation.id] = self.session.execute(
                select(InboxMessage)
                .where(
                    InboxMessage.conversation_id == conversation.id,
                    InboxMessage.role == "patient",
                )
                .order_by(InboxMessage.at.desc(), InboxMessage.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        return self._latest[conversation.id]

    def apply(self, sender_id: str, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        if not sender_id or kind not in ("user", "action", "bot", "slot"):
            return
        at = float(event.get("timestamp") or 0.0)
        channel = str(event.get("input_channel") or "") if kind == "user" else ""
        conversation = self._conversation(sender_id, at, channel)
        if kind == "user":
            self._user(conversation, event, at)
            return
        latest = self._latest_message(conversation)
        if kind == "slot":
            self._slot(conversation, event)
        elif kind == "action":
            name = str(event.get("name") or "")
            if name == BOOKING_ACTION:
                conversation.booking = True
            elif name == CALLBACK_ACTION:
                conversation.callback = True
            if name in RED_FLAG_ACTIONS:
                conversation.red_flag = True
                self._outcome(latest, "red_flag")
            elif name in FALLBACK_ACTIONS:
                self._outcome(latest, "fallback")
        elif kind == "bot":
            self._reply(conversation, event, at)
            utter = str((event.get("metadata") or {}).get("utter_action") or "")
            if utter in DID_YOU_MEAN_RESPONSES:
                self._outcome(latest, "did_you_mean")
            elif utter in FALLBACK_RESPONSES:
                self._outcome(latest, "fallback")
            elif utter in DECLINED_RESPONSES:
                self._outcome(latest, "declined")
            else:
                self._outcome(latest, "answered")

    def _outcome(self, message: Optional[InboxMessage], outcome: str) -> None:
        if message is None or _RANK[outcome] <= _RANK.get(message.outcome, 0):
            return
        message.outcome = outcome
        message.needs_review = needs_review(message)

    def _rating(self, conversation: InboxConversation, value: Any) -> None:
        """A thumbs up or down: on the answer, and a "down" puts its question in the inbox."""
        if not isinstance(value, dict) or value.get("rating") not in ("up", "down"):
            return
        try:
            answer_at = float(value.get("answer_at") or "")
        except (TypeError, ValueError):
            return
        answer = self.session.execute(
            select(InboxMessage).where(
                InboxMessage.message_id == reply_id(conversation.id, answer_at)
            )
        ).scalar_one_or_none()
        if answer is None:
            return
        answer.rating = value["rating"]
        question = self.session.execute(
            select(InboxMessage)
            .where(
                InboxMessage.conversation_id == conversation.id,
                InboxMessage.role == "patient",
                InboxMessage.typed.is_(True),
                InboxMessage.at <= answer_at,
            )
            .order_by(InboxMessage.at.desc(), InboxMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if question is not None:
            question.rating = value["rating"]
            question.needs_review = needs_review(question)

    def _slot(self, conversation: InboxConversation, event: Mapping[str, Any]) -> None:
        value = event.get("value")
        if event.get("name") == RATING_SLOT:
            self._rating(conversation, value)
            return
        if event.get("name") not in NAME_SLOTS or not isinstance(value, str) or not value.strip():
            return
        known = self.names.setdefault(conversation.sender_id, set())
        known.add(value.strip())
        self.names.move_to_end(conversation.sender_id)
        while len(self.names) > MAX_KNOWN_NAMES:
            self.names.popitem(last=False)
        earlier = self.session.execute(  # the name may have been typed before the form
            select(InboxMessage).where(InboxMessage.conversation_id == conversation.id)
        ).scalars()
        for message in earlier:
            message.text = mask_known_names(message.text, known)

    def _reply(self, conversation: InboxConversation, event: Mapping[str, Any], at: float) -> None:
        """The assistant's reply, masked too (it can repeat the patient's name or number)."""
        message_id = reply_id(conversation.id, at)
        if self.session.execute(
            select(InboxMessage.id).where(InboxMessage.message_id == message_id)
        ).first():
            return
        text = mask(
            _clean(str(event.get("text") or "")),
            self.region,
            self.names.get(conversation.sender_id, ()),
        )
        self.session.add(
            InboxMessage(
                conversation_id=conversation.id,
                message_id=message_id,
                role="assistant",
                at=at,
                day=day_of(at),
                text=text,
                typed=False,
                intent="",
                topic=str((event.get("metadata") or {}).get("utter_action") or "")[:120],
                confidence=0.0,
                outcome="answered",
                low_confidence=False,
                rephrased=False,
                rating="",
                needs_review=False,
                status="open",
                resolution="",
            )
        )

    def _user(self, conversation: InboxConversation, event: Mapping[str, Any], at: float) -> None:
        message_id = _clean(str(event.get("message_id") or ""))[:64]
        if not message_id:
            message_id = f"{conversation.id}:{at!r}"[:64]
        seen = self.session.execute(
            select(InboxMessage).where(InboxMessage.message_id == message_id)
        ).scalar_one_or_none()
        if seen is not None:
            # Read twice (a restart between storing it and removing it from the queue, or a
            # second import): the events after it apply to it again, which changes nothing.
            self._latest[conversation.id] = seen
            return
        raw = _clean(str(event.get("text") or ""))
        typed = not raw.startswith("/")
        intent, topic, confidence = _topic_and_confidence(event.get("parse_data") or {})
        text = mask(raw, self.region, self.names.get(conversation.sender_id, ()))
        previous = self._latest_message(conversation)
        message = InboxMessage(
            conversation_id=conversation.id,
            message_id=message_id,
            role="patient",
            at=at,
            day=day_of(at),
            text=text if typed else raw[:200],
            typed=typed,
            intent=_clean(intent)[:100],
            topic=_clean(topic)[:120],
            confidence=confidence,
            outcome="pending",
            low_confidence=typed and intent not in RED_FLAG_INTENTS and confidence < LOW_CONFIDENCE,
            rephrased=False,
            rating="",
            status="open",
            resolution="",
        )
        if intent in RED_FLAG_INTENTS:
            conversation.red_flag = True
            message.outcome = "red_flag"
        message.needs_review = needs_review(message)
        self.session.add(message)
        self.session.flush()
        if (
            previous is not None
            and typed
            and previous.typed
            and self._rephrases(previous, text, at)
        ):
            previous.rephrased = True
            previous.needs_review = needs_review(previous)
        self._latest[conversation.id] = message

    @staticmethod
    def _rephrases(previous: InboxMessage, text: str, at: float) -> bool:
        if at - previous.at > REPHRASE_WINDOW_S or previous.outcome == "red_flag":
            return False
        if _NOT_WHAT_I_ASKED.search(text):
            return True
        return fuzz.token_sort_ratio(previous.text.lower(), text.lower()) >= REPHRASE_SIMILARITY
