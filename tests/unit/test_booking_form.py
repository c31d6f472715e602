"""The booking and call-back forms' actions with real rasa_sdk objects and a real SQLite file.

The validation actions run exactly as the action server runs them (FormValidationAction.run
with the real domain), so extraction, validation and "which question next" are tested together.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.booking.answers import (
    CHANGE,
    CONFIRM,
    NO_CHANGE,
    Reading,
    UnusableAnswer,
    button_titles,
    check_contact,
    check_free_text,
    check_name,
    check_phone,
    interrupts,
    read_change_choice,
    read_confirmation,
    read_name,
    read_patient_type,
    read_yes_no,
)
from actions.booking.ask import (
    DEFAULT_TIME_CHOICES,
    ActionAskConfirmed,
    ActionAskContact,
    ActionAskPainArea,
    ActionAskPhone,
    ActionAskTimes,
    pain_suggestion,
    summary_text,
    time_choices,
)
from actions.booking.slots import ALL_SLOTS, BOOKING, CALLBACK
from actions.booking.submit import (
    ActionCancelRequest,
    ActionStopRequestForHandoff,
    ActionSubmitBooking,
    ActionSubmitCallback,
    clinic_is_notified,
)
from actions.booking.validate import ValidateBookingForm, ValidateCallbackForm
from actions.contact import ActionContactDetails
from actions.message import Said
from bot.bookings import repository
from bot.bookings.db import dispose_engines, session_factory, session_scope, upgrade_database
from bot.bookings.spool import SPOOL_DIR_ENV, pending
from bot.bookings.validation import InvalidInput
from bot.conversation.typed_replies import Button as TypedButton
from bot.conversation.typed_replies import match_reply
from bot.settings import PROJECT_ROOT, SETTINGS_ENV_VAR, get_settings
from tests.support.booking_data import webhook_booking, write_settings_file

DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
REGION = get_settings().phone_region
CLINIC_PHONE = get_settings().phone
BAD_INPUTS = [
    " ",
    "x" * 5000,
    "🙂🙂🙂",
    "'); DROP TABLE booking_requests;--",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
]

BOOKING_ANSWERS: Dict[str, Any] = {
    "request_name": "Maria Lopez",
    "request_contact": "+12015550123",
    "request_phone": "+12015550123",
    "request_email": None,
    "request_pain_area": "knee pain",
    "request_patient_type": "new",
    "request_times": "Weekday mornings",
    "request_consent": True,
}


def said(
    text: str, intent: Optional[str] = None, entities: Sequence[Mapping[str, Any]] = ()
) -> Said:
    return Said(text=text, intent=intent, entities=tuple(entities))


def tracker(
    slots: Mapping[str, Any],
    text: str = "",
    intent: str = "nlu_fallback",
    entities: Sequence[Mapping[str, Any]] = (),
    form: str = "booking_form",
    channel: str = "rest",
    sender: str = "patient-42",
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
    }
    events = [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}]
    events.append({"event": "action", "name": form})
    return Tracker(sender, dict(slots), message, events, False, None, {"name": form}, form)


async def validate(
    slots: Mapping[str, Any],
    text: str,
    intent: str = "nlu_fallback",
    entities: Sequence[Mapping[str, Any]] = (),
    action: Any = None,
    channel: str = "rest",
    sender: str = "patient-42",
) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """Run the validation action; returns (slot values it set, messages it sent)."""
    action = action or ValidateBookingForm()
    dispatcher = CollectingDispatcher()
    form = action.form_name()
    events = await action.run(
        dispatcher, tracker(slots, text, intent, entities, form, channel, sender), DOMAIN
    )
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def asked(slot: str, **answers: Any) -> Dict[str, Any]:
    return {**answers, REQUESTED_SLOT: slot}


# --- reading answers (pure) ---------------------------------------------------------


def test_yes_no_from_intent_words_and_buttons():
    assert read_yes_no(said("/affirm", "affirm")).value is True
    assert read_yes_no(said("No", "greet")).value is False
    assert read_yes_no(said("yes, I agree", "out_of_scope")).value is True
    assert read_yes_no(said("maybe", "nlu_fallback")) is None
    # Consent is strict: the classifier's "deny" for a typed "maybe" is not a refusal.
    assert read_yes_no(said("maybe", "deny")).value is False
    assert read_yes_no(said("maybe", "deny"), strict=True) is None
    assert read_yes_no(said("/deny", "deny"), strict=True).value is False
    assert read_yes_no(said("I'd rather not", "deny"), strict=True).value is False


def test_confirm_or_change_at_the_summary():
    assert read_confirmation(said("/affirm", "affirm")).value == CONFIRM
    assert read_confirmation(said("/deny", "deny")).value == CHANGE
    assert read_confirmation(said("Change something", "cancel")).value == CHANGE
    assert read_confirmation(said("the phone number is wrong")).value == CHANGE
    assert read_confirmation(said("hmm")) is None


def test_patient_type_from_buttons_and_plain_words():
    assert read_patient_type(said("New patient")).value == "new"
    assert read_patient_type(said("Returning patient")).value == "returning"
    assert read_patient_type(said("I've never been before")).value == "new"
    assert (
        read_patient_type(said("yes I came last year, I have been there previously")).value
        == "returning"
    )
    assert read_patient_type(said("banana")) is None


def test_change_choice_only_offers_the_forms_details():
    assert read_change_choice(said("Phone or email"), BOOKING.changes).value == "contact"
    assert read_change_choice(said("the pain area please"), BOOKING.changes).value == "pain_area"
    assert read_change_choice(said("Pain area"), CALLBACK.changes) is None
    assert read_change_choice(said("nothing"), CALLBACK.changes).value == NO_CHANGE


def test_interruptions_versus_answers():
    assert interrupts(said("+1 201 555 0123", "red_flag"), None, free_text=False)  # safety first
    assert interrupts(said("cancel", "cancel"), None, free_text=True)
    assert interrupts(said("does it hurt?", "faq"), None, free_text=True)
    assert not interrupts(said("Holly Berry", "faq"), None, free_text=True)  # not a question
    assert interrupts(said("side effects", "faq"), None, free_text=False)
    exact = read_confirmation(said("change", "cancel"))
    assert not interrupts(
        said("change", "cancel"), exact, free_text=False
    )  # a button beats the classifier


def test_names_in_any_script_pass_and_sentences_or_symbols_do_not():
    assert check_name("  José   O'Brien-Łukasz ") == "José O'Brien-Łukasz"
    assert check_name("山田 太郎") == "山田 太郎"
    assert check_name("Hi, my name is Maria Lopez") == "Maria Lopez"
    assert check_name("I'm Sam") == "Sam" and check_name("Im Ha-na") == "Im Ha-na"
    for bad in BAD_INPUTS + ["can I talk to a person", "/request_booking", "Sam 5551234"]:
        with pytest.raises(InvalidInput):
            check_name(bad)


def test_contact_accepts_phone_email_or_both():
    assert check_contact("(201) 555-0123", "US") == ("+12015550123", None)
    assert check_contact("Maria@Example.COM", "US") == (None, "Maria@example.com")
    assert check_contact("call 201 555 0123 or mail maria@example.com.", "US") == (
        "+12015550123",
        "maria@example.com",
    )
    for bad in BAD_INPUTS + ["555", "maria@", "a@b.com c@d.com", "no thanks"]:
        with pytest.raises(InvalidInput):
            check_contact(bad, "US")


def test_callback_needs_a_phone_number():
    assert check_phone("my number is +44 20 7946 0958", "US") == "+442079460958"
    with pytest.raises(UnusableAnswer):
        check_phone("maria@example.com", "US")


def test_free_text_keeps_words_and_refuses_markup_and_blank():
    assert check_free_text("douleur au genou 🙂", 500) == "douleur au genou 🙂"
    assert (
        check_free_text("'); DROP TABLE x;--", 500) == "'); DROP TABLE x;--"
    )  # harmless text, stored as is
    for bad in [" ", "🙂🙂🙂", "x" * 5000, "<b>knee</b>", "/deny"]:
        with pytest.raises(InvalidInput):
            check_free_text(bad, 500)


def test_required_slots_follow_consent_and_change():
    assert BOOKING.required_slots({"request_consent": False}) == []
    assert "request_change" not in BOOKING.required_slots({})
    assert BOOKING.required_slots({"request_changing": True})[-2:] == [
        "request_change",
        "request_confirmed",
    ]
    assert CALLBACK.required_slots({})[:2] == ["request_name", "request_phone"]


# --- the validation action --------------------------------------------------------


async def test_a_good_name_is_kept_and_the_contact_question_comes_next():
    slots, messages = await validate(asked("request_name"), "  Maria   Lopez ")
    assert slots["request_name"] == "Maria Lopez"
    assert slots[REQUESTED_SLOT] == "request_contact"
    assert messages == []


@pytest.mark.parametrize("text", BAD_INPUTS)
async def test_bad_names_are_re_asked_with_a_hint(text: str):
    slots, messages = await validate(asked("request_name"), text)
    assert slots["request_name"] is None and slots[REQUESTED_SLOT] == "request_name"
    assert slots["request_failures"] == {"request_name": 1}
    assert len(messages) == 1 and (messages[0].get("text") or messages[0].get("response"))


async def test_second_failure_offers_the_clinic_phone_and_success_resets_the_count():
    slots, messages = await validate(
        asked("request_contact", request_failures={"request_contact": 1}), "555"
    )
    assert slots["request_failures"] == {"request_contact": 2}
    assert messages[-1]["response"] == "utter_request_call_instead"
    assert messages[-1]["clinic_phone"] == CLINIC_PHONE
    slots, _ = await validate(
        asked("request_contact", request_failures={"request_contact": 2}), "201-555-0123"
    )
    assert slots["request_phone"] == "+12015550123" and slots["request_failures"] is None


@pytest.mark.parametrize(
    "text, intent",
    [
        ("does it hurt?", "faq"),
        ("stop", "cancel"),
        ("bye", "goodbye"),
        ("my lips are swelling", "red_flag"),
        ('/ask_topic{"topic":"cost"}', "ask_topic"),
    ],
)
async def test_interruptions_fill_nothing_so_the_rules_take_over(text: str, intent: str):
    slots, messages = await validate(asked("request_name"), text, intent)
    assert set(slots) <= {REQUESTED_SLOT} and messages == []


async def test_a_red_flag_wins_even_when_it_looks_like_an_answer():
    slots, _ = await validate(
        asked("request_contact", request_name="M"), "201 555 0123", "red_flag"
    )
    assert "request_contact" not in slots


async def test_only_the_question_just_asked_is_filled():
    slots, _ = await validate(asked("request_contact", request_name="Maria"), "Sam Lee")
    assert "request_name" not in slots  # "Sam Lee" is a bad contact, not a new name


async def test_pain_area_suggestion_yes_no_or_a_description():
    base = asked(
        "request_pain_area",
        request_name="M",
        request_contact="x",
        request_pain_suggestion="knee pain",
    )
    slots, _ = await validate(base, "/affirm", "affirm")
    assert slots["request_pain_area"] == "knee pain"
    slots, messages = await validate(base, "/deny", "deny")
    assert (
        slots["request_pain_area"] is None
        and slots["request_pain_declined"] is True
        and messages == []
    )
    back = [{"entity": "body_part", "value": "lower back"}]
    slots, _ = await validate(base, "no, my lower back", "deny", back)
    assert slots["request_pain_area"] == "no, my lower back"


async def test_consent_yes_records_when_and_no_ends_the_form():
    base = asked(
        "request_consent", **{k: v for k, v in BOOKING_ANSWERS.items() if k != "request_consent"}
    )
    slots, _ = await validate(base, "/affirm", "affirm")
    consent_at = dt.datetime.fromisoformat(slots["request_consent_at"])
    assert consent_at.tzinfo is not None and slots[REQUESTED_SLOT] == "request_confirmed"
    slots, _ = await validate(base, "/deny", "deny")
    assert slots["request_consent"] is False and slots[REQUESTED_SLOT] is None


async def test_unclear_consent_is_asked_again_not_taken_as_no():
    base = asked(
        "request_consent", **{k: v for k, v in BOOKING_ANSWERS.items() if k != "request_consent"}
    )
    slots, messages = await validate(base, "maybe", "deny")
    assert slots["request_consent"] is None and slots[REQUESTED_SLOT] == "request_consent"
    assert messages[0]["response"] == "utter_request_yes_no_hint"


async def test_change_at_the_summary_redoes_only_the_chosen_detail():
    base = asked("request_confirmed", **BOOKING_ANSWERS)
    slots, _ = await validate(base, "/deny", "deny")
    assert slots["request_changing"] is True and slots["request_confirmed"] is None
    chosen = asked("request_change", **BOOKING_ANSWERS, request_changing=True)
    slots, _ = await validate(chosen, "Phone or email")
    assert slots["request_contact"] is None and slots["request_phone"] is None
    assert slots[REQUESTED_SLOT] == "request_contact" and "request_name" not in slots


async def test_callback_form_asks_for_a_phone_not_an_email():
    slots, messages = await validate(
        asked("request_phone", request_name="M"), "maria@example.com", action=ValidateCallbackForm()
    )
    assert slots["request_phone"] is None and messages[0]["response"] == "utter_request_phone_hint"
    slots, _ = await validate(
        asked("request_phone", request_name="M"), "201 555 0123", action=ValidateCallbackForm()
    )
    assert slots["request_phone"] == "+12015550123" and slots[REQUESTED_SLOT] == "request_times"


# --- the number the patient texts from (SMS, WhatsApp) ---------------------------------

# (input channel, conversation id) as the channels make them; all are +1 202-555-0123.
PHONE_SENDERS = [
    ("twilio", "twilio:+12025550123"),
    ("twilio", "twilio:whatsapp:+12025550123"),
    ("whatsapp", "whatsapp:12025550123"),
]
SMS = {"channel": "twilio", "sender": "twilio:+12025550123"}


async def ask(action: Any, slots: Mapping[str, Any], **where: str) -> Tuple[Dict, List[Dict]]:
    """Run an ask action; returns (slot values it set, messages it sent)."""
    dispatcher = CollectingDispatcher()
    form = "callback_form" if isinstance(action, ActionAskPhone) else "booking_form"
    events = await action.run(dispatcher, tracker(slots, form=form, **where), DOMAIN)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


@pytest.mark.parametrize("channel, sender", PHONE_SENDERS)
@pytest.mark.parametrize(
    "action, offer",
    [
        (ActionAskContact(), "utter_request_contact_known"),
        (ActionAskPhone(), "utter_request_phone_known"),
    ],
)
async def test_on_sms_and_whatsapp_the_question_offers_the_number_texting(
    action: Any, offer: str, channel: str, sender: str
):
    slots, [message] = await ask(action, {}, channel=channel, sender=sender)
    assert message["response"] == offer
    assert message["known_phone"] == "+1 202-555-0123"  # formatted for reading
    assert slots == {"request_known_phone": "offered"}  # never the number itself
    [response] = DOMAIN["responses"][offer]
    assert "{known_phone}" in response["text"]
    assert response["buttons"] == [{"title": "Use this number", "payload": "/affirm"}]


@pytest.mark.parametrize(
    "channel, sender",
    [
        ("rest", "twilio:+12025550123"),  # a REST client can name any conversation
        ("socketio", "0f8fad5bd9cb469fa16570867728950e"),
        ("telegram", "telegram:12025550123"),  # a chat id, not a phone
        ("messenger", "messenger:12025550123"),
        ("twilio", "twilio:+1202"),  # not a valid phone
        ("whatsapp", "whatsapp:not-a-number"),
    ],
)
@pytest.mark.parametrize(
    "action, plain",
    [
        (ActionAskContact(), "utter_ask_request_contact"),
        (ActionAskPhone(), "utter_ask_request_phone"),
    ],
)
async def test_elsewhere_or_without_a_valid_phone_the_question_is_unchanged(
    action: Any, plain: str, channel: str, sender: str
):
    slots, [message] = await ask(action, {}, channel=channel, sender=sender)
    assert message["response"] == plain and "known_phone" not in message
    assert slots == {"request_known_phone": None}


async def test_after_no_thanks_the_number_is_not_offered_again():
    slots, [message] = await ask(ActionAskContact(), {"request_known_phone": "declined"}, **SMS)
    assert message["response"] == "utter_ask_request_contact" and slots == {}


OFFERED_CONTACT = asked("request_contact", request_name="Maria", request_known_phone="offered")
OFFERED_PHONE = asked("request_phone", request_name="Maria", request_known_phone="offered")


@pytest.mark.parametrize(
    "text, intent",
    [
        ("/affirm", "affirm"),  # the button, "yes" or "1" typed (bot/conversation/typed_replies)
        ("1", "nlu_fallback"),
        ("this one", "faq"),
        ("Use this number", "nlu_fallback"),
        ("use this number", "faq"),
        ("yes", "affirm"),
    ],
)
@pytest.mark.parametrize("channel, sender", PHONE_SENDERS)
async def test_choosing_the_offered_number_fills_it_normalised(
    text: str, intent: str, channel: str, sender: str
):
    where = {"channel": channel, "sender": sender}
    slots, messages = await validate(OFFERED_CONTACT, text, intent, **where)
    assert slots["request_contact"] == slots["request_phone"] == "+12025550123"
    assert slots["request_email"] is None and messages == []
    assert slots[REQUESTED_SLOT] == "request_pain_area"
    slots, messages = await validate(
        OFFERED_PHONE, text, intent, action=ValidateCallbackForm(), **where
    )
    assert slots["request_phone"] == "+12025550123" and messages == []
    assert slots[REQUESTED_SLOT] == "request_times"


async def test_another_number_or_an_email_is_still_taken_when_the_number_is_offered():
    slots, _ = await validate(OFFERED_CONTACT, "(201) 555-0142", **SMS)
    assert slots["request_contact"] == slots["request_phone"] == "+12015550142"
    slots, _ = await validate(OFFERED_CONTACT, "maria@example.com", "faq", **SMS)
    assert slots["request_email"] == "maria@example.com" and slots["request_phone"] is None
    slots, _ = await validate(OFFERED_PHONE, "201 555 0142", action=ValidateCallbackForm(), **SMS)
    assert slots["request_phone"] == "+12015550142"


async def test_no_to_the_offered_number_asks_again_without_it():
    for form, base in (
        (ValidateBookingForm(), OFFERED_CONTACT),
        (ValidateCallbackForm(), OFFERED_PHONE),
    ):
        slots, messages = await validate(base, "/deny", "deny", action=form, **SMS)
        assert slots[base[REQUESTED_SLOT]] is None and messages == []
        assert slots["request_known_phone"] == "declined"
        assert slots[REQUESTED_SLOT] == base[REQUESTED_SLOT]


async def test_yes_is_no_phone_number_where_the_number_is_not_known():
    # Even with the slot forged to "offered": on REST the conversation id is not a phone.
    where = {"channel": "rest", "sender": "twilio:+12025550123"}
    slots, messages = await validate(OFFERED_CONTACT, "/affirm", "affirm", **where)
    assert slots["request_contact"] is None and slots.get("request_phone") is None
    assert messages[0]["response"] == "utter_request_contact_hint"
    # And without the offer "yes" or "1" is no answer to the contact question.
    slots, _ = await validate(asked("request_contact", request_name="M"), "1", **SMS)
    assert slots["request_contact"] is None and slots.get("request_phone") is None


def test_typed_replies_to_the_offer_become_its_payload_or_no():
    [response] = DOMAIN["responses"]["utter_request_contact_known"]
    buttons = [TypedButton(b["title"], b["payload"]) for b in response["buttons"]]
    for text in ("1", "yes", "Use this number", "use this", "yes please"):
        assert match_reply(text, buttons).button.payload == "/affirm", text
    assert match_reply("no thanks", buttons).button.payload == "/deny"
    assert match_reply("(201) 555-0142", buttons) is None
    assert match_reply("maria@example.com", buttons) is None


# --- a number from another country, typed without its country code ---------------------

AU_MOBILE = "0412345678"  # valid in Australia, not a US number


async def test_another_countrys_number_is_kept_and_the_form_asks_which_country():
    slots, messages = await validate(asked("request_contact", request_name="M"), AU_MOBILE)
    assert slots["request_contact"] is None and slots[REQUESTED_SLOT] == "request_contact"
    assert slots["request_phone_elsewhere"] == AU_MOBILE
    assert "which country" in messages[0]["text"]


@pytest.mark.parametrize(
    "reply, intent", [("Australia", "out_of_scope"), ("+61", "nlu_fallback"), ("aussie", "greet")]
)
async def test_naming_the_country_completes_the_kept_number(reply: str, intent: str):
    base = asked("request_contact", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, messages = await validate(base, reply, intent)
    assert slots["request_contact"] == slots["request_phone"] == "+61412345678"
    assert slots["request_phone_elsewhere"] is None and slots["request_email"] is None
    assert slots[REQUESTED_SLOT] == "request_pain_area" and not messages


async def test_the_call_back_form_completes_the_number_the_same_way():
    base = asked("request_phone", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, _ = await validate(base, "It's Australian", action=ValidateCallbackForm())
    assert slots["request_phone"] == "+61412345678" and slots[REQUESTED_SLOT] == "request_times"


async def test_a_country_the_number_is_not_from_is_asked_again_with_that_countrys_example():
    base = asked("request_contact", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, messages = await validate(base, "UK")
    assert slots["request_contact"] is None and slots[REQUESTED_SLOT] == "request_contact"
    assert "United Kingdom" in messages[0]["text"] and "+44" in messages[0]["text"]


@pytest.mark.parametrize("reply", ["something else", "mornings are best", "why?"])
async def test_an_answer_naming_no_country_gets_the_country_question_again(reply: str):
    base = asked("request_contact", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, messages = await validate(base, reply)
    assert slots["request_contact"] is None and slots[REQUESTED_SLOT] == "request_contact"
    assert slots.get("request_phone_elsewhere", AU_MOBILE) == AU_MOBILE  # still kept
    assert messages[0]["response"] == "utter_request_phone_country"


async def test_a_new_number_replaces_the_kept_one():
    base = asked("request_contact", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, _ = await validate(base, "201 555 0123")
    assert slots["request_contact"] == "+12015550123" and slots["request_phone_elsewhere"] is None


async def test_a_red_flag_while_asking_which_country_leaves_the_form_to_safety():
    base = asked("request_contact", request_name="M", request_phone_elsewhere=AU_MOBILE)
    slots, _ = await validate(base, "Australia, and my throat is closing up", "red_flag")
    assert "request_contact" not in slots and "request_phone" not in slots


async def test_a_country_named_with_the_number_settles_it_at_once():
    slots, messages = await validate(
        asked("request_contact", request_name="M"), "0412345678, it's an Aussie mobile"
    )
    assert slots["request_contact"] == "+61412345678" and not messages


async def test_a_number_written_like_one_countrys_mobiles_is_taken_and_the_patient_told():
    slots, messages = await validate(asked("request_contact", request_name="M"), "0412 555 019")
    assert slots["request_contact"] == slots["request_phone"] == "+61412555019"
    assert slots[REQUESTED_SLOT] == "request_pain_area"
    [told] = messages
    assert told["response"] == "utter_request_phone_read_abroad"
    assert (told["phone_country"], told["phone_written"]) == ("Australia", "+61 412 555 019")


async def test_the_call_back_form_tells_the_country_it_read_the_same_way():
    slots, messages = await validate(
        asked("request_phone", request_name="M"), "07400 123456", action=ValidateCallbackForm()
    )
    assert slots["request_phone"] == "+447400123456" and slots[REQUESTED_SLOT] == "request_times"
    assert [m["phone_country"] for m in messages] == ["United Kingdom"]


@pytest.mark.parametrize("typed", ["201 555 0123", "+61 412 555 019"])
async def test_a_clinic_number_or_one_typed_with_its_code_is_taken_without_a_word(typed: str):
    slots, messages = await validate(asked("request_contact", request_name="M"), typed)
    assert slots["request_contact"] and not messages


def test_the_summary_names_the_country_of_a_number_from_abroad():
    summary = summary_text({**BOOKING_ANSWERS, "request_phone": "+61412555019"})
    assert "+61 412 555 019 (Australia)" in summary


async def test_a_country_named_earlier_in_the_conversation_settles_it():
    message = {"text": "021 234 5678", "intent": {"name": "nlu_fallback"}, "entities": []}
    events = [
        {"event": "user", "text": "I'm over from New Zealand for a month, does PIT help knees?"},
        {"event": "bot", "text": "..."},
        {"event": "user", "text": "021 234 5678", "parse_data": message, "input_channel": "rest"},
    ]
    slots = asked("request_contact", request_name="M")
    state = Tracker("p-1", slots, message, events, False, None, {"name": "booking_form"}, "x")
    events_out = await ValidateBookingForm().run(CollectingDispatcher(), state, DOMAIN)
    values = {e["name"]: e["value"] for e in events_out if e["event"] == "slot"}
    assert values["request_contact"] == "+64212345678"


async def test_the_kept_number_goes_when_the_contact_is_changed_or_the_request_ends():
    assert "request_phone_elsewhere" in ALL_SLOTS
    assert "request_phone_elsewhere" in BOOKING.changes["contact"]
    assert "request_phone_elsewhere" in CALLBACK.changes["contact"]


# --- questions ------------------------------------------------------------------------


def test_pain_suggestion_names_what_was_mentioned():
    assert pain_suggestion("carpel tunnel", "wrist") == "carpal tunnel syndrome"
    assert pain_suggestion(None, "Knees") == "knee pain"
    assert pain_suggestion(None, "lower back") == "lower back pain"
    assert pain_suggestion(None, None) is None


async def test_pain_question_offers_the_mentioned_area_unless_declined():
    dispatcher = CollectingDispatcher()
    events = await ActionAskPainArea().run(dispatcher, tracker({"body_part": "knee"}), DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_request_pain_area_known"
    assert events[0]["value"] == "knee pain"
    dispatcher = CollectingDispatcher()
    await ActionAskPainArea().run(
        dispatcher, tracker({"body_part": "knee", "request_pain_declined": True}), DOMAIN
    )
    assert dispatcher.messages[0]["response"] == "utter_request_pain_area_open"


def test_time_buttons_follow_the_opening_hours():
    nine_to_five = (dt.time(9), dt.time(17))
    assert time_choices({"monday": nine_to_five}) == ["Weekday mornings", "Weekday afternoons"]
    late = {"tuesday": (dt.time(13), dt.time(20)), "saturday": (dt.time(9), dt.time(12))}
    assert time_choices(late) == ["Weekday afternoons", "Weekday evenings", "Saturday"]
    assert time_choices({}) == list(DEFAULT_TIME_CHOICES)


async def test_time_question_uses_the_clinic_hours_and_the_forms_wording():
    dispatcher = CollectingDispatcher()
    await ActionAskTimes().run(dispatcher, tracker({}, form="callback_form"), DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_request_call_time"
    titles = [b["title"] for b in message["buttons"]]
    assert titles == time_choices(get_settings().opening_hours)
    assert all(b["payload"] == b["title"] for b in message["buttons"])


async def test_summary_lists_every_answer():
    dispatcher = CollectingDispatcher()
    await ActionAskConfirmed().run(dispatcher, tracker(BOOKING_ANSWERS), DOMAIN)
    summary = dispatcher.messages[0]["request_summary"]
    assert summary == summary_text(BOOKING_ANSWERS)
    assert (
        "Name: Maria Lopez" in summary and "+1 201-555-0123" in summary and "New patient" in summary
    )


# --- sending, refusing, cancelling --------------------------------------------------


@pytest.fixture
def bookings_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database the submit action writes to (via $PIT_DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'requests.db'}"
    monkeypatch.setenv("PIT_DATABASE_URL", url)
    upgrade_database(url)
    yield url
    dispose_engines()


def stored(url: str) -> List[Any]:
    with session_scope(session_factory(url)) as session:
        return repository.list_requests(session)


def cleared(events: List[Dict[str, Any]]) -> bool:
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return all(values.get(name, "missing") is None for name in ALL_SLOTS)


async def test_confirmed_booking_is_stored_with_channel_and_conversation(bookings_db: str):
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker(slots, channel="socketio"), DOMAIN)
    [request] = stored(bookings_db)
    assert (request.kind, request.name, request.phone, request.pain_area) == (
        "booking",
        "Maria Lopez",
        "+12015550123",
        "knee pain",
    )
    assert (request.patient_type, request.channel, request.conversation_id) == (
        "new",
        "socketio",
        "patient-42",
    )
    # The shipped clinic.yml hands requests over as a prefilled booking link only.
    assert not clinic_is_notified(get_settings())
    [saved] = dispatcher.messages
    assert saved["response"] == "utter_booking_saved"
    assert saved["request_reference"] == request.reference != str(request.id)
    assert (
        saved["request_link"].startswith(get_settings().booking_url)
        and "Maria" in saved["request_link"]
    )
    assert cleared(events)


@pytest.fixture
def webhook_clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """clinic.yml with a webhook as well as the link: the clinic itself gets the request."""
    booking = {
        **webhook_booking("http://127.0.0.1:9/pit"),
        "handoff": ["link", "webhook"],
        "link": {"params": {"name": "name"}},
    }
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(write_settings_file(tmp_path, booking)))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_when_the_clinic_is_notified_the_patient_is_told_so(
    bookings_db: str, webhook_clinic: None
):
    assert clinic_is_notified(get_settings())
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    dispatcher = CollectingDispatcher()
    await ActionSubmitBooking().run(dispatcher, tracker(slots), DOMAIN)
    [request] = stored(bookings_db)
    assert sorted(d.adapter for d in request.deliveries) == ["link", "webhook"]
    sent, link = dispatcher.messages
    assert (
        sent["response"] == "utter_booking_sent" and sent["request_reference"] == request.reference
    )
    assert link["response"] == "utter_request_link" and "Maria" in link["request_link"]


async def test_callback_is_stored_as_a_callback(bookings_db: str):
    slots = {
        "request_name": "Sam Lee",
        "request_phone": "+12015550123",
        "request_times": "Saturday",
        "request_consent": True,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    dispatcher = CollectingDispatcher()
    await ActionSubmitCallback().run(dispatcher, tracker(slots, form="callback_form"), DOMAIN)
    [request] = stored(bookings_db)
    assert (request.kind, request.phone, request.preferred_times) == (
        "callback",
        "+12015550123",
        "Saturday",
    )
    [sent] = dispatcher.messages  # no booking link for a call-back
    assert sent["response"] == "utter_callback_sent" and sent["callback_phone"] == "+1 201-555-0123"


async def test_refused_consent_stores_nothing_and_gives_the_phone(bookings_db: str):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(
        dispatcher, tracker({**BOOKING_ANSWERS, "request_consent": False}), DOMAIN
    )
    assert stored(bookings_db) == []
    assert dispatcher.messages[0]["response"] == "utter_request_no_consent"
    assert dispatcher.messages[0]["clinic_phone"] == CLINIC_PHONE
    assert cleared(events)


async def test_database_without_tables_keeps_the_request_and_gives_the_booking_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A database without the booking tables: the insert really fails, as if it were down.
    monkeypatch.setenv("PIT_DATABASE_URL", f"sqlite:///{tmp_path / 'not-migrated.db'}")
    monkeypatch.setenv(SPOOL_DIR_ENV, str(tmp_path / "spool"))
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    dispatcher = CollectingDispatcher()
    try:
        events = await ActionSubmitBooking().run(dispatcher, tracker(slots), DOMAIN)
    finally:
        dispose_engines()
    # clinic.yml hands over by link only: the patient finishes booking on the clinic's page.
    [saved] = dispatcher.messages
    assert saved["response"] == "utter_booking_saved" and "Maria" in saved["request_link"]
    [kept] = pending(tmp_path / "spool")
    assert saved["request_reference"] in kept.name
    assert any(e.get("name") == "sent_request_reference" for e in events)


async def test_storage_failure_tells_the_patient_to_phone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A database without the booking tables, and a spool that cannot be created either.
    monkeypatch.setenv("PIT_DATABASE_URL", f"sqlite:///{tmp_path / 'not-migrated.db'}")
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv(SPOOL_DIR_ENV, str(tmp_path / "file" / "spool"))
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    dispatcher = CollectingDispatcher()
    try:
        events = await ActionSubmitBooking().run(dispatcher, tracker(slots), DOMAIN)
    finally:
        dispose_engines()
    assert [m["response"] for m in dispatcher.messages] == ["utter_request_failed"]
    assert dispatcher.messages[0]["clinic_phone"] == CLINIC_PHONE
    assert cleared(events)


async def test_cancel_confirms_and_forgets_every_answer():
    dispatcher = CollectingDispatcher()
    events = await ActionCancelRequest().run(dispatcher, tracker(BOOKING_ANSWERS), DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_request_cancelled"
    assert cleared(events)


async def test_over_the_daily_limit_the_patient_is_told_clearly_and_nothing_is_stored(
    bookings_db: str,
):
    limit = get_settings().limits.booking_requests_per_day
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    for _ in range(limit):
        await ActionSubmitBooking().run(CollectingDispatcher(), tracker(slots), DOMAIN)
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, tracker(slots), DOMAIN)
    assert len(stored(bookings_db)) == limit
    [said] = dispatcher.messages
    assert said["response"] == "utter_request_daily_limit"
    assert said["request_daily_limit"] == limit and said["clinic_phone"] == get_settings().phone
    assert cleared(events)


# --- rough edges: asking for a person, declining a name, contact details after sending ---


@pytest.mark.parametrize(
    "text",
    ["can I talk to someone", "real person please", "I want a human", "just call me"],
)
async def test_asking_for_a_person_mid_form_is_not_taken_as_an_answer(text: str):
    for question, slots in (
        ("request_name", {}),
        ("request_contact", {"request_name": "Maria Lopez"}),
        ("request_consent", BOOKING_ANSWERS),
    ):
        filled, messages = await validate(asked(question, **slots), text, "human_handoff")
        assert set(filled) <= {REQUESTED_SLOT} and messages == [], (question, filled)


async def test_a_name_the_classifier_took_for_a_handoff_is_still_a_name():
    filled, messages = await validate(asked("request_name"), "Anna Staff", "human_handoff")
    assert filled["request_name"] == "Anna Staff" and messages == []
    filled, _ = await validate(asked("request_name"), "call me Sam", "human_handoff")
    assert filled["request_name"] == "Sam"


def test_handoff_interrupts_free_text_only_when_the_words_ask_for_a_person():
    assert interrupts(said("can I speak with somebody?", "human_handoff"), None, free_text=True)
    assert not interrupts(said("Ann Human", "human_handoff"), None, free_text=True)
    assert interrupts(said("Ann Human", "human_handoff"), None, free_text=False)
    # At the contact question an address is an answer, whatever the classifier said.
    contact = said("you can email me at sam@example.org", "human_handoff")
    assert not interrupts(contact, Reading(contact.text, exact=True), free_text=False)


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather not say",
        "rather not say, can I just call?",
        "no thanks",
        "none of your business",
        "prefer not to say",
        "not telling",
        "none",
        "just call me",
        "I don't want to give it",
    ],
)
def test_declining_or_a_sentence_is_not_a_name(text: str):
    with pytest.raises(UnusableAnswer) as caught:
        check_name(text)
    assert caught.value.response == "utter_request_name_needed"


def test_the_name_question_keeps_refusals_and_introduced_names_as_answers():
    assert read_name(said("I'd rather not say, can I just call?", "faq")).exact
    assert read_name(said("call me Sam", "human_handoff")) == Reading("Sam", exact=True)
    assert read_name(said("no thanks", "cancel")) is None  # stopping wins
    assert read_name(said("does it hurt?", "faq")) is None  # a question stays a question


def test_our_own_button_titles_are_read_from_the_domain():
    titles = button_titles(DOMAIN)
    assert {"request a callback", "book a consultation", "talk to a person"} <= titles
    assert check_name("Sam Lee", titles) == "Sam Lee"
    for typed in ["Request a callback", "  request A callback. ", "BOOK A CONSULTATION!"]:
        with pytest.raises(UnusableAnswer) as caught:
            check_name(typed, titles)
        assert caught.value.response == "utter_request_name_hint"


@pytest.mark.parametrize("form", [ValidateCallbackForm, ValidateBookingForm])
async def test_a_button_title_typed_at_the_name_question_is_not_taken_as_the_name(form: Any):
    """ "can someone ring me back" starts the call-back form at once; a patient who then
    types the button they expected ("Request a callback") must be asked for the name."""
    slots, messages = await validate(
        asked("request_name"), "Request a callback", "request_callback", action=form()
    )
    assert slots["request_name"] is None and slots[REQUESTED_SLOT] == "request_name"
    assert [m.get("response") for m in messages] == ["utter_request_name_hint"]


def test_names_that_look_like_words_stay_names():
    for name in ["I Wayan Sudarma", "Tran Thi My", "Will May", "Hope Adams", "Dan Rather"]:
        assert check_name(name) == name


async def test_declining_a_name_is_answered_at_the_name_question_with_the_phone():
    for intent in ("faq", "deny", "nlu_fallback"):  # whatever the classifier guessed
        filled, messages = await validate(
            asked("request_name"), "I'd rather not say, can I just call?", intent
        )
        assert filled["request_name"] is None and filled[REQUESTED_SLOT] == "request_name"
        assert [m["response"] for m in messages] == ["utter_request_name_needed"]
        assert messages[0]["clinic_phone"] == CLINIC_PHONE
    # "cancel" still stops the form rather than counting as a refusal
    filled, messages = await validate(asked("request_name"), "no, cancel", "cancel")
    assert set(filled) <= {REQUESTED_SLOT} and messages == []


async def test_stopping_for_a_person_forgets_the_answers_and_hands_off():
    dispatcher = CollectingDispatcher()
    events = await ActionStopRequestForHandoff().run(dispatcher, tracker(BOOKING_ANSWERS), DOMAIN)
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[0] == "utter_request_stopped_for_handoff"
    assert responses[1] in ("utter_handoff_open", "utter_handoff_closed")
    assert dispatcher.messages[1]["clinic_phone"] == CLINIC_PHONE
    assert cleared(events)


async def test_a_sent_request_leaves_its_reference_for_later_messages(bookings_db: str):
    slots = {
        **BOOKING_ANSWERS,
        "request_confirmed": True,
        "request_consent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    events = await ActionSubmitBooking().run(CollectingDispatcher(), tracker(slots), DOMAIN)
    [request] = stored(bookings_db)
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values["sent_request_reference"] == request.reference and cleared(events)


async def test_contact_details_after_sending_mention_the_request_not_an_faq():
    dispatcher = CollectingDispatcher()
    after = tracker({"sent_request_reference": "42"}, "maria@example.com", "share_details")
    assert await ActionContactDetails().run(dispatcher, after, DOMAIN) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_contact_after_request"
    assert (message["request_reference"], message["clinic_phone"]) == ("42", CLINIC_PHONE)

    dispatcher = CollectingDispatcher()
    before = tracker({}, "201 555 0123", "share_details")
    await ActionContactDetails().run(dispatcher, before, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_details_offer"]


async def test_a_contact_the_form_starts_with_sets_its_phone_and_email_too():
    """Typed before the form (details offer, then yes): the summary and the request need
    the phone and email slots, not only the contact the patient typed. Rasa's SDK drops an
    extracted slot the form does not ask for, so the form's own check must set them."""
    events = [
        {"event": "user", "text": "Sam Lee, (202) 555-0188 or sam@example.org"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_details_offer"}},
        {"event": "user", "text": "/request_booking", "parse_data": {"text": "/request_booking"}},
        {"event": "action", "name": "booking_form"},
    ]
    latest = {"text": "/request_booking", "intent": {"name": "request_booking"}}
    start = Tracker("p", {}, latest, events, False, None, {"name": "booking_form"}, "booking_form")
    result = await ValidateBookingForm().run(CollectingDispatcher(), start, DOMAIN)
    slots = {e["name"]: e["value"] for e in result if e["event"] == "slot"}
    assert slots["request_name"] == "Sam Lee"
    assert slots["request_phone"] == "+12025550188"
    assert slots["request_email"] == "sam@example.org"
    assert slots[REQUESTED_SLOT] == "request_pain_area"
