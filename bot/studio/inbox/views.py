"""The studio's inbox page: groups of messages waiting for a look, and staff decisions."""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from bot.content.faq import RETRIEVAL_INTENT
from bot.content.responses import content_root
from bot.studio import topics
from bot.studio.inbox import groups, review
from bot.studio.inbox.analytics import known_channels
from bot.studio.inbox.page_filters import page_filters, utc_minute
from bot.studio.topic_views import EMPTY_TOPIC, faq_titles, topic_page
from bot.studio.views import db, may, requires, studio

ACTIONS = ("assign", "out_of_scope", "new_topic", "dismiss")


def _inbox_page(status: int = 200, problems: Optional[list] = None) -> ResponseReturnValue:
    chosen = page_filters()
    with db() as work:
        found = groups.waiting(work, chosen.filters)
        channels = known_channels(work)
        waiting_draft = review.waiting_out_of_scope(work)
    titles = faq_titles()
    grouped = groups.group(found)
    page = render_template(
        "inbox.html",
        groups=grouped[: groups.SHOWN_GROUPS],
        hidden_groups=max(0, len(grouped) - groups.SHOWN_GROUPS),
        messages=len(found),
        titles=titles,
        topics=sorted(titles.items(), key=lambda item: item[1].lower()),
        waiting_draft=waiting_draft,
        problems=problems or [],
        faq=RETRIEVAL_INTENT + "/",
        when=utc_minute,
        **chosen.form(channels),
    )
    return page, status


@studio.route("/inbox")
@requires("editor")
def inbox() -> ResponseReturnValue:
    return _inbox_page()


@studio.route("/inbox", methods=["POST"])
@requires("editor")
def inbox_decide() -> ResponseReturnValue:
    action = request.form.get("action", "")
    if action not in ACTIONS:
        abort(400, description="Choose what to do with the ticked messages.")
    publish = request.form.get("publish") == "yes"
    if publish and not may("publisher"):
        abort(403, description="Publishing needs the publisher role or higher.")
    ids = review.parse_ids(request.form.getlist("ids"))
    checked = request.form.get("red_flag_checked") == "yes"
    actor = g.staff_user.username
    root = content_root()
    titles = faq_titles()
    try:
        with db() as work:
            if action == "assign":
                topic = request.form.get("topic", "").removeprefix(RETRIEVAL_INTENT + "/")
                decision = review.assign(
                    work, ids, topic, actor, root, publish, titles, red_flag_checked=checked
                )
                _said(decision, titles.get(f"{RETRIEVAL_INTENT}/{topic}", topic))
            elif action == "out_of_scope":
                decision = review.out_of_scope(
                    work, ids, actor, root, publish, titles, red_flag_checked=checked
                )
                _said(decision, "Out of scope")
            elif action == "new_topic":
                examples = review.new_topic(work, ids, actor)
            else:
                decision = review.dismiss(work, ids, actor)
                flash(f"Dismissed {decision.messages} message(s).", "success")
    except review.ReviewError as error:
        flash(str(error), "error")
        return _inbox_page(422, error.problems)
    if action == "new_topic":
        flash(
            f"{len(examples)} message(s) are the first example questions of a new topic. Give it "
            "a title, an answer and more examples, then save it.",
            "success",
        )
        return topic_page({**EMPTY_TOPIC, "examples": examples}, [])
    filters = {k: v for k, v in request.args.items() if k in ("from", "to", "channel")}
    return redirect(url_for("studio.inbox") + (f"?{urlencode(filters)}" if filters else ""))


def _said(decision: review.Decision, where: str) -> None:
    if not decision.added:
        flash(
            f"{decision.messages} message(s) marked “{where}”; they were already examples there.",
            "success",
        )
    elif decision.published:
        flash(
            f"{len(decision.added)} example(s) added to “{where}” (version {decision.version}, "
            "published). The assistant learns them at the next retrain.",
            "success",
        )
    else:
        flash(
            f"{len(decision.added)} example(s) added to “{where}” as draft version "
            f"{decision.version}. A publisher can review and publish it.",
            "success",
        )


@studio.route("/inbox/out-of-scope/<int:number>", methods=["POST"])
@requires("publisher")
def publish_out_of_scope(number: int) -> ResponseReturnValue:
    root = content_root()
    topic = topics.OUT_OF_SCOPE_KEY
    try:
        with db() as work:
            current = review.file_examples(root, topic)
            topics.publish_examples(work, topic, current, number, g.staff_user.username, root)
        flash(
            f"Version {number} of the out-of-scope examples is in {topics.OUT_OF_SCOPE_FILE}. "
            "The assistant learns them at the next retrain.",
            "success",
        )
    except topics.AnswerError as error:
        flash(str(error), "error")
    return redirect(url_for("studio.inbox"))
