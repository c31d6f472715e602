"""Writing a published answer back into its YAML file changes only that answer."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from bot.content.response_writer import WriteError, render, write_response
from bot.content.responses import load_responses
from bot.settings import PROJECT_ROOT

RESPONSES = load_responses(PROJECT_ROOT)


def _changed_lines(before: str, after: str) -> list:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize("name", [n for n, r in RESPONSES.items() if r.is_faq])
def test_writing_an_faq_answer_unchanged_gives_the_same_bytes(name):
    response = RESPONSES[name]
    original = (PROJECT_ROOT / response.path).read_text(encoding="utf-8")
    again = render(
        original,
        name,
        response.text,
        list(response.buttons),
        response.sources,
        response.last_reviewed,
    )
    assert again == original


def test_every_other_response_reads_back_the_same_and_keeps_the_rest_of_the_file():
    original = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parsed = yaml.load(original, Loader=fast)
    for name, response in RESPONSES.items():
        if response.path != "domain.yml":
            continue
        again = render(original, name, response.text, list(response.buttons))
        assert yaml.load(again, Loader=fast) == parsed, name
        assert len(_changed_lines(original, again)) <= 3, name  # at most a quoting style


def test_a_changed_answer_changes_only_its_own_lines():
    response = RESPONSES["utter_faq/does_it_hurt"]
    original = (PROJECT_ROOT / response.path).read_text(encoding="utf-8")
    text = "Short new text: with a colon.\n\nA second paragraph."
    buttons = [{"title": "No", "payload": "/book_consultation"}]  # "No" is false in YAML 1.1
    after = render(
        original, response.name, text, buttons, ["000_3761424d347833e3.txt"], "2026-12-01"
    )
    parsed = yaml.safe_load(after)
    variation = parsed["responses"][response.name][0]
    assert variation == {"text": text, "buttons": buttons}
    assert parsed["nlu"][0]["metadata"]["sources"] == ["000_3761424d347833e3.txt"]
    assert parsed["nlu"][0]["metadata"]["last_reviewed"] == "2026-12-01"
    assert parsed["nlu"][0]["examples"] == yaml.safe_load(original)["nlu"][0]["examples"]
    changed = _changed_lines(original, after)
    assert all("examples" not in line and "title: Does it hurt?" not in line for line in changed)


def test_a_one_line_domain_answer_keeps_the_domains_indentation():
    original = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
    after = render(original, "utter_thanks", "You're welcome! Ask me anything else.", [])
    changed = _changed_lines(original, after)
    assert len(changed) == 2, changed
    assert changed[1] == "+    - text: You're welcome! Ask me anything else."


def test_a_missing_response_or_a_broken_file_is_refused(tmp_path):
    with pytest.raises(WriteError):
        render("responses:\n  utter_a:\n  - text: hi\n", "utter_b", "x", [])
    with pytest.raises(WriteError):
        render("nlu: []\n", "utter_a", "x", [])


def test_the_file_is_replaced_whole_with_its_permissions(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text("version: '3.1'\nresponses:\n  utter_a:\n  - text: hi\n", encoding="utf-8")
    path.chmod(0o640)
    write_response(path, "utter_a", "hello there", [])
    assert yaml.safe_load(path.read_text())["responses"]["utter_a"] == [{"text": "hello there"}]
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in Path(tmp_path).iterdir()] == ["domain.yml"]  # no temporary left


def test_two_publishers_at_once_both_keep_their_change(tmp_path):
    """domain.yml holds many responses: concurrent writes must not lose one another."""
    import threading

    names = [f"utter_r{n}" for n in range(8)]
    path = tmp_path / "domain.yml"
    path.write_text(
        "responses:\n" + "".join(f"  {n}:\n  - text: old\n" for n in names), encoding="utf-8"
    )
    threads = [
        threading.Thread(target=write_response, args=(path, n, f"new {n}", [])) for n in names
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = yaml.safe_load(path.read_text())["responses"]
    assert {n: written[n][0]["text"] for n in names} == {n: f"new {n}" for n in names}
