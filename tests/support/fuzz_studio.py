"""A browser-like session on the staff studio for the fuzz tests and bench/fuzz_bench.py:
cookies, the CSRF token of the studio's own pages, and an admin made with our own code."""

from __future__ import annotations

import re
from typing import Dict

import requests

from bot.bookings.db import session_factory, session_scope, upgrade_database
from bot.studio import accounts
from tests.support.fuzz_corpus import form_body

FUZZ_ADMIN, FUZZ_PASSWORD = "fuzz-admin", "a fuzzing admin passphrase"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Staff:
    """One studio session (like one browser profile)."""

    def __init__(self, web_url: str) -> None:
        self.base = web_url.rstrip("/") + "/staff/"
        self.http = requests.Session()

    def token(self, page: str = "sign-in") -> str:
        found = _CSRF.search(self.http.get(self.base + page, timeout=30).text)
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def post(self, path: str, fields: Dict[str, str], timeout: float = 60) -> requests.Response:
        return self.http.post(
            self.base + path,
            data=form_body(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
            timeout=timeout,
        )


def signed_in_admin(database_url: str, web_url: str) -> Staff:
    """An admin account in the studio's database, signed in through the real form."""
    upgrade_database(database_url)
    with session_scope(session_factory(database_url)) as work:
        if accounts.find_user(work, FUZZ_ADMIN) is None:
            accounts.create_user(work, FUZZ_ADMIN, "admin", FUZZ_PASSWORD, "tests")
    staff = Staff(web_url)
    form = {"username": FUZZ_ADMIN, "password": FUZZ_PASSWORD, "csrf_token": staff.token()}
    response = staff.post("sign-in", form)
    assert response.status_code == 302, (response.status_code, response.text[:300])
    return staff
