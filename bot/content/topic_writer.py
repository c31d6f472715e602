"""Write training examples into a topic file, or a whole new topic file.

Like the answer writer, it changes only the ``examples`` block of an existing topic, so
``git diff`` shows exactly the questions staff added or removed, and it replaces the
file atomically. A new topic gets a file in the same shape as the hand-written ones.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Dict, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from bot.content.faq import (
    RESPONSE_PREFIX,
    RETRIEVAL_INTENT,
    ContentError,
    load_topic,
    parse_examples,
)
from bot.content.response_writer import (
    WriteError,
    block_end,
    file_lock,
    indent_of,
    replace_file,
    yaml_scalar,
)


def render_examples(original: str, examples: Sequence[str]) -> str:
    """The topic file with its ``examples: |`` block holding exactly ``examples``."""
    lines = original.splitlines(True)
    head = next((i for i, line in enumerate(lines) if line.strip() == "examples: |"), None)
    if head is None:
        raise WriteError("the topic file has no 'examples: |' block")
    pad = " " * (indent_of(lines[head]) + 2)
    lines[head + 1 : block_end(lines, head)] = [f"{pad}- {example}\n" for example in examples]
    return "".join(lines)


def write_examples(path: Path, examples: Sequence[str]) -> None:
    path = Path(path)
    with file_lock(path):
        new_text = render_examples(path.read_text(encoding="utf-8"), examples)
        replace_file(path, new_text)
    if list(read_examples(path)) != list(examples):
        raise WriteError("the topic file does not read back with the new examples")


def read_examples(path: Path) -> Sequence[str]:
    """The examples of a training file's first ``nlu`` block (FAQ topic or any intent)."""
    raw = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8")) or {}
    blocks = raw.get("nlu") or [{}]
    return parse_examples(str(blocks[0].get("examples") or ""))


def render_new_topic(
    key: str,
    title: str,
    examples: Sequence[str],
    text: str,
    buttons: Sequence[Dict[str, str]],
    sources: Sequence[str],
    last_reviewed: str,
) -> str:
    """A new ``data/faq/<key>.yml`` in the shape of the hand-written topic files."""
    metadata = CommentedMap()
    metadata["title"] = yaml_scalar(title)
    flow = CommentedSeq(list(sources))
    flow.fa.set_flow_style()
    metadata["sources"] = flow
    metadata["last_reviewed"] = DoubleQuotedScalarString(last_reviewed)
    block = CommentedMap()
    block["intent"] = f"{RETRIEVAL_INTENT}/{key}"
    block["metadata"] = metadata
    block["examples"] = LiteralScalarString("".join(f"- {e}\n" for e in examples))
    variation = CommentedMap()
    variation["text"] = LiteralScalarString(text.replace("\r\n", "\n").strip("\n"))
    if buttons:
        variation["buttons"] = [
            {"title": yaml_scalar(b["title"]), "payload": yaml_scalar(b["payload"])}
            for b in buttons
        ]
    document = CommentedMap()
    document["version"] = DoubleQuotedScalarString("3.1")
    document["nlu"] = [block]
    document["responses"] = {f"{RESPONSE_PREFIX}{key}": [variation]}
    writer = YAML()
    writer.width = 4096  # type: ignore[assignment]  # never fold long lines
    writer.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    writer.dump(document, out)
    return out.getvalue()


def write_new_topic(folder: Path, key: str, **parts: object) -> Path:
    """Create ``folder/<key>.yml``; refuses to overwrite an existing topic."""
    path = Path(folder) / f"{key}.yml"
    if path.exists():
        raise WriteError(f"a topic file {path.name} already exists")
    replace_file(path, render_new_topic(key, **parts))  # type: ignore[arg-type]
    try:
        load_topic(path)
    except ContentError as error:
        path.unlink()
        raise WriteError(str(error)) from error
    return path
