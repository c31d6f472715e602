"""The studio's conversation list and transcript pages (masked, never the sender id)."""

from __future__ import annotations

from typing import Optional

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from bot.studio.inbox import conversations
from bot.studio.inbox.analytics import known_channels
from bot.studio.inbox.page_filters import page_filters, utc_minute
from bot.studio.topic_views import faq_titles
from bot.studio.views import db, requires, studio


def _yes_no(name: str) -> Optional[bool]:
    return {"yes": True, "no": False}.get(request.args.get(name, ""))


@studio.route("/conversations")
@requires("editor")
def conversation_list() -> ResponseReturnValue:
    chosen = page_filters()
    search = request.args.get("q", "")[: conversations.MAX_SEARCH]
    page = request.args.get("page", 1, type=int) or 1
    page = min(max(page, 1), 100_000)
    with db() as work:
        rows, more = conversations.listing(
            work, chosen.filters, search, _yes_no("red_flag"), _yes_no("request"), page
        )
        channels = known_channels(work)
    arguments = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "conversations.html",
        rows=rows,
        more=more,
        page=page,
        arguments=arguments,
        search=search,
        red_flag=request.args.get("red_flag", ""),
        wanted_request=request.args.get("request", ""),
        titles=faq_titles(),
        when=utc_minute,
        **chosen.form(channels),
    )


@studio.route("/conversations/<int:conversation_id>")
@requires("editor")
def conversation(conversation_id: int) -> ResponseReturnValue:
    with db() as work:
        found = conversations.transcript(work, conversation_id)
        if found is None:
            abort(404, description="There is no such conversation (it may have been deleted).")
        work.expunge_all()
    record, messages = found
    return render_template(
        "conversation.html",
        conversation=record,
        messages=messages,
        titles=faq_titles(),
        when=utc_minute,
    )
