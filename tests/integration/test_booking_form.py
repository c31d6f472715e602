"""The booking and call-back forms end to end: real Rasa server + action server over REST.

This module starts its own stack with $PIT_DATABASE_URL pointing at a throw-away SQLite
file (the action server inherits the environment), so every request the chat stores can
be read back from that database. Buttons are "clicked" by sending their payload, as the
web widget does.
"""

from __future__ import annotations

from typing import Optional, Sequence

import pytest

from actions.booking.ask import time_choices
from bot.content.faq import get_topics
from bot.settings import get_settings
from tests.support.replies import Messages, prompt, requests_of, says, text_of
from tests.support.rest import RestChat

pytestmark = pytest.mark.integration

SETTINGS = get_settings()
BAD_INPUTS = [
    " ",
    "x" * 1000,  # the longest message allowed (longer ones never reach the form)
    "🙂🙂🙂",
    "'); DROP TABLE booking_requests;--",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
]
FIRST_TIME = time_choices(SETTINGS.opening_hours)[0]  # the first "which days and times?" button


def click(chat: RestChat, messages: Messages, title: str) -> Messages:
    """Send the payload of the button called ``title`` (it must be on offer)."""
    for message in messages:
        for button in message.get("buttons") or []:
            if button["title"] == title:
                return chat.send(button["payload"])
    raise AssertionError(f"no button {title!r} in {messages}")


def start_booking(chat: RestChat, first: Optional[str] = None) -> Messages:
    chat.send("/session_start")
    if first:
        chat.send(first)
    offer = chat.send("/book_consultation")
    assert SETTINGS.booking_url in text_of(offer)  # the direct link is always offered too
    reply = click(chat, offer, "Yes, send my details")
    assert says(reply, "utter_booking_intro") and says(reply, "utter_ask_request_name")
    return reply


def answer_up_to_summary(
    chat: RestChat, contact: str = "maria.lopez@example.com", named: bool = False
) -> Messages:
    """From the name question (or, ``named``, the contact question) to the summary, with
    plain answers and buttons."""
    if not named:
        assert says(chat.send("Maria Lopez"), "utter_ask_request_contact")
    reply = chat.send(contact)
    if says(reply, "utter_request_pain_area_known"):
        reply = click(chat, reply, "Something else")
    assert says(reply, "utter_request_pain_area_open")
    reply = chat.send("lower back, down my left leg")
    assert says(reply, "utter_ask_request_patient_type")
    reply = click(chat, reply, "New patient")
    assert says(reply, "utter_request_times")
    reply = click(chat, reply, FIRST_TIME)
    assert says(reply, "utter_ask_request_consent")
    reply = click(chat, reply, "Yes, I agree")
    assert says(reply, "utter_ask_request_confirmed")
    return reply


def test_happy_path_reuses_the_pain_already_mentioned_and_stores_the_request(
    chat: RestChat, stack_database: str
):
    start_booking(chat, first="would PIT help my knee?")
    assert says(chat.send("Maria Lopez"), "utter_ask_request_contact")
    reply = chat.send("maria.lopez@example.com")
    assert says(reply, "utter_request_pain_area_known") and "knee pain" in text_of(reply)
    reply = click(chat, reply, "Yes")  # no typing it twice
    reply = click(chat, reply, "Returning patient")
    titles = [b["title"] for m in reply for b in m.get("buttons") or []]
    assert titles == time_choices(SETTINGS.opening_hours)  # only times the clinic is open
    reply = click(chat, reply, titles[-1])
    reply = click(chat, reply, "Yes, I agree")
    summary = text_of(reply)
    for detail in (
        "Maria Lopez",
        "maria.lopez@example.com",
        "knee pain",
        "Returning patient",
        titles[-1],
    ):
        assert detail in summary
    assert requests_of(stack_database, chat.sender) == []  # nothing before the patient confirms

    done = click(chat, reply, "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert (request.kind, request.name, request.email, request.phone) == (
        "booking",
        "Maria Lopez",
        "maria.lopez@example.com",
        None,
    )
    assert (request.pain_area, request.patient_type, request.preferred_times) == (
        "knee pain",
        "returning",
        titles[-1],
    )
    assert request.channel == "rest" and request.consent_at is not None
    # clinic.yml hands requests over as a prefilled booking link: the patient finishes there.
    assert says(done, "utter_booking_saved") and request.reference in text_of(done)
    assert SETTINGS.booking_url in text_of(done) and "Maria" in text_of(done)
    # The form is over: "yes" now is small talk, not another request.
    assert says(chat.send("yes"), "utter_anything_else")
    assert len(requests_of(stack_database, chat.sender)) == 1


def test_change_at_the_summary_redoes_one_detail(chat: RestChat, stack_database: str):
    start_booking(chat)
    summary = answer_up_to_summary(chat)
    reply = click(chat, summary, "Change something")
    assert says(reply, "utter_ask_booking_form_request_change")
    reply = click(chat, reply, "Phone or email")
    assert says(reply, "utter_ask_request_contact")
    reply = chat.send("(201) 555-0123")
    assert says(reply, "utter_ask_request_confirmed")  # straight back to the summary
    assert "+1 201-555-0123" in text_of(reply) and "maria.lopez@example.com" not in text_of(reply)
    assert "lower back" in text_of(reply)  # other answers kept
    click(chat, reply, "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert (request.phone, request.email, request.patient_type) == ("+12015550123", None, "new")


def test_a_number_from_another_country_is_completed_by_naming_the_country(
    chat: RestChat, stack_database: str
):
    """Typed over REST (no time zone, no sender number): the form asks which country the
    number is from, and "Australia" completes it; the summary shows it with +61."""
    start_booking(chat)
    assert says(chat.send("Maria Lopez"), "utter_ask_request_contact")
    reply = chat.send("0412345678")
    assert "which country" in text_of(reply) and says(reply, "utter_ask_request_contact")
    reply = chat.send("mornings are best")  # an answer to another question: the number waits
    assert says(reply, "utter_request_phone_country")
    summary = answer_up_to_summary(chat, contact="Australia", named=True)
    assert "+61 412 345 678" in text_of(summary)
    click(chat, summary, "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert (request.phone, request.email) == ("+61412345678", None)


def test_a_number_written_like_another_countrys_mobile_is_taken_and_named_to_the_patient(
    chat: RestChat, stack_database: str
):
    """A number written ("0412 555 019") the way Australia writes its mobiles: the form takes it
    at once, says which country it read it as, and the summary names the country too."""
    start_booking(chat)
    assert says(chat.send("Maria Lopez"), "utter_ask_request_contact")
    reply = chat.send("0412 555 019")
    assert "a number from Australia: +61 412 555 019" in text_of(reply)
    assert says(reply, "utter_request_pain_area_open")  # and the form goes on
    reply = chat.send("lower back")
    reply = click(chat, reply, "New patient")
    reply = click(chat, click(chat, reply, FIRST_TIME), "Yes, I agree")
    summary = reply
    assert "+61 412 555 019 (Australia)" in text_of(summary)
    click(chat, summary, "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert request.phone == "+61412555019"


def test_cancel_mid_form_stores_nothing(chat: RestChat, stack_database: str):
    start_booking(chat)
    chat.send("Maria Lopez")
    reply = chat.send("never mind")
    assert says(reply, "utter_request_cancelled") and SETTINGS.phone in text_of(reply)
    assert not says(chat.send("hello"), "utter_ask_request_contact")  # the form is really over
    assert requests_of(stack_database, chat.sender) == []


def test_cancel_at_the_summary_stores_nothing(chat: RestChat, stack_database: str):
    start_booking(chat)
    answer_up_to_summary(chat)
    assert says(chat.send("cancel"), "utter_request_cancelled")
    assert requests_of(stack_database, chat.sender) == []


def test_refused_consent_ends_politely_and_stores_nothing(chat: RestChat, stack_database: str):
    start_booking(chat)
    chat.send("Maria Lopez")
    chat.send("201 555 0123")
    chat.send("my neck")
    chat.send("New patient")
    reply = chat.send("Saturday")
    assert says(reply, "utter_ask_request_consent")
    unsure = chat.send("maybe")  # consent must be explicit: asked again, not taken as "no"
    assert says(unsure, "utter_request_yes_no_hint") and says(unsure, "utter_ask_request_consent")
    reply = click(chat, unsure, "No")
    assert says(reply, "utter_request_no_consent") and SETTINGS.phone in text_of(reply)
    assert requests_of(stack_database, chat.sender) == []


def test_faq_question_mid_form_is_answered_then_the_form_goes_on(
    chat: RestChat, stack_database: str
):
    start_booking(chat)
    chat.send("Maria Lopez")
    chat.send("maria.lopez@example.com")
    reply = chat.send("my shoulder")
    assert says(reply, "utter_ask_request_patient_type")
    reply = chat.send("does the injection hurt?")
    assert get_topics()["does_it_hurt"].answers[0].split("\n")[0] in text_of(reply)
    assert says(reply, "utter_ask_request_patient_type")  # asked again after the answer
    reply = chat.send("I've been before")
    assert says(reply, "utter_request_times")


def test_red_flag_mid_form_comes_first(chat: RestChat):
    start_booking(chat)
    chat.send("Maria Lopez")
    reply = chat.send("I have chest pain since this morning")
    assert SETTINGS.emergency_number in text_of(reply)
    assert text_of(reply).index(SETTINGS.emergency_number) < text_of(reply).index(
        prompt("utter_ask_request_contact")
    )


@pytest.mark.parametrize("question", ["utter_ask_request_name", "utter_ask_request_contact"])
def test_bad_inputs_are_re_asked_and_nothing_is_lost(
    chat: RestChat, stack_database: str, question: str
):
    start_booking(chat)
    if question == "utter_ask_request_contact":
        chat.send("Maria Lopez")
    for number, text in enumerate(BAD_INPUTS, start=1):
        reply = chat.send(text)
        assert says(reply, question), (text[:40], reply)
        assert len(reply) >= 2, reply  # a hint, then the question again
        assert (SETTINGS.phone in text_of(reply)) == (
            number >= 2
        )  # phone offered from the 2nd failure
    # The conversation goes on: a good answer is taken and the next question follows.
    reply = chat.send("Maria Lopez" if question == "utter_ask_request_name" else "201 555 0123")
    assert not says(reply, question)
    assert requests_of(stack_database, chat.sender) == []


def test_odd_free_text_is_stored_exactly_as_typed(chat: RestChat, stack_database: str):
    start_booking(chat)
    chat.send("Zoë O'Brien")
    chat.send("201 555 0123")
    reply = chat.send("'); DROP TABLE booking_requests;-- 膝 🙂")
    assert says(reply, "utter_ask_request_patient_type")
    reply = click(chat, reply, "New patient")
    reply = chat.send("Tuesdays after 5pm")
    reply = click(chat, click(chat, reply, "Yes, I agree"), "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert request.name == "Zoë O'Brien"
    assert request.pain_area == "'); DROP TABLE booking_requests;-- 膝 🙂"
    assert request.preferred_times == "Tuesdays after 5pm"


def test_callback_request_from_the_handoff(chat: RestChat, stack_database: str):
    chat.send("/session_start")
    handoff = chat.send("/human_handoff")
    reply = click(chat, handoff, "Request a callback")
    assert says(reply, "utter_callback_intro") and says(reply, "utter_ask_request_name")
    reply = chat.send("Sam Lee")
    assert says(reply, "utter_ask_request_phone")
    reply = chat.send("sam@example.com")
    assert says(reply, "utter_request_phone_hint") and says(reply, "utter_ask_request_phone")
    reply = chat.send("+44 20 7946 0958")
    assert says(reply, "utter_request_call_time")
    reply = click(chat, reply, FIRST_TIME)
    reply = click(chat, reply, "Yes, I agree")
    assert "+44 20 7946 0958" in text_of(reply)
    done = click(chat, reply, "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    assert (request.kind, request.name, request.phone, request.preferred_times) == (
        "callback",
        "Sam Lee",
        "+442079460958",
        FIRST_TIME,
    )
    assert says(done, "utter_callback_sent") and request.reference in text_of(done)


def test_a_button_title_typed_as_the_name_is_asked_for_again(chat: RestChat, stack_database: str):
    """ "Can someone ring me back" opens the call-back form at once, without the buttons;
    a patient who types the button they expected is asked for the name again."""
    chat.send("/session_start")
    reply = chat.send("can someone ring me back")
    assert says(reply, "utter_ask_request_name")
    reply = chat.send("Request a callback")
    assert says(reply, "utter_request_name_hint") and says(reply, "utter_ask_request_name")
    assert says(chat.send("Sam Lee"), "utter_ask_request_phone")
    assert requests_of(stack_database, chat.sender) == []


def test_asking_for_a_person_mid_form_hands_off_and_stores_nothing(
    chat: RestChat, stack_database: str
):
    start_booking(chat)
    chat.send("Maria Lopez")
    reply = chat.send("can I talk to someone please?")
    assert says(reply, "utter_request_stopped_for_handoff")
    assert says(reply, "utter_handoff_open") or says(reply, "utter_handoff_closed")
    assert SETTINGS.phone in text_of(reply) and not says(reply, "utter_ask_request_contact")
    # The form is over: the next question is answered and no form question follows.
    reply = chat.send("does the injection hurt?")
    assert get_topics()["does_it_hurt"].answers[0].split("\n")[0] in text_of(reply)
    assert not any(says(reply, q) for q in ("utter_ask_request_contact", "utter_ask_request_name"))
    assert requests_of(stack_database, chat.sender) == []


@pytest.mark.parametrize("refusal", ["I'd rather not say, can I just call?", "rather not say"])
def test_declining_the_name_is_caught_at_the_name_question(
    chat: RestChat, stack_database: str, refusal: str
):
    start_booking(chat)
    reply = chat.send(refusal)
    assert says(reply, "utter_request_name_needed") and SETTINGS.phone in text_of(reply)
    assert says(reply, "utter_ask_request_name")  # asked again, nothing else answered
    assert says(chat.send("Maria Lopez"), "utter_ask_request_contact")
    assert requests_of(stack_database, chat.sender) == []


def test_contact_details_typed_after_sending_get_a_reply_about_the_request(
    chat: RestChat, stack_database: str
):
    start_booking(chat)
    click(chat, answer_up_to_summary(chat), "Yes, send it")
    [request] = requests_of(stack_database, chat.sender)
    for stray in ("maria.lopez@example.com", "my number is 201 555 0123"):
        reply = chat.send(stray)
        assert says(reply, "utter_contact_after_request"), (stray, reply)
        assert request.reference in text_of(reply) and SETTINGS.phone in text_of(reply)
        assert len(reply) == 1  # that reply only: no FAQ answer, no "did you mean"
    assert len(requests_of(stack_database, chat.sender)) == 1  # nothing new stored, nothing changed
    [same] = requests_of(stack_database, chat.sender)
    assert (same.email, same.phone) == ("maria.lopez@example.com", None)


def test_contact_details_without_a_request_offer_the_ways_to_send_one(chat: RestChat):
    chat.send("/session_start")
    reply = chat.send("201 555 0123")
    assert says(reply, "utter_details_offer") and len(reply) == 1
    reply = click(chat, reply, "Request a callback")
    assert says(reply, "utter_callback_intro") and says(reply, "utter_ask_request_name")


def test_details_given_before_the_form_are_used_and_stored(chat: RestChat, stack_database: str):
    """Name, number and email typed in one message, then a question, then booking: the form
    asks none of them again, and the stored request has them all (the phone too, which a
    prefilled contact once lost, so the request failed)."""
    chat.send("/session_start")
    reply = chat.send("great. Sam Lee, sam.lee@example.org or (202) 555-0188")
    assert says(reply, "utter_details_offer")
    chat.send("does it hurt?")
    offer = chat.send("/book_consultation")
    reply = click(chat, offer, "Yes, send my details")
    _send_with_details_prefilled(chat, reply, ("Sam Lee", "sam.lee@example.org", "555"))
    [request] = requests_of(stack_database, chat.sender)
    assert (request.name, request.email, request.phone) == (
        "Sam Lee",
        "sam.lee@example.org",
        "+12025550188",
    )


def test_a_name_typed_at_the_booking_offer_accepts_it(chat: RestChat):
    chat.send("/session_start")
    assert says(chat.send("/book_consultation"), "utter_book_consultation")
    reply = chat.send("Ahmed Raza")
    assert says(reply, "utter_booking_intro") and says(reply, "utter_ask_request_contact")


def test_a_booking_request_with_details_in_it_books_and_keeps_them(
    chat: RestChat, stack_database: str
):
    """ "I'm Sam Lee, sam@example.org, I'd like to book" once got the pregnancy answer (the
    classifier read the name and address as a topic), and the typed "yes, send my details"
    that followed got "No problem". Now it is the booking offer, and the form asks for
    neither detail again."""
    chat.send("/session_start")
    offer = chat.send("I'm Sam Lee, sam.lee@example.org, I'd like to book")
    assert says(offer, "utter_book_consultation"), text_of(offer)
    reply = chat.send("yes, send my details")
    _send_with_details_prefilled(chat, reply, ("Sam Lee", "sam.lee@example.org"))
    [request] = requests_of(stack_database, chat.sender)
    assert (request.name, request.email) == ("Sam Lee", "sam.lee@example.org")


def _send_with_details_prefilled(chat: RestChat, reply: Messages, details: Sequence[str]) -> None:
    """From the form's start: it asks for the pain first (the details are in already), the
    rest is answered, the summary shows ``details``, and the request is sent."""
    assert says(reply, "utter_booking_intro") and says(reply, "utter_request_pain_area_open")
    reply = chat.send("my lower back")
    reply = click(chat, reply, "New patient")
    reply = click(chat, reply, FIRST_TIME)
    reply = click(chat, reply, "Yes, I agree")
    summary = text_of(reply)
    for detail in details:
        assert detail in summary, summary
    click(chat, reply, "Yes, send it")
