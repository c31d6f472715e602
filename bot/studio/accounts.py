"""Staff accounts: creation, roles, password checks and the sign-in lock.

Passwords are hashed with argon2id (argon2-cffi's defaults). After
:data:`MAX_FAILED_SIGN_INS` wrong passwords in a row an account is locked for
:data:`LOCK_DURATION`; while locked, even the right password is refused, so
guessing cannot continue in the background.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.bookings.models import utcnow
from bot.studio import audit
from bot.studio.models import ROLES, StaffUser

MAX_FAILED_SIGN_INS = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing cost grows with length: refuse absurd inputs
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A request about an account that cannot be done; the message says why."""


def role_allows(role: str, needed: str) -> bool:
    """Roles are ranked editor < publisher < admin; a higher role may do what lower ones do."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "Usernames are 2 to 64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return username


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")
    return role


def check_password(password: str, username: str = "") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if username and username.lower() in password.lower():
        raise AccountError("The password must not contain the username.")
    return password


def find_user(session: Session, username: str) -> Optional[StaffUser]:
    query = select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
    return session.execute(query).scalar_one_or_none()


def list_users(session: Session) -> List[StaffUser]:
    return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())


def create_user(session: Session, username: str, role: str, password: str, actor: str) -> StaffUser:
    """A new active account; refused (with the reason) if the name is taken or invalid."""
    username = check_username(username)
    check_role(role)
    check_password(password, username)
    existing = find_user(session, username)
    if existing is not None:
        raise AccountError(f"There is already an account named '{existing.username}'.")
    user = StaffUser(
        username=username, role=role, password_hash=_hasher.hash(password), active=True
    )
    user.failed_sign_ins = 0
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", username, None, user.public())
    return user


def set_role(session: Session, user: StaffUser, role: str, actor: str) -> None:
    check_role(role)
    before = user.public()
    user.role = role
    audit.record(session, actor, "user.role", user.username, before, user.public())


def set_active(session: Session, user: StaffUser, active: bool, actor: str) -> None:
    before = user.public()
    user.active = active
    if not active:
        from bot.studio.sessions import end_all_sessions

        end_all_sessions(session, user)
    action = "user.enable" if active else "user.disable"
    audit.record(session, actor, action, user.username, before, user.public())


def set_password(session: Session, user: StaffUser, password: str, actor: str) -> None:
    check_password(password, user.username)
    user.password_hash = _hasher.hash(password)
    from bot.studio.sessions import end_all_sessions

    end_all_sessions(session, user)
    audit.record(session, actor, "user.password", user.username, None, None)


def unlock(session: Session, user: StaffUser, actor: str) -> None:
    before = {"failed_sign_ins": user.failed_sign_ins, "locked": user.locked_until is not None}
    user.failed_sign_ins = 0
    user.locked_until = None
    after = {"failed_sign_ins": 0, "locked": False}
    audit.record(session, actor, "user.unlock", user.username, before, after)


def is_locked(user: StaffUser, now: Optional[datetime] = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


@dataclass
class SignInResult:
    user: Optional[StaffUser]
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None


WRONG_CREDENTIALS = "Wrong username or password."


def _locked_message(user: StaffUser, now: datetime) -> str:
    minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
    return (
        f"This account is locked after {MAX_FAILED_SIGN_INS} failed sign-ins. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or ask an admin to unlock it."
    )


def authenticate(
    session: Session, username: str, password: str, now: Optional[datetime] = None
) -> SignInResult:
    """Check a sign-in, count failures, lock after too many; every outcome is audited."""
    now = now or utcnow()
    user = find_user(session, username) if username.strip() else None
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        name = username.strip()[:64] or "(empty)"
        audit.record(session, name, "sign_in.failed", name, detail="unknown or disabled account")
        return SignInResult(None, WRONG_CREDENTIALS)
    if is_locked(user, now):
        audit.record(session, user.username, "sign_in.refused", user.username, detail="locked")
        return SignInResult(None, _locked_message(user, now))
    if not _verify(user.password_hash, password):
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
        audit.record(
            session, user.username, "sign_in.failed", user.username, detail="wrong password"
        )
        if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            user.locked_until = now + LOCK_DURATION
            user.failed_sign_ins = 0
            audit.record(
                session,
                user.username,
                "user.locked",
                user.username,
                {"locked": False},
                {"locked": True, "until": user.locked_until.isoformat()},
            )
            return SignInResult(None, _locked_message(user, now))
        return SignInResult(None, WRONG_CREDENTIALS)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    audit.record(session, user.username, "sign_in", user.username)
    return SignInResult(user)


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
