"""A catalog phrase that does not compile stops the start with its error, instead of a Rasa
server that runs with no model and answers nothing (bot/safety/catalog_check.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.safety import catalog_check
from bot.safety.catalog import RED_FLAGS_PATH, RedFlagCatalogError
from bot.settings import PROJECT_ROOT
from bot.stack import Process, start_checks, wait_until_healthy


@pytest.fixture
def stamps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "stamps"
    monkeypatch.setattr(catalog_check, "STAMP_DIR", folder)
    return folder


def _with_line_changed(tmp_path: Path, old: str, new: str) -> Path:
    text = RED_FLAGS_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    broken = tmp_path / "red_flags.yml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    return broken


def test_the_real_catalog_compiles_and_is_then_known_good(stamps: Path) -> None:
    assert not catalog_check.known_good()
    summary = catalog_check.check_catalog()
    assert summary.startswith("Red-flag catalog compiles: ")
    assert catalog_check.known_good()
    assert len(list(stamps.iterdir())) == 1


def test_a_bad_gap_in_a_category_names_the_category_and_the_phrase(
    tmp_path: Path, stamps: Path
) -> None:
    broken = _with_line_changed(
        tmp_path, "      - $pills|$drugs ...2 lined_up", "      - $pills|$drugs ...12 lined_up"
    )
    with pytest.raises(RedFlagCatalogError, match=r"category '.+': '.*\.\.\.12.*': gaps are"):
        catalog_check.check_catalog(broken)
    assert not catalog_check.known_good(broken)
    assert not stamps.exists() or not list(stamps.iterdir())


def test_a_bad_cue_phrase_names_the_cue(tmp_path: Path, stamps: Path) -> None:
    broken = _with_line_changed(
        tmp_path,
        "    - never ...4 like_this|",
        "    - never ...14 like_this|",
    )
    with pytest.raises(RedFlagCatalogError, match="cues, 'pseudo_negation': 'never ...14"):
        catalog_check.check_catalog(broken)


def test_any_edit_of_the_catalog_needs_a_new_check(tmp_path: Path, stamps: Path) -> None:
    copy = tmp_path / "red_flags.yml"
    copy.write_text(RED_FLAGS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    catalog_check.check_catalog(copy)
    assert catalog_check.known_good(copy)
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# a staff note\n", encoding="utf-8")
    assert not catalog_check.known_good(copy)


def test_the_command_prints_the_error_and_exits_1(tmp_path: Path) -> None:
    broken = _with_line_changed(
        tmp_path, "      - $pills|$drugs ...2 lined_up", "      - $pills|$drugs ...12 lined_up"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-catalog", "--catalog", str(broken)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "The red-flag catalog does not compile" in done.stdout
    assert "gaps are ...1 to ...8" in done.stdout


def test_start_checks_runs_the_real_check_beside_the_servers(tmp_path: Path) -> None:
    # The check runs in its own process, so it writes the project's own stamp (a cache).
    for stamp in catalog_check.STAMP_DIR.glob("*"):
        stamp.unlink()
    (check,) = start_checks(tmp_path, dict(os.environ))
    assert check.one_shot and check.popen is not None
    assert check.popen.wait(timeout=120) == 0, check.log_path.read_text()  # type: ignore[union-attr]
    assert check.healthy()
    # The next start finds the stamp the check wrote and does not compile again.
    assert start_checks(tmp_path, {}) == []


def test_a_failed_check_stops_the_servers_and_says_what_it_printed(tmp_path: Path) -> None:
    server = Process("server", [sys.executable, "-c", "import time; time.sleep(60)"], "http://x")
    failing = Process(
        "red-flag catalog check",
        [sys.executable, "-c", "print('category \\'chest\\': bad phrase'); raise SystemExit(1)"],
        health_url="",
        log_path=tmp_path / "check.log",
        one_shot=True,
    )
    server.start({})
    failing.start({})
    stopped = []

    def stop_all() -> None:
        stopped.append(True)
        server.stop()

    with pytest.raises(RuntimeError, match=r"(?s)catalog check failed \(exit 1\).*bad phrase"):
        wait_until_healthy([failing, server], timeout=60, on_failure=stop_all)
    assert stopped and server.exited() is not None


def test_a_passed_check_lets_the_start_go_on(tmp_path: Path) -> None:
    passing = Process(
        "check",
        [sys.executable, "-c", "pass"],
        health_url="",
        log_path=tmp_path / "check.log",
        one_shot=True,
    )
    passing.start({})
    started = time.monotonic()
    wait_until_healthy([passing], timeout=60, on_failure=lambda: None)
    assert time.monotonic() - started < 60
