"""Write a published answer back into its YAML file, changing nothing else.

The YAML in ``data/`` and ``domain.yml`` stays the reviewable source of truth: after a
publish, ``git diff`` shows exactly the lines staff changed. So only the response's own
block is rewritten (in the file's own indentation style), plus, for an FAQ topic, its
``sources`` and ``last_reviewed`` lines; comments and everything else stay byte for byte.
The file is replaced atomically, so training or the assistant never read half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.content.faq import RESPONSE_PREFIX

_FAST_LOADER = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)  # libyaml when installed


class WriteError(ValueError):
    """The file no longer has the response where the studio expects it."""


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def block_end(lines: List[str], head: int, items_at_head_indent: bool = False) -> int:
    """Where the block under ``lines[head]`` ends: the first line indented no deeper (a
    "- " item at the head's own indent still belongs when ``items_at_head_indent``).
    Blank lines after the block belong to the file, not the block."""
    indent = indent_of(lines[head])
    end = head + 1
    while end < len(lines):
        line = lines[end]
        if line.strip():
            deeper = indent_of(line) > indent
            item = (
                items_at_head_indent
                and indent_of(line) == indent
                and line.lstrip().startswith("- ")
            )
            if not (deeper or item):
                break
        end += 1
    while end > head + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _block(lines: List[str], response: str) -> Tuple[int, int, int]:
    """(first line, end line, key indent) of ``response``'s block under ``responses:``."""
    top = next((i for i, line in enumerate(lines) if line.rstrip() == "responses:"), None)
    if top is None:
        raise WriteError("the file has no 'responses:' section")
    key = re.compile(r"^( +)(?:{0}|'{0}'|\"{0}\"):\s*(#.*)?$".format(re.escape(response)))
    for start in range(top + 1, len(lines)):
        match = key.match(lines[start].rstrip("\n"))
        if match:
            break
        if lines[start].strip() and indent_of(lines[start]) == 0:
            raise WriteError(f"the file has no response named {response}")
    else:
        raise WriteError(f"the file has no response named {response}")
    return start, block_end(lines, start, items_at_head_indent=True), len(match.group(1))


def yaml_scalar(value: str) -> object:
    """A multi-line text as a literal block (``|-``); a one-liner plain, or quoted when a
    YAML 1.1 reader would take it for something else ("No" is false there)."""
    if "\n" in value:
        return LiteralScalarString(value)
    try:
        plain = pyyaml.safe_load(value) == value
    except pyyaml.YAMLError:
        plain = False
    return value if plain else DoubleQuotedScalarString(value)


def _dump_block(
    response: str, text: str, buttons: Sequence[Dict[str, str]], indent: int, offset: bool
) -> List[str]:
    variation: Dict[str, object] = {"text": yaml_scalar(text)}
    if buttons:
        variation["buttons"] = [
            {"title": yaml_scalar(str(b["title"])), "payload": yaml_scalar(str(b["payload"]))}
            for b in buttons
        ]
    writer = YAML()
    writer.width = 4096  # type: ignore[assignment]  # never fold: the diff shows only changes
    if offset:
        writer.indent(mapping=2, sequence=4, offset=2)
    else:
        writer.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    writer.dump({response: [variation]}, out)
    return [
        (" " * indent + line.rstrip("\n")).rstrip(" ") + "\n"
        for line in out.getvalue().splitlines(True)
    ]


def _set_metadata(lines: List[str], sources: Sequence[str], last_reviewed: str) -> None:
    """Rewrite an FAQ topic's ``sources: [...]`` and ``last_reviewed:`` lines in place."""
    head = next((i for i, line in enumerate(lines) if line.strip() == "metadata:"), None)
    if head is None:
        raise WriteError("an FAQ topic file needs a metadata block")
    pad = " " * (indent_of(lines[head]) + 2)
    values = {
        "sources": "[" + ", ".join(sources) + "]",
        "last_reviewed": json.dumps(last_reviewed),
    }
    for name, value in values.items():
        if name == "last_reviewed" and not last_reviewed:
            continue
        found = next(
            (
                i
                for i in range(head + 1, len(lines))
                if lines[i].startswith(pad + name + ":")
                or (lines[i].strip() and indent_of(lines[i]) < len(pad))
            ),
            None,
        )
        new = f"{pad}{name}: {value}\n"
        if found is not None and lines[found].startswith(pad + name + ":"):
            lines[found] = new
        else:
            lines.insert(head + 1, new)


def render(
    original: str,
    response: str,
    text: str,
    buttons: Sequence[Dict[str, str]],
    sources: Sequence[str] = (),
    last_reviewed: str = "",
) -> str:
    """The file's new text with ``response`` (and, for an FAQ topic, its metadata) set."""
    lines = original.splitlines(True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start, end, indent = _block(lines, response)
    offset = end > start + 1 and lines[start + 1].startswith(" " * (indent + 2) + "- ")
    text = text.replace("\r\n", "\n").strip("\n")
    lines[start:end] = _dump_block(response, text, buttons, indent, offset)
    if response.startswith(RESPONSE_PREFIX):
        _set_metadata(lines, sources, last_reviewed)
    result = "".join(lines)
    _check(result, response, text, buttons)
    return result


def _check(result: str, response: str, text: str, buttons: Sequence[Dict[str, str]]) -> None:
    """Refuse to write a file that does not read back as exactly what was published."""
    try:
        raw = pyyaml.load(result, Loader=_FAST_LOADER) or {}
    except pyyaml.YAMLError as error:
        raise WriteError(f"the new file would not be valid YAML: {error}") from error
    variation = ((raw.get("responses") or {}).get(response) or [{}])[0]
    got_buttons = [
        {"title": str(b.get("title")), "payload": str(b.get("payload"))}
        for b in variation.get("buttons") or []
    ]
    wanted = [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons]
    if variation.get("text") != text or got_buttons != wanted:
        raise WriteError("the new file would not read back as the published answer")


def write_response(
    path: Path,
    response: str,
    text: str,
    buttons: Sequence[Dict[str, str]],
    sources: Sequence[str] = (),
    last_reviewed: str = "",
) -> None:
    """Rewrite ``path`` with the new answer (atomic replace, same permissions)."""
    path = Path(path)
    with file_lock(path):
        new_text = render(
            path.read_text(encoding="utf-8"), response, text, buttons, sources, last_reviewed
        )
        replace_file(path, new_text)


_thread_locks: Dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """One read-modify-write of ``path`` at a time, across threads and processes.

    Many responses share domain.yml: without this, two publishers saving at the same
    moment could each write the file with only their own change (a lost update).
    """
    with _thread_locks_guard:
        lock = _thread_locks.setdefault(str(Path(path).resolve()), threading.Lock())
    # The lock file lives outside data/, so it never touches training or the fingerprint.
    name = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "pit-content-locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    with lock, open(folder / f"{name}.lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_file(path: Path, new_text: str) -> None:
    """Write ``new_text`` to ``path`` atomically (same permissions, or 0644 for a new file)."""
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(new_text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
