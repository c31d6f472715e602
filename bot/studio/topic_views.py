"""The studio's training-data pages: a topic's example questions, and new topics.

Examples are checked on save (another topic's example, the held-out test set, markup,
too few); new ones the live model already sends elsewhere are flagged, not refused.
Publishing writes the topic file; the assistant learns the change at the next retrain.
"""

from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from bot.content.answer_checks import Problem, reading_grade
from bot.content.faq import RETRIEVAL_INTENT, load_topic
from bot.content.responses import ResponseText, content_root, load_responses
from bot.content.training_examples import (
    ExampleProblem,
    check_examples,
    held_out_texts,
    split_lines,
    training_index,
    unique,
)
from bot.studio import answers, topics
from bot.studio.answer_views import (
    MAX_BUTTONS,
    SETTINGS_SOURCE,
    button_targets,
    buttons_from_form,
    preview_html,
    problems_for,
)
from bot.studio.documents import clinic_documents
from bot.studio.live_model import live_labels
from bot.studio.views import db, may, requires, studio


def _faq_response(name: str) -> ResponseText:
    found = load_responses(content_root()).get(name)
    if found is None or not found.is_faq:
        abort(404, description=f"There is no FAQ topic named '{name}'.")
    return found


def faq_titles() -> Dict[str, str]:
    """``faq/<topic>`` -> the topic's title, for messages staff read."""
    return {
        f"{RETRIEVAL_INTENT}/{r.topic}": r.title
        for r in load_responses(content_root()).values()
        if r.topic
    }


def _flags(topic: str, added: List[str]) -> Optional[List[str]]:
    """Messages for new examples the live model sends to another topic (None: no model)."""
    labels = live_labels(added)
    if labels is None:
        return None
    titles = faq_titles()
    wanted = f"{RETRIEVAL_INTENT}/{topic}"
    return [
        f"“{text}”: the live assistant now answers this with “{titles.get(label, label)}”."
        for text, label in zip(added, labels, strict=False)
        if label != wanted
    ]


def _examples_page(
    base: ResponseText,
    box: Optional[str] = None,
    problems: Optional[List[ExampleProblem]] = None,
    status: int = 200,
) -> ResponseReturnValue:
    current = list(load_topic(content_root() / base.path).examples)
    with db() as work:
        versions = topics.example_history(work, base.topic or "")
        work.expunge_all()
    newest = versions[0] if versions else None
    draft = newest if newest is not None and newest.state == "draft" else None
    shown = box if box is not None else "\n".join(draft.examples if draft else current)
    page = render_template(
        "examples.html",
        base=base,
        box=shown,
        count=len(split_lines(shown)),
        versions=versions,
        current=current,
        latest=newest.number if newest else 0,
        problems=problems or [],
        editing_draft=draft.number if draft is not None and box is None else None,
    )
    return page, status


@studio.route("/answers/<path:name>/examples")
@requires("editor")
def examples(name: str) -> ResponseReturnValue:
    return _examples_page(_faq_response(name))


@studio.route("/answers/<path:name>/examples", methods=["POST"])
@requires("editor")
def save_examples(name: str) -> ResponseReturnValue:
    base = _faq_response(name)
    topic = base.topic or ""
    publish = request.form.get("action") == "publish"
    if publish and not may("publisher"):
        abort(403, description="Publishing needs the publisher role or higher.")
    box = request.form.get("examples", "")
    wanted = unique(split_lines(box))
    root = content_root()
    current = list(load_topic(root / base.path).examples)
    found = check_examples(
        wanted,
        f"{RETRIEVAL_INTENT}/{topic}",
        training_index(root),
        held_out_texts(),
        faq_titles(),
        existing=set(current),
    )
    if found:
        return _examples_page(base, box, found, status=422)
    try:
        with db() as work:
            version = topics.save_examples(
                work,
                topic,
                current,
                wanted,
                g.staff_user.username,
                publish,
                root,
                request.form.get("latest", type=int),
            )
            number = version.number
    except (answers.AnswerError, IntegrityError) as error:
        message = str(error) if isinstance(error, answers.AnswerError) else answers.RACE_MESSAGE
        return _examples_page(base, box, [ExampleProblem("", message)], status=409)
    added = [e for e in wanted if e not in set(current)]
    if publish:
        flash(
            f"Version {number} of the questions is in {base.path}. The assistant learns them "
            "at the next retrain.",
            "success",
        )
    else:
        flash(f"Draft saved as version {number}. A publisher can review and publish it.", "success")
    _flash_flags(topic, added)
    return redirect(url_for("studio.examples", name=name))


def _flash_flags(topic: str, added: List[str]) -> None:
    flags = _flags(topic, added)
    if flags is None and added:
        flash("The live assistant could not be asked how it reads the new questions.", "info")
    for message in flags or []:
        flash(message + " Check it again after the next retrain.", "warning")


@studio.route("/answers/<path:name>/examples/<int:number>", methods=["POST"])
@requires("publisher")
def publish_examples(name: str, number: int) -> ResponseReturnValue:
    base = _faq_response(name)
    root = content_root()
    current = list(load_topic(root / base.path).examples)
    try:
        with db() as work:
            topics.publish_examples(
                work, base.topic or "", current, number, g.staff_user.username, root
            )
        flash(
            f"Version {number} of the questions is in {base.path}. The assistant learns them "
            "at the next retrain.",
            "success",
        )
    except answers.AnswerError as error:
        flash(str(error), "error")
    return redirect(url_for("studio.examples", name=name))


# --- new topics ---------------------------------------------------------------------------
def _topic_form() -> dict:
    buttons = buttons_from_form(button_targets(load_responses(content_root())))
    return {
        "title": " ".join(request.form.get("title", "").split())[:120],
        "examples": unique(split_lines(request.form.get("examples", ""))),
        "text": request.form.get("text", "").replace("\r\n", "\n").strip(),
        "buttons": buttons,
        "sources": [s for s in request.form.getlist("sources") if s],
    }


def topic_page(
    content: dict, problems: List[Problem], key: str = "", status: int = 200
) -> ResponseReturnValue:
    documents = clinic_documents()
    page = render_template(
        "new_topic.html",
        content=content,
        key=key,
        problems=problems,
        grade=reading_grade(content["text"]),
        preview=preview_html(content["text"], content["buttons"]),
        targets=button_targets(load_responses(content_root())),
        max_buttons=MAX_BUTTONS,
        documents=[*sorted(documents.names), SETTINGS_SOURCE],
        examples_box="\n".join(content["examples"]),
    )
    return page, status


EMPTY_TOPIC = {"title": "", "examples": [], "text": "", "buttons": [], "sources": []}


@studio.route("/topics/new")
@requires("editor")
def new_topic() -> ResponseReturnValue:
    key = request.args.get("draft", "")
    if key:
        with db() as work:
            draft = topics.new_topic(work, key)
            content = draft.content() if draft is not None else None
        if content is None:
            abort(404, description=f"There is no draft topic named '{key}'.")
        return topic_page(content, [], key)
    return topic_page(dict(EMPTY_TOPIC), [])


def _topic_problems(key: str, content: dict) -> List[Problem]:
    found: List[Problem] = []
    if len(content["title"]) < 3 or not key:
        found.append(Problem("title", "Give the topic a short title, like “Parking”."))
    placeholder = ResponseText(
        name=f"utter_{RETRIEVAL_INTENT}/{key}", text="", buttons=(), path="", title="", topic=key
    )
    found.extend(problems_for(placeholder, content))
    root = content_root()
    for problem in check_examples(
        content["examples"],
        f"{RETRIEVAL_INTENT}/{key}",
        training_index(root),
        held_out_texts(),
        faq_titles(),
    ):
        text = f"“{problem.example}”: {problem.message}" if problem.example else problem.message
        found.append(Problem("examples", text))
    return found


@studio.route("/topics/new", methods=["POST"])
@requires("editor")
def save_new_topic() -> ResponseReturnValue:
    publish = request.form.get("action") == "publish"
    if publish and not may("publisher"):
        abort(403, description="Publishing needs the publisher role or higher.")
    content = _topic_form()
    key = topics.topic_key(content["title"])
    found = _topic_problems(key, content)
    if found:
        return topic_page(content, found, key, status=422)
    try:
        with db() as work:
            topics.save_new_topic(
                work,
                key,
                content,
                g.staff_user.username,
                publish,
                content_root(),
                date.today().isoformat(),
            )
    except answers.AnswerError as error:
        return topic_page(content, [Problem("conflict", str(error))], key, status=409)
    if publish:
        flash(
            f"The topic “{content['title']}” is in data/faq/{key}.yml. Patients get it after "
            "the next retrain.",
            "success",
        )
        return redirect(url_for("studio.answer_list"))
    flash("Draft topic saved. A publisher can review and publish it.", "success")
    return redirect(url_for("studio.new_topic", draft=key))
