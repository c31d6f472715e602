"""The studio's answer pages: list, edit with live checks, save a draft, publish, restore.

Editors save drafts; publishers also publish, restore an earlier version and reload a
file that changed on disk. Every save is checked first (reading grade, sources, HTML,
prices, doses and percentages against the clinic's documents); a refused save keeps the
staff member's text in the box and says what to fix. Emergency replies are shown but
not editable here: they are held to the safety gates and changed only with review.
"""

from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional, Tuple

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError

from bot import intents
from bot.content.answer_checks import Problem, check_answer, reading_grade
from bot.content.responses import ResponseText, content_root, load_responses, slot_names
from bot.settings import get_settings
from bot.studio import answers, topics
from bot.studio.documents import clinic_documents
from bot.studio.views import db, may, requires, studio

# Emergency and crisis replies (intents.RED_FLAG_RESPONSE_PREFIX): read-only in the studio
# (see the module docstring).
MAX_BUTTONS = 4
NEW_TOPIC = ResponseText(name="", text="", buttons=(), path="", title="", topic="")
# An answer whose facts are the clinic's own (cost, insurance...) names its settings file.
SETTINGS_SOURCE = "clinic.yml"


def _responses() -> Dict[str, ResponseText]:
    return load_responses(content_root())


def _response(name: str) -> ResponseText:
    found = _responses().get(name)
    if found is None:
        abort(404, description=f"There is no answer named '{name}'.")
    return found


def is_protected(name: str) -> bool:
    return name.startswith(intents.RED_FLAG_RESPONSE_PREFIX)


def button_targets(topics: Dict[str, ResponseText]) -> List[Tuple[str, str]]:
    """(payload, label) for every button an FAQ answer may have: our own intents only."""
    targets = [
        (intents.payload(intents.BOOK_CONSULTATION), "Book a consultation"),
        (intents.payload(intents.HUMAN_HANDOFF), "Talk to a person"),
    ]
    for response in topics.values():
        if response.topic:
            payload = f'/{intents.ASK_TOPIC}{{{{"{intents.TOPIC_ENTITY}":"{response.topic}"}}}}'
            targets.append((payload, f"Topic: {response.title}"))
    return targets


def buttons_from_form(targets: List[Tuple[str, str]]) -> List[Dict[str, str]]:
    """The form's buttons; a target the page did not offer is a 400 (crafted request)."""
    allowed = {payload for payload, _ in targets}
    buttons = []
    for index in range(MAX_BUTTONS):
        title = request.form.get(f"button_title_{index}", "").strip()
        payload = request.form.get(f"button_payload_{index}", "").strip()
        if title and payload:
            if payload not in allowed:
                abort(400, description="That button target is not one the studio offers.")
            buttons.append({"title": title[:60], "payload": payload})
    return buttons


def _form_content(base: ResponseText, targets: List[Tuple[str, str]]) -> dict:
    """The submitted form as version content; buttons only from the offered targets."""
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not base.is_faq:
        return {**base.content(), "text": text}
    return {
        "text": text,
        "buttons": buttons_from_form(targets),
        "sources": [s for s in request.form.getlist("sources") if s],
        "last_reviewed": date.today().isoformat(),
    }


def problems_for(base: ResponseText, content: dict) -> List[Problem]:
    documents = clinic_documents()
    sources = content["sources"] if base.is_faq else [SETTINGS_SOURCE]
    return check_answer(
        content["text"],
        sources,
        {*documents.names, SETTINGS_SOURCE},
        documents.known_numbers,
        allowed_placeholders=slot_names(content_root()),
    )


def preview_html(text: str, buttons: List[Dict[str, str]]) -> Markup:
    """The answer as a patient sees it: placeholders filled, paragraphs, button chips."""
    values = get_settings().as_slots()
    filled = text
    for name, value in values.items():
        filled = filled.replace("{" + name + "}", str(value))
    paragraphs = [p for p in filled.split("\n\n") if p.strip()]
    html = "".join(
        "<p>" + "<br>".join(str(escape(line)) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    if buttons:
        chips = "".join(f'<span class="chip">{escape(b["title"])}</span>' for b in buttons)
        html += f'<div class="chips">{chips}</div>'
    return Markup(html)


@studio.route("/answers")
@requires("editor")
def answer_list() -> ResponseReturnValue:
    responses = _responses()
    root = content_root()
    with db() as work:
        state = answers.overview(work, responses.values(), root)
        waiting = topics.waiting_topics(work)
        work.expunge_all()
    faq = [r for r in responses.values() if r.is_faq]
    other = [r for r in responses.values() if not r.is_faq]
    return render_template(
        "answers.html",
        faq=faq,
        other=other,
        state=state,
        protected=is_protected,
        waiting=waiting,
    )


def _edit_page(
    base: ResponseText,
    content: Optional[dict] = None,
    problems: Optional[List[Problem]] = None,
    status: int = 200,
) -> ResponseReturnValue:
    root = content_root()
    all_responses = _responses()
    with db() as work:
        versions = answers.history(work, base.name)
        live = answers.live_row(work, base.name)
        live_content = answers.live_content(work, base)
        changed = answers.file_changed(work, base, root)
        created = topics.new_topic(work, base.topic) if base.topic else None
        work.expunge_all()
    newest = versions[0] if versions else None
    draft = newest if newest is not None and newest.state == "draft" else None
    # After "Save draft" the box holds the draft, so editing and publishing carry on from it.
    shown = content or (draft.content() if draft is not None else live_content)
    documents = clinic_documents()
    page = render_template(
        "answer.html",
        base=base,
        content=shown,
        versions=versions,
        live_id=live.version_id if live else None,
        latest=versions[0].number if versions else 0,
        changed=changed,
        problems=problems or [],
        grade=reading_grade(shown["text"]),
        preview=preview_html(shown["text"], shown["buttons"]),
        targets=button_targets(all_responses),
        max_buttons=MAX_BUTTONS,
        documents=[
            *sorted({*documents.names, *shown.get("sources", [])} - {SETTINGS_SOURCE}),
            SETTINGS_SOURCE,
        ],
        protected=is_protected(base.name),
        base_note=base.note,
        created_here=created,
        editing_draft=draft.number if draft is not None and content is None else None,
    )
    return page, status


@studio.route("/answers/<path:name>")
@requires("editor")
def answer(name: str) -> ResponseReturnValue:
    return _edit_page(_response(name))


@studio.route("/answers/<path:name>", methods=["POST"])
@requires("editor")
def save_answer(name: str) -> ResponseReturnValue:
    base = _response(name)
    if is_protected(name):
        abort(403, description="Emergency replies cannot be changed in the studio.")
    publish = request.form.get("action") == "publish"
    if publish and not may("publisher"):
        abort(403, description="Publishing needs the publisher role or higher.")
    content = _form_content(base, button_targets(_responses()))
    found = problems_for(base, content)
    if found:
        return _edit_page(base, content, found, status=422)
    expected = request.form.get("latest", type=int)
    try:
        with db() as work:
            version = answers.save(
                work, base, content, g.staff_user.username, publish, content_root(), expected
            )
            number = version.number
    except (answers.AnswerError, IntegrityError) as error:
        message = str(error) if isinstance(error, answers.AnswerError) else answers.RACE_MESSAGE
        return _edit_page(base, content, [Problem("conflict", message)], status=409)
    if publish:
        flash(f"Version {number} is live: patients get the new answer now.", "success")
    else:
        flash(f"Draft saved as version {number}. A publisher can review and publish it.", "success")
    return redirect(url_for("studio.answer", name=name))


@studio.route("/answers/<path:name>/versions/<int:number>", methods=["POST"])
@requires("publisher")
def publish_answer_version(name: str, number: int) -> ResponseReturnValue:
    base = _response(name)
    if is_protected(name):
        abort(403, description="Emergency replies cannot be changed in the studio.")
    action = "answer_restore" if request.form.get("action") == "restore" else "answer_publish"
    try:
        with db() as work:
            answers.publish_version(
                work, base, number, g.staff_user.username, content_root(), action
            )
        verb = "restored" if action == "answer_restore" else "published"
        flash(f"Version {number} {verb}: patients get it now.", "success")
    except answers.AnswerError as error:
        flash(str(error), "error")
    return redirect(url_for("studio.answer", name=name))


@studio.route("/answers/<path:name>/reload", methods=["POST"])
@requires("publisher")
def reload_answer(name: str) -> ResponseReturnValue:
    base = _response(name)
    with db() as work:
        version = answers.reload_from_file(work, base, g.staff_user.username, content_root())
        number = version.number
    flash(
        f"Reloaded from {base.path} as version {number}; patients get the file's text.", "success"
    )
    return redirect(url_for("studio.answer", name=name))


@studio.route("/answers/check", methods=["POST"])
@requires("editor")
def check_answer_live() -> ResponseReturnValue:
    """The edit page's checks as you type (JSON; the CSRF token comes in a header)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, description="Expected a JSON object.")
    name = str(payload.get("name") or "")
    # No name: the new-topic page (an FAQ answer that has no file yet).
    base = _response(name) if name else NEW_TOPIC
    text = str(payload.get("text") or "")[:20000]
    sources = [str(s) for s in payload.get("sources") or [] if isinstance(s, str)][:20]
    buttons = [
        {"title": str(b.get("title") or "")[:60], "payload": ""}
        for b in payload.get("buttons") or []
        if isinstance(b, dict) and b.get("title")
    ][:MAX_BUTTONS]
    content = {"text": text, "sources": sources, "buttons": buttons}
    found = problems_for(base, content)
    return jsonify(
        grade=round(reading_grade(text), 1),
        problems=[{"code": p.code, "message": p.message} for p in found],
        preview=str(preview_html(text, buttons if base.is_faq else list(base.buttons))),
    )
