"""Fuzzing the messaging-channel webhooks (Twilio, WhatsApp Cloud API, Telegram, Messenger)
on the channels' shared stack (issue 16, item 5).

Unsigned or wrongly signed deliveries must get 403 (400 when over 64 KB) whatever they
contain. Signed ones are malformed bodies or the provider's real shape with one part
replaced by something wrong (type, size, Unicode): never a 5xx or a stack trace, and
afterwards a patient on every channel still gets the ordinary answer.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.stack import Stack
from tests.support.fake_providers import FakeProviderApi
from tests.support.fuzz import (
    ORDINARY_ANSWER,
    ORDINARY_QUESTION,
    assert_clean,
    fuzz_settings,
    header_values,
    json_values,
    malformed_bodies,
    texts,
)
from tests.support.fuzz_channels import CHANNELS, deliver_signed, envelope, make_user
from tests.support.fuzz_corpus import paths, replaced

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]
# A parameter, not a fixture: Hypothesis refuses function-scoped fixtures in @given tests.
per_channel = pytest.mark.parametrize("channel", CHANNELS)


@per_channel
@fuzz_settings(15)
@given(body=malformed_bodies, signature=st.one_of(st.none(), header_values))
def test_unsigned_deliveries_are_refused_whatever_they_hold(
    channel: str, stack: Stack, fake_api: FakeProviderApi, body: bytes, signature
):
    user = make_user(channel, stack.rasa_url, fake_api)
    status, answer = user.deliver_raw(body, signature=signature or None)
    assert_clean(status, answer, body, f"{channel} unsigned")
    assert status in (400, 403), (status, answer[:200])


@per_channel
@fuzz_settings(12)
@given(body=malformed_bodies)
def test_signed_malformed_bodies_get_a_clean_answer(
    channel: str, stack: Stack, fake_api: FakeProviderApi, body: bytes
):
    user = make_user(channel, stack.rasa_url, fake_api)
    status, answer, sent = deliver_signed(user, body)
    assert_clean(status, answer, sent, f"{channel} signed body")


@per_channel
@fuzz_settings(15)
@given(data=st.data(), text=texts)
def test_signed_deliveries_with_one_part_wrong(
    channel: str, stack: Stack, fake_api: FakeProviderApi, data: st.DataObject, text: str
):
    """The provider's shape with fuzzed text, and one key or value replaced by junk."""
    user = make_user(channel, stack.rasa_url, fake_api)
    payload = envelope(user, text)
    where = data.draw(st.sampled_from(paths(payload)), label="where")
    payload = replaced(payload, where, data.draw(json_values, label="junk"))
    status, answer, sent = deliver_signed(user, payload)
    assert_clean(status, answer, sent, f"{channel} signed {where}")


@per_channel
def test_every_channel_still_answers_after_fuzzing(
    channel: str, stack: Stack, fake_api: FakeProviderApi
):
    user = make_user(channel, stack.rasa_url, fake_api)
    status, _ = user.deliver_text(ORDINARY_QUESTION)
    assert status == 200
    replies = fake_api.wait_for(user.is_reply, 1, timeout=120)
    assert any(ORDINARY_ANSWER in user.read(call)[0] for call in replies), replies
