"""Answer versions: save a draft, publish, restore, reload a file changed on disk.

Data access only (no Flask), so the rules are unit-tested on a real database. A
publish does three things in one transaction: the version becomes the live one (the
assistant's generator picks it up within a second), the text is written back into its
YAML file (the reviewable source of truth), and the audit log records before and after.
If writing the file fails, nothing is published.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.response_writer import write_response
from bot.content.responses import ResponseText, file_sha256
from bot.studio import audit
from bot.studio.models import AnswerVersion, LiveAnswer

FILES_AUTHOR = "(files)"
RACE_MESSAGE = (
    "Someone else saved this answer at the same moment. Your text is still in the box: "
    "check the versions below, then save again."
)


class AnswerError(ValueError):
    """A change that cannot be made; the message says why, for staff."""


@dataclass(frozen=True)
class LiveText:
    """What the assistant sends for one response."""

    text: str
    buttons: List[Dict[str, str]]


def history(work: Session, response: str) -> List[AnswerVersion]:
    """Every version of ``response``, newest first."""
    query = (
        select(AnswerVersion)
        .where(AnswerVersion.response == response)
        .order_by(AnswerVersion.number.desc())
    )
    return list(work.execute(query).scalars())


def live_row(work: Session, response: str) -> Optional[LiveAnswer]:
    return work.get(LiveAnswer, response)


def latest_number(work: Session, response: str) -> int:
    query = select(func.max(AnswerVersion.number)).where(AnswerVersion.response == response)
    return int(work.execute(query).scalar() or 0)


def live_texts(work: Session) -> Dict[str, LiveText]:
    """Every published answer by response name (responses not here use the domain)."""
    query = select(LiveAnswer.response, AnswerVersion.text, AnswerVersion.buttons).join(
        AnswerVersion, AnswerVersion.id == LiveAnswer.version_id
    )
    return {
        name: LiveText(text=text, buttons=list(buttons or []))
        for name, text, buttons in work.execute(query)
    }


def _new_version(
    work: Session, response: str, content: dict, author: str, state: str, note: str = ""
) -> AnswerVersion:
    version = AnswerVersion(
        response=response,
        number=latest_number(work, response) + 1,
        text=content["text"],
        buttons=list(content.get("buttons") or []),
        sources=list(content.get("sources") or []),
        last_reviewed=str(content.get("last_reviewed") or ""),
        state=state,
        author=author,
        note=note[:300],
    )
    work.add(version)
    work.flush()
    return version


def _ensure_file_version(work: Session, base: ResponseText) -> None:
    """The first change to a response keeps what the file said as version 1,
    so "Restore" can always go back to the text the clinic started with."""
    if latest_number(work, base.name) == 0:
        _new_version(
            work, base.name, base.content(), FILES_AUTHOR, "published", f"as in {base.path}"
        )


def _go_live(
    work: Session, version: AnswerVersion, base: ResponseText, actor: str, root: Path
) -> None:
    """Point patients at ``version`` and write it into the response's file."""
    path = root / base.path
    write_response(
        path, base.name, version.text, version.buttons, version.sources, version.last_reviewed
    )
    version.state = "published"
    _point_live(work, base, version, actor, file_sha256(path))


def _point_live(
    work: Session, base: ResponseText, version: AnswerVersion, actor: str, file_hash: str
) -> None:
    """Patients get ``version``; ``file_hash`` is the file as the studio left it."""
    live = live_row(work, base.name)
    if live is None:
        live = LiveAnswer(response=base.name)
        work.add(live)
    live.version_id = version.id
    live.published_by = actor
    live.file_sha256 = file_hash
    work.flush()


def live_content(work: Session, base: ResponseText) -> dict:
    """What patients get now: the live version, else what the file says."""
    live = live_row(work, base.name)
    if live is None:
        return base.content()
    version = work.get(AnswerVersion, live.version_id)
    return version.content() if version is not None else base.content()


def save(
    work: Session,
    base: ResponseText,
    content: dict,
    actor: str,
    publish: bool,
    root: Path,
    expected_latest: Optional[int] = None,
) -> AnswerVersion:
    """Save ``content`` as a new version: a draft, or (``publish``) the live answer.

    ``expected_latest`` is the newest version number the editor's page showed; if
    someone saved since, the save is refused rather than silently overwriting them.
    """
    latest = latest_number(work, base.name)
    if expected_latest is not None and latest != expected_latest:
        raise AnswerError(
            f"Someone saved version {latest} of this answer while you were editing. "
            "Your text is still in the box: compare it with the versions below, then save again."
        )
    before = live_content(work, base)
    _ensure_file_version(work, base)
    version = _new_version(work, base.name, content, actor, "draft")
    if publish:
        _go_live(work, version, base, actor, root)
    audit.record(
        work,
        actor,
        "answer_publish" if publish else "answer_draft",
        base.name,
        before=before,
        after=version.content(),
    )
    return version


def publish_version(
    work: Session, base: ResponseText, number: int, actor: str, root: Path, action: str
) -> AnswerVersion:
    """Make an existing version live: publish a draft, or restore an earlier one."""
    version = work.execute(
        select(AnswerVersion).where(
            AnswerVersion.response == base.name, AnswerVersion.number == number
        )
    ).scalar_one_or_none()
    if version is None:
        raise AnswerError(f"There is no version {number} of this answer.")
    before = live_content(work, base)
    _go_live(work, version, base, actor, root)
    audit.record(work, actor, action, base.name, before=before, after=version.content())
    return version


def file_changed(work: Session, base: ResponseText, root: Path) -> bool:
    """True when the file on disk is not the one the studio last wrote."""
    live = live_row(work, base.name)
    return bool(live and live.file_sha256 and live.file_sha256 != file_sha256(root / base.path))


def overview(work: Session, responses: Iterable[ResponseText], root: Path) -> Dict[str, dict]:
    """The Answers list in two queries: each response's live version number, its drafts
    newer than that, and whether its file changed on disk (each file hashed once)."""
    lives = {row.response: row for row in work.execute(select(LiveAnswer)).scalars()}
    by_response = defaultdict(list)
    for row in work.execute(
        select(AnswerVersion.response, AnswerVersion.id, AnswerVersion.number, AnswerVersion.state)
    ):
        by_response[row.response].append(row)
    hashes: Dict[str, str] = {}
    state = {}
    for base in responses:
        live = lives.get(base.name)
        mine = by_response.get(base.name, [])
        number = next((r.number for r in mine if live and r.id == live.version_id), 0)
        changed = False
        if live and live.file_sha256:
            if base.path not in hashes:
                hashes[base.path] = file_sha256(root / base.path)
            changed = live.file_sha256 != hashes[base.path]
        state[base.name] = {
            "version": number,
            "drafts": sum(1 for r in mine if r.state == "draft" and r.number > number),
            "changed": changed,
        }
    return state


def reload_from_file(work: Session, base: ResponseText, actor: str, root: Path) -> AnswerVersion:
    """Take the file's text as a new live version (someone changed the file outside)."""
    before = live_content(work, base)
    version = _new_version(
        work, base.name, base.content(), actor, "published", f"reloaded from {base.path}"
    )
    _point_live(work, base, version, actor, file_sha256(root / base.path))
    audit.record(work, actor, "answer_reload", base.name, before=before, after=version.content())
    return version
