"""The assistant end to end: real Rasa server + action server, REST channel on loopback."""

import json

import pytest

from bot.settings import get_settings
from tests.support.rest import RestChat

pytestmark = pytest.mark.integration


def test_session_start_shows_the_disclosure_once(chat: RestChat):
    settings = get_settings()
    reply = chat.texts("/session_start")
    assert reply.count("automated assistant") == 1
    assert settings.phone in reply and settings.emergency_number in reply
    assert "medical advice" in reply


def test_first_question_gets_disclosure_and_answer_in_the_same_turn(chat: RestChat):
    messages = chat.send("what is perineural injection therapy?")
    texts = [m.get("text", "") for m in messages]
    assert "automated assistant" in texts[0]
    answer = "\n".join(texts[1:]).lower()
    assert "dextrose" in answer or "nerve" in answer


def test_question_after_session_start_is_answered_without_a_second_disclosure(chat: RestChat):
    chat.send("/session_start")
    reply = chat.texts("how many sessions will i need")
    assert "automated assistant" not in reply
    assert "20" in reply  # the honest range reaches "up to 20"


def test_answer_has_follow_up_buttons_that_work(chat: RestChat):
    chat.send("/session_start")
    messages = chat.send("how many treatments do people usually need?")
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert buttons, messages
    follow_up = next(b for b in buttons if b["payload"].startswith("/ask_topic"))
    json.loads(follow_up["payload"][len("/ask_topic") :])  # a valid payload, braces unescaped
    assert chat.texts(follow_up["payload"]).strip()


def test_listed_condition_gets_a_condition_answer(chat: RestChat):
    chat.send("/session_start")
    reply = chat.texts("would this help my carpel tunnel?").lower()
    assert "carpal tunnel" in reply and "consultation" in reply


def test_unlisted_condition_is_referred_to_the_doctor(chat: RestChat):
    chat.send("/session_start")
    reply = chat.texts("could PIT help my fibromyalgia").lower()
    assert "fibromyalgia" in reply and "does not list" in reply and "consultation" in reply


def test_unknown_topic_payload_does_not_crash(chat: RestChat):
    chat.send("/session_start")
    assert chat.texts('/ask_topic{"topic":"../../etc/passwd"}').strip()


def test_bot_challenge_and_handoff_give_the_clinic_contact(chat: RestChat):
    phone = get_settings().phone
    chat.send("/session_start")
    assert "automated assistant" in chat.texts("am i talking to a real person?")
    assert phone in chat.texts("can i speak to someone please")


@pytest.mark.parametrize(
    "text",
    [
        " ",
        "x" * 1000,  # the longest message clinic.yml allows (limits.message_max_chars)
        "🙂🙂🙂 ¿qué es esto? 痛み \u202e\u200b",
        "'); DROP TABLE events;--",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "{{clinic_phone}} ${HOME} %s %(x)s",
        "/faq",
        '/ask_topic{"topic": ',
        "/nonexistent_intent",
    ],
)
def test_odd_messages_get_a_reply_and_the_conversation_goes_on(chat: RestChat, text: str):
    chat.send("/session_start")
    reply = chat.send(text)
    assert isinstance(reply, list)
    assert "dextrose" in chat.texts("what is injected?").lower()  # nothing lost or broken


def test_a_message_over_the_size_limit_is_refused_politely_and_the_chat_goes_on(chat: RestChat):
    chat.send("/session_start")
    status, body = chat.post_raw(
        json.dumps({"sender": chat.sender, "message": "x" * 5000}).encode()
    )
    assert status == 413 and get_settings().phone in json.loads(body)[0]["text"]
    assert "dextrose" in chat.texts("what is injected?").lower()


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b'{"sender": "a"}', b'{"message": 5, "sender": []}', b"[1,2,3]"],
)
def test_malformed_payloads_are_rejected_cleanly(stack, body: bytes):
    status, _ = RestChat(stack.rest_url).post_raw(body)
    assert status in (200, 400, 422, 500)
    # the server is still healthy afterwards
    assert RestChat(stack.rest_url).texts("hello").strip()


def test_action_server_is_up(stack):
    import urllib.request

    with urllib.request.urlopen(f"{stack.actions_url}/health", timeout=5) as response:
        assert response.status == 200
