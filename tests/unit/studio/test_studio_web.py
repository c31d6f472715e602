"""Studio behaviour that needs a controlled clock or scheme: the idle timeout and the
Secure cookie over HTTPS (the browser tests cover the rest on the real web process)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot.bookings.db import session_scope
from bot.studio import accounts
from bot.web.app import create_app

PASSWORD = "a long enough passphrase"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def _app(factory, tmp_path, clock=None, **extra):
    with session_scope(factory) as work:
        accounts.create_user(work, "nora", "editor", PASSWORD, "test")
    url = str(factory.kw["bind"].url)
    options = {"database_url": url, "secret_key": "s" * 40, **extra}
    if clock:
        options["clock"] = clock
    return create_app(studio=options)


def _sign_in(client, base="", next_page=None):
    page = client.get(f"{base}/staff/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "nora", "password": PASSWORD, "csrf_token": token}
    query = {"next": next_page} if next_page else None
    # Over HTTPS the CSRF check also wants the form to come from our own page.
    headers = {"Referer": f"{base}/staff/sign-in"} if base else {}
    return client.post(f"{base}/staff/sign-in", data=form, query_string=query, headers=headers)


def test_an_idle_session_ends_and_the_sign_in_page_says_why(factory, tmp_path):
    clock = Clock()
    app = _app(factory, tmp_path, clock, idle_timeout=timedelta(minutes=30))
    client = app.test_client()
    assert _sign_in(client).status_code == 302
    clock.now += timedelta(minutes=29)
    assert client.get("/staff/").status_code == 200
    clock.now += timedelta(minutes=29)  # 58 minutes in, but active 29 minutes ago
    assert client.get("/staff/").status_code == 200
    clock.now += timedelta(minutes=31)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).text
    assert "signed out after a period of inactivity" in page


def test_cookie_is_secure_over_https_only(factory, tmp_path):
    app = _app(factory, tmp_path)
    secure = _sign_in(app.test_client(), "https://studio.example").headers["Set-Cookie"]
    assert "Secure" in secure and "HttpOnly" in secure and "SameSite=Strict" in secure
    with session_scope(factory) as work:  # the sign-in above must not count as a failure
        assert accounts.find_user(work, "nora").failed_sign_ins == 0
    plain = _sign_in(app.test_client()).headers["Set-Cookie"]
    assert "Secure" not in plain


def test_next_never_leads_off_the_studio(factory, tmp_path):
    client = _app(factory, tmp_path).test_client()
    for target in ("https://evil.example/staff/", "//evil.example/", "/elsewhere", "/staff\\@x"):
        response = _sign_in(client, next_page=target)
        assert response.headers["Location"] == "/staff/", target
        client.post("/staff/sign-out", data={"csrf_token": _token(client)})


def _token(client) -> str:
    page = client.get("/staff/").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_good_next_page_is_followed(factory, tmp_path):
    client = _app(factory, tmp_path).test_client()
    assert _sign_in(client, next_page="/staff/?x=1").headers["Location"] == "/staff/?x=1"


def test_an_absurd_audit_page_number_is_an_empty_page_not_a_server_error(factory, tmp_path):
    """Found by the fuzz tests: ?page=10**20 overflowed SQLite's integer offset (HTTP 500)."""
    with session_scope(factory) as work:
        accounts.create_user(work, "ada", "admin", "the admin passphrase", "test")
    client = _app(factory, tmp_path).test_client()
    page = client.get("/staff/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "ada", "password": "the admin passphrase", "csrf_token": token}
    assert client.post("/staff/sign-in", data=form).status_code == 302
    for number in ("9" * 30, str(2**62), "-5", "x"):
        response = client.get(f"/staff/audit?page={number}")
        assert response.status_code == 200, number
        assert "Traceback" not in response.text
