"""The studio's pages under /staff/: sign-in, home, users (admins), audit log (admins).

Every page needs a signed-in user; each action names the lowest role allowed to do it
(:func:`requires`). Forms are protected by Flask-WTF's CSRF token, and every change
is written to the audit log in the same transaction as the change itself.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import Callable, Iterator, Optional, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from bot.settings import get_settings
from bot.studio import accounts, audit
from bot.studio.app import studio_options
from bot.studio.models import ROLES
from bot.studio.sessions import end_session, resume_session, start_session

studio = Blueprint("studio", __name__, template_folder="templates", static_folder="static")
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])

ROLE_DESCRIPTIONS = {
    "editor": "drafts changes to answers and example questions for a publisher to review",
    "publisher": "also publishes changes, retrains the assistant and rolls a model back",
    "admin": "also manages staff accounts and reads the audit log",
}


@contextmanager
def db() -> Iterator[Session]:
    """One unit of work on the studio database: commit on success."""
    from bot.bookings.db import session_scope

    with session_scope(studio_options(current_app).session_factory()) as work:
        yield work


def now() -> datetime:
    return studio_options(current_app).clock()


@studio.before_request
def load_user() -> None:
    g.staff_user = None
    g.session_expired = False
    token = session.get("token")
    if not token:
        return
    with db() as work:
        user, expired = resume_session(work, token, studio_options(current_app).idle_timeout, now())
        if user is not None:
            work.expunge(user)
    if user is None:
        session.clear()
        g.session_expired = expired
    g.staff_user = user


@studio.app_context_processor
def template_globals() -> dict:
    user = g.get("staff_user")
    return {
        "staff_user": user,
        "may": may,
        "clinic_name": get_settings().name,
    }


def requires(role: str) -> Callable[[View], View]:
    """Sign-in needed; below ``role`` is 403 (the page says what role is needed)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: object, **kwargs: object) -> ResponseReturnValue:
            if g.staff_user is None:
                if g.session_expired:
                    flash(
                        "You were signed out after a period of inactivity. Sign in again.", "info"
                    )
                return redirect(url_for("studio.sign_in", next=request.full_path.rstrip("?")))
            if not accounts.role_allows(g.staff_user.role, role):
                abort(403, description=f"This needs the {role} role or higher.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def may(role: str) -> bool:
    """Whether the signed-in staff member has ``role`` or a higher one."""
    user = g.get("staff_user")
    return user is not None and accounts.role_allows(user.role, role)


def _safe_next(target: Optional[str]) -> str:
    """Only studio paths on this site: never an open redirect."""
    home = url_for("studio.home")
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(home) or "\\" in target:
        return home
    return target


# --- sign-in -------------------------------------------------------------------------
@studio.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    if g.staff_user is not None and request.method == "GET":
        return redirect(url_for("studio.home"))
    error = ""
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        with db() as work:
            result = accounts.authenticate(work, username, password, now())
            user = result.user
            token = start_session(work, user, now()) if user is not None else None
        if token:
            session.clear()  # a new session: nothing from before sign-in carries over
            session["token"] = token
            return redirect(_safe_next(request.args.get("next")))
        error = result.message
    status = 401 if error else 200
    return Response(render_template("sign_in.html", error=error, username=username), status=status)


@studio.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    token = session.get("token")
    with db() as work:
        end_session(work, token)
        if g.staff_user is not None:
            audit.record(work, g.staff_user.username, "sign_out", g.staff_user.username)
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("studio.sign_in"))


# --- home ---------------------------------------------------------------------------------
@studio.route("/")
@requires("editor")
def home() -> ResponseReturnValue:
    return render_template("home.html", role_descriptions=ROLE_DESCRIPTIONS, roles=ROLES)


# --- users (admins) -----------------------------------------------------------------------
@studio.route("/users")
@requires("admin")
def users() -> ResponseReturnValue:
    with db() as work:
        people = accounts.list_users(work)
        for person in people:
            person.locked_now = accounts.is_locked(person, now())
        work.expunge_all()
    return render_template("users.html", people=people, roles=ROLES)


def _user_change(action: Callable[[Session, accounts.StaffUser], str]) -> ResponseReturnValue:
    """Run one change on the named account; messages say what happened or why not."""
    name = (request.view_args or {})["username"]
    try:
        with db() as work:
            user = accounts.find_user(work, name)
            if user is None:
                abort(404, description=f"There is no account named '{name}'.")
            message = action(work, user)
        flash(message, "success")
    except accounts.AccountError as error:
        flash(str(error), "error")
    return redirect(url_for("studio.users"))


def _not_yourself(user: accounts.StaffUser, what: str) -> None:
    if user.id == g.staff_user.id:
        raise accounts.AccountError(f"You cannot {what} your own account; ask another admin.")


@studio.route("/users", methods=["POST"])
@requires("admin")
def add_user() -> ResponseReturnValue:
    username = request.form.get("username", "")
    role = request.form.get("role", "")
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        flash("The two passwords are not the same; nothing was saved.", "error")
        return redirect(url_for("studio.users"))
    try:
        with db() as work:
            user = accounts.create_user(work, username, role, password, g.staff_user.username)
            created = user.username
        flash(f"Account '{created}' created with the {role} role.", "success")
    except accounts.AccountError as error:
        flash(f"{error} Nothing was saved.", "error")
    return redirect(url_for("studio.users"))


@studio.route("/users/<username>/role", methods=["POST"])
@requires("admin")
def change_role(username: str) -> ResponseReturnValue:
    def action(work: Session, user: accounts.StaffUser) -> str:
        _not_yourself(user, "change the role of")
        role = request.form.get("role", "")
        accounts.set_role(work, user, role, g.staff_user.username)
        return f"{user.username} is now {role}."

    return _user_change(action)


@studio.route("/users/<username>/unlock", methods=["POST"])
@requires("admin")
def unlock_user(username: str) -> ResponseReturnValue:
    def action(work: Session, user: accounts.StaffUser) -> str:
        accounts.unlock(work, user, g.staff_user.username)
        return f"{user.username} is unlocked."

    return _user_change(action)


@studio.route("/users/<username>/active", methods=["POST"])
@requires("admin")
def set_active(username: str) -> ResponseReturnValue:
    def action(work: Session, user: accounts.StaffUser) -> str:
        active = request.form.get("active") == "1"
        if not active:
            _not_yourself(user, "disable")
        accounts.set_active(work, user, active, g.staff_user.username)
        return f"{user.username} is {'enabled' if active else 'disabled and signed out'}."

    return _user_change(action)


@studio.route("/users/<username>/password", methods=["POST"])
@requires("admin")
def reset_password(username: str) -> ResponseReturnValue:
    def action(work: Session, user: accounts.StaffUser) -> str:
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            raise accounts.AccountError("The two passwords are not the same; nothing was saved.")
        accounts.set_password(work, user, password, g.staff_user.username)
        return f"New password set for {user.username}; their sessions were ended."

    return _user_change(action)


# --- audit log (admins) -------------------------------------------------------------------
AUDIT_PAGE_SIZE = 100
# Far beyond any real log (100 million entries), and the offset stays well inside the
# databases' 64-bit integers: ?page=10**20 once made SQLite raise OverflowError (a 500).
MAX_AUDIT_PAGE = 1_000_000


def page_number(requested: Optional[int]) -> int:
    """The page asked for, within 1..MAX_AUDIT_PAGE (past the end is an empty page)."""
    return min(MAX_AUDIT_PAGE, max(1, requested or 1))


@studio.route("/audit")
@requires("admin")
def audit_log() -> ResponseReturnValue:
    page = page_number(request.args.get("page", 1, type=int))
    with db() as work:
        entries = audit.recent(work, AUDIT_PAGE_SIZE + 1, (page - 1) * AUDIT_PAGE_SIZE)
        work.expunge_all()
    more = len(entries) > AUDIT_PAGE_SIZE
    return render_template("audit.html", entries=entries[:AUDIT_PAGE_SIZE], page=page, more=more)


# --- errors -----------------------------------------------------------------------------
def studio_error(error: HTTPException) -> Response:
    """A studio page for every error, CSRF failures included, with a way back."""
    if isinstance(error, CSRFError):
        title = "This form has expired"
        message = (
            "The form was not sent from an open studio page, or it is too old. "
            "Nothing was changed. Go back, reload the page and try again."
        )
    else:
        title = error.name
        message = error.description or ""
    code = error.code or 500
    user = g.get("staff_user")
    page = render_template("error.html", title=title, message=message, code=code, staff_user=user)
    return Response(page, status=code)
