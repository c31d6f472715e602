"""Fuzzing the other servers of the shared stack: the action server (without and with its
secret), the public web page and the staff studio (issue 16, item 5).

Same rule as the chat fuzz tests: no 5xx, no stack trace or exception text in an answer,
the servers stay up, and afterwards "does it hurt?" gets its ordinary answer.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional

import pytest
import requests
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.action_server import AUTH_HEADER
from bot.settings import PROJECT_ROOT
from bot.stack import Stack
from tests.integration.test_fuzz_chat import METHODS, assert_still_answers
from tests.support.domain_actions import domain_action_names
from tests.support.fuzz import (
    as_body,
    assert_clean,
    fuzz_settings,
    header_values,
    json_headers,
    json_values,
    malformed_bodies,
    path_segments,
    query_strings,
    quoted,
    send,
    texts,
)
from tests.support.fuzz_corpus import form_body
from tests.support.fuzz_studio import Staff, signed_in_admin

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

ACTIONS: List[str] = domain_action_names(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text()))


# --- action server ------------------------------------------------------------------------
@fuzz_settings(80)
@given(
    method=METHODS,
    path=st.one_of(st.sampled_from(["webhook", "actions", ""]), path_segments),
    authorization=st.one_of(
        st.none(), header_values, header_values.map(lambda value: f"Bearer {value}")
    ),
    body=st.one_of(st.none(), malformed_bodies),
)
def test_action_server_without_the_secret_runs_nothing(
    stack: Stack, method: str, path: str, authorization: Optional[str], body: Any
):
    headers = {AUTH_HEADER: authorization} if authorization is not None else {}
    url = f"{stack.actions_url}/{path}"
    status, answer = send(url, body if method not in ("GET", "HEAD") else None, headers, method)
    assert_clean(status, answer, (body or b"") + url.encode(), f"actions {method} /{path[:40]}")
    if method == "OPTIONS" and status == 200:  # a CORS preflight: says nothing, runs nothing
        assert answer == b"", answer[:200]
    else:
        assert status in (0, 401), (status, answer[:200])  # before any action code


trackers = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "sender_id": st.one_of(texts, json_values),
            "slots": st.one_of(json_values, st.dictionaries(texts, json_values, max_size=4)),
            "latest_message": st.one_of(
                json_values,
                st.fixed_dictionaries({"text": texts, "intent": json_values}),
            ),
            "events": st.one_of(json_values, st.lists(json_values, max_size=4)),
        },
        optional={"active_loop": json_values, "followup_action": json_values},
    ),
)
action_calls = st.fixed_dictionaries(
    {
        "next_action": st.one_of(st.sampled_from(ACTIONS), texts),
        "tracker": trackers,
    },
    optional={"domain": json_values, "sender_id": json_values, "version": json_values},
)


@fuzz_settings(60)
@given(call=st.one_of(action_calls, json_values, malformed_bodies))
def test_action_server_with_the_secret_never_fails_on_bad_input(stack: Stack, call: Any):
    """What Rasa would send, with every field wrong in turn: a 4xx, never a 5xx."""
    body = as_body(call)
    headers = json_headers({AUTH_HEADER: f"Bearer {stack.action_token}"})
    status, answer = send(f"{stack.actions_url}/webhook", body, headers)
    assert_clean(status, answer, body, "action server")


def paths_among(known: List[str], max_size: int) -> st.SearchStrategy[List[str]]:
    """URL path segments: this server's own mixed with fuzzed ones."""
    return st.lists(st.one_of(st.sampled_from(known), path_segments), max_size=max_size)


# --- the public web page ------------------------------------------------------------------
@fuzz_settings(80)
@given(
    method=METHODS,
    segments=paths_among(["js", "css", "vendor", "config.json", "static"], max_size=4),
    query=query_strings,
    body=st.one_of(st.none(), malformed_bodies),
    header=header_values,
)
def test_web_page_any_request(
    stack: Stack, method: str, segments: List[str], query: str, body: Any, header: str
):
    url = f"{stack.web_url}{'/'.join(segments)}" + (f"?{query}" if query else "")
    headers = {"Accept-Language": header, "Range": f"bytes={header}", "If-None-Match": header}
    status, answer = send(url, body if method not in ("GET", "HEAD") else None, headers, method)
    assert_clean(status, answer, (body or b"") + url.encode(), f"web {method} {url[-60:]}")


# --- the staff studio ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def admin(stack: Stack, stack_database: str) -> Staff:
    """A signed-in admin of the shared stack's studio (account made with our own code)."""
    return signed_in_admin(stack_database, stack.web_url or "")


def assert_studio_clean(response: requests.Response, sent: bytes, what: str) -> None:
    assert_clean(response.status_code, response.content, sent, what)


@fuzz_settings(60)
@given(
    method=METHODS,
    segments=paths_among(
        [
            "sign-in",
            "users",
            "audit",
            "static",
            "role",
            "answers",
            "topics",
            "examples",
            "inbox",
            "analytics",
            "analytics.csv",
            "conversations",
        ],
        max_size=3,
    ),
    query=query_strings,
    cookie=header_values,
    body=st.one_of(st.none(), malformed_bodies),
)
def test_studio_anonymous_requests(
    stack: Stack, method: str, segments: List[str], query: str, cookie: str, body: Any
):
    url = f"{stack.web_url}staff/{'/'.join(segments)}" + (f"?{query}" if query else "")
    headers = {"Cookie": f"pit_staff={cookie}", "Content-Type": "application/x-www-form-urlencoded"}
    status, answer = send(url, body if method not in ("GET", "HEAD") else None, headers, method)
    assert_clean(status, answer, (body or b"") + url.encode() + cookie.encode(), "studio")


@fuzz_settings(12)  # each sign-in hashes with argon2 on purpose: slow
@given(username=texts, password=texts, next_page=texts)
def test_studio_sign_in_with_fuzzed_fields(stack: Stack, username: str, password: str, next_page):
    staff = Staff(stack.web_url or "")
    fields = {"username": username, "password": password, "csrf_token": staff.token()}
    response = staff.post(f"sign-in?next={quoted(next_page)}", fields)
    assert_studio_clean(response, form_body(fields), "studio sign-in")


@fuzz_settings(40)
@given(
    action=st.sampled_from(["users", "role", "unlock", "active", "password", "audit", "home"]),
    username=texts,
    value=texts,
    page=st.one_of(texts, st.integers().map(str), st.sampled_from(["9" * 30, "-1", "1e9"])),
)
def test_studio_signed_in_admin_with_fuzzed_forms(
    admin: Staff, action: str, username: str, value: str, page: str
):
    """Every admin form and page with fuzzed fields; the CSRF token is the real one."""
    if action in ("audit", "home"):
        path = f"{'audit' if action == 'audit' else ''}?page={quoted(page)}"
        response = admin.http.get(admin.base + path, timeout=60)
        assert_studio_clean(response, path.encode(), f"studio {action}")
        return
    token = admin.token("users")
    fields = {"csrf_token": token, "role": value, "active": value, "password": value}
    if action == "users":
        fields.update(username=username, password_again=value)
        path = "users"
    else:
        fields["password_again"] = value
        path = f"users/{quoted(username)}/{action}"
    response = admin.post(path, fields)
    assert_studio_clean(response, form_body(fields) + path.encode(), f"studio {action}")


@fuzz_settings(30)
@given(
    page=st.sampled_from(["answer", "examples", "topic", "check"]),
    name=st.one_of(
        st.sampled_from(["utter_faq/does_it_hurt", "utter_greet", "utter_red_flag_emergency"]),
        texts,
    ),
    text=texts,
    other=texts,
)
def test_studio_answer_and_topic_forms_with_fuzzed_fields(
    admin: Staff, page: str, name: str, text: str, other: str
):
    """The answer, examples and new-topic forms (drafts only: nothing reaches patients)
    and the live check, with fuzzed fields and the real CSRF token."""
    token = admin.token("answers")
    if page == "check":
        body = {"name": name, "text": text, "sources": [other], "buttons": [{"title": other}]}
        response = admin.http.post(
            admin.base + "answers/check",
            data=json.dumps(body).encode(),  # ASCII JSON: lone surrogates travel as escapes
            headers={"X-CSRFToken": token, "Content-Type": "application/json"},
            timeout=60,
        )
        sent = (name + text + other).encode("utf-8", "surrogatepass")
        assert_studio_clean(response, sent, "studio check")
        return
    fields = {"csrf_token": token, "action": "draft", "latest": other, "sources": other}
    if page == "answer":
        fields.update(text=text, button_title_0=other, button_payload_0=other)
        path = f"answers/{quoted(name)}"
    elif page == "examples":
        fields.update(examples=text)
        path = f"answers/{quoted(name)}/examples"
    else:
        fields.update(title=other, examples=text, text=text)
        path = "topics/new"
    response = admin.post(path, fields)
    assert_studio_clean(response, form_body(fields) + path.encode(), f"studio {page}")


@fuzz_settings(30)
@given(
    page=st.sampled_from(["inbox", "decide", "analytics", "csv", "conversations", "transcript"]),
    first=texts,
    second=texts,
    number=st.one_of(texts, st.integers().map(str), st.sampled_from(["9" * 30, "-1", "1,2,x"])),
)
def test_studio_inbox_analytics_and_conversations_with_fuzzed_fields(
    admin: Staff, page: str, first: str, second: str, number: str
):
    """The inbox (filters and decisions), analytics, CSV and conversation pages with fuzzed
    query strings and forms; decisions use the real CSRF token."""
    if page == "decide":
        fields = {
            "csrf_token": admin.token("inbox"),
            "ids": number,
            "action": first,
            "topic": second,
            "publish": second,
            "red_flag_checked": first,
        }
        response = admin.post("inbox", fields)
        assert_studio_clean(response, form_body(fields), "studio inbox decision")
        return
    query = f"from={quoted(first)}&to={quoted(second)}&channel={quoted(first)}"
    path = {
        "inbox": f"inbox?{query}",
        "analytics": f"analytics?{query}",
        "csv": f"analytics.csv?{query}",
        "conversations": f"conversations?{query}&q={quoted(second)}&page={quoted(number)}"
        f"&red_flag={quoted(first)}&request={quoted(second)}",
        "transcript": f"conversations/{quoted(number)}",
    }[page]
    response = admin.http.get(admin.base + path, timeout=60)
    assert_studio_clean(response, path.encode(), f"studio {page}")


def test_servers_still_answer_after_fuzzing(stack: Stack, admin: Staff):
    assert admin.http.get(admin.base + "users", timeout=30).status_code == 200
    status, _ = send(stack.web_url or "", method="GET")
    assert status == 200
    status, _ = send(f"{stack.actions_url}/health", method="GET")
    assert status == 200
    assert_still_answers(stack)
