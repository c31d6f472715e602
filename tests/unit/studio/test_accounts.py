"""Staff accounts: argon2 hashes, roles, the 5-failure lock, sessions and their idle timeout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.bookings.db import session_scope
from bot.studio import accounts
from bot.studio.models import AuditEntry, StaffSession
from bot.studio.sessions import end_session, resume_session, start_session

PASSWORD = "a long enough passphrase"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def _add(factory, name="nora", role="editor"):
    with session_scope(factory) as work:
        accounts.create_user(work, name, role, PASSWORD, "test")


def _sign_in(factory, name, password, now=T0):
    with session_scope(factory) as work:
        result = accounts.authenticate(work, name, password, now)
        return result.ok, result.message


def _actions(factory):
    with session_scope(factory) as work:
        return [
            e.action for e in work.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


def test_password_is_stored_only_as_an_argon2_hash(factory):
    _add(factory)
    with session_scope(factory) as work:
        user = accounts.find_user(work, "nora")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert _sign_in(factory, "NORA", PASSWORD) == (True, "")


@pytest.mark.parametrize(
    "name, role, password, message",
    [
        ("x", "editor", PASSWORD, "Usernames are 2 to 64"),
        ("bad name", "editor", PASSWORD, "Usernames are 2 to 64"),
        ("nina", "owner", PASSWORD, "Unknown role 'owner'"),
        ("nina", "editor", "short", "at least 12"),
        ("nina", "editor", "nina-is-my-password", "must not contain the username"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(factory, name, role, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        with session_scope(factory) as work:
            accounts.create_user(work, name, role, password, "test")


def test_duplicate_usernames_are_refused_whatever_the_case(factory):
    _add(factory)
    with pytest.raises(accounts.AccountError, match="already an account named 'nora'"):
        with session_scope(factory) as work:
            accounts.create_user(work, "Nora", "admin", PASSWORD, "test")


def test_roles_are_ranked():
    assert accounts.role_allows("admin", "publisher") and accounts.role_allows(
        "publisher", "editor"
    )
    assert not accounts.role_allows("editor", "publisher")
    assert not accounts.role_allows("publisher", "admin")
    assert not accounts.role_allows("nobody", "editor")


def test_five_failures_lock_the_account_for_15_minutes_even_for_the_right_password(factory):
    _add(factory)
    for _ in range(4):
        assert _sign_in(factory, "nora", "wrong password!!", T0) == (
            False,
            accounts.WRONG_CREDENTIALS,
        )
    ok, message = _sign_in(factory, "nora", "wrong password!!", T0)
    assert not ok and "locked after 5 failed sign-ins" in message and "15 minutes" in message
    ok, message = _sign_in(factory, "nora", PASSWORD, T0 + timedelta(minutes=14, seconds=59))
    assert not ok and "locked" in message
    assert _sign_in(factory, "nora", PASSWORD, T0 + timedelta(minutes=15, seconds=1))[0]
    assert "user.locked" in _actions(factory)


def test_a_success_resets_the_failure_count(factory):
    _add(factory)
    for _ in range(4):
        _sign_in(factory, "nora", "wrong password!!")
    assert _sign_in(factory, "nora", PASSWORD)[0]
    for _ in range(4):
        _sign_in(factory, "nora", "wrong password!!")
    assert _sign_in(factory, "nora", PASSWORD)[0]


def test_unknown_and_disabled_accounts_get_the_same_answer_as_a_wrong_password(factory):
    _add(factory)
    assert _sign_in(factory, "nobody", PASSWORD) == (False, accounts.WRONG_CREDENTIALS)
    with session_scope(factory) as work:
        accounts.set_active(work, accounts.find_user(work, "nora"), False, "test")
    assert _sign_in(factory, "nora", PASSWORD) == (False, accounts.WRONG_CREDENTIALS)


def test_admin_unlock_clears_the_lock(factory):
    _add(factory)
    for _ in range(5):
        _sign_in(factory, "nora", "wrong password!!")
    with session_scope(factory) as work:
        accounts.unlock(work, accounts.find_user(work, "nora"), "admin1")
    assert _sign_in(factory, "nora", PASSWORD)[0]


def test_sessions_end_when_idle_and_on_sign_out(factory):
    _add(factory)
    with session_scope(factory) as work:
        token = start_session(work, accounts.find_user(work, "nora"), T0)
    idle = timedelta(minutes=30)
    with session_scope(factory) as work:
        user, expired = resume_session(work, token, idle, T0 + timedelta(minutes=29))
        assert user.username == "nora" and not expired
    with session_scope(factory) as work:  # activity at 29 min moved the deadline
        assert resume_session(work, token, idle, T0 + timedelta(minutes=58))[0] is not None
    with session_scope(factory) as work:
        assert resume_session(work, token, idle, T0 + timedelta(minutes=89)) == (None, True)
    with session_scope(factory) as work:
        assert work.execute(select(StaffSession)).first() is None  # deleted, not kept
        token = start_session(work, accounts.find_user(work, "nora"), T0)
    with session_scope(factory) as work:
        end_session(work, token)
    with session_scope(factory) as work:
        assert resume_session(work, token, idle, T0) == (None, False)


def test_only_a_digest_of_the_session_token_is_stored(factory):
    _add(factory)
    with session_scope(factory) as work:
        token = start_session(work, accounts.find_user(work, "nora"), T0)
    with session_scope(factory) as work:
        stored = work.execute(select(StaffSession.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_new_password_or_disabling_ends_every_session(factory):
    _add(factory)
    with session_scope(factory) as work:
        user = accounts.find_user(work, "nora")
        token = start_session(work, user, T0)
    with session_scope(factory) as work:
        accounts.set_password(work, accounts.find_user(work, "nora"), "another long phrase", "a")
    with session_scope(factory) as work:
        assert resume_session(work, token, timedelta(minutes=30), T0)[0] is None


def test_every_account_change_is_audited_without_secrets(factory):
    _add(factory)
    with session_scope(factory) as work:
        user = accounts.find_user(work, "nora")
        accounts.set_role(work, user, "publisher", "boss")
        accounts.set_password(work, user, "another long phrase", "boss")
    with session_scope(factory) as work:
        entries = list(work.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
    assert [e.action for e in entries] == ["user.create", "user.role", "user.password"]
    role_change = entries[1]
    assert (role_change.actor, role_change.target) == ("boss", "nora")
    assert role_change.before["role"] == "editor" and role_change.after["role"] == "publisher"
    assert role_change.at.tzinfo is not None
    everything = repr([(e.before, e.after, e.detail) for e in entries])
    assert "argon2" not in everything and "another long phrase" not in everything
