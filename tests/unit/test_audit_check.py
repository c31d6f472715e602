"""`make audit`'s decision check (scripts/audit_check.py) on pip-audit reports we write here.

The audit itself needs the network; what it does with pip-audit's answer does not: a new
vulnerability must fail, a skipped lookup must never pass as "no vulnerabilities".
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest
import yaml

from bot.settings import PROJECT_ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "audit_check", PROJECT_ROOT / "scripts" / "audit_check.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_check"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


audit_check = _load()

VULN = {
    "id": "PYSEC-2024-24",
    "fix_versions": ["3.9.2"],
    "aliases": ["CVE-2024-23334", "GHSA-5h86-8mv2-jq9f"],
    "description": "static routes with follow_symlinks",
}


def report(*deps: Dict[str, Any]) -> Dict[str, Any]:
    return {"dependencies": list(deps), "fixes": []}


def decision(**changes: Any) -> Dict[str, Any]:
    values = {
        "id": "CVE-2024-23334",
        "package": "aiohttp",
        "version": "3.9.1",
        "affects_us": "no aiohttp static routes are served",
        "action": "accept",
        "reason": "the vulnerable code path is never used",
        "reviewed": "2026-11-30",
    }
    values.update(changes)
    return values


def run(tmp_path: Path, audit: Dict[str, Any], decisions: List[Dict[str, Any]]) -> int:
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(audit), encoding="utf-8")
    decisions_file = tmp_path / "decisions.yml"
    decisions_file.write_text(yaml.safe_dump({"decisions": decisions}), encoding="utf-8")
    return int(audit_check.main([str(report_file), str(decisions_file)]))


def test_a_vulnerability_without_a_decision_fails_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    audit = report({"name": "aiohttp", "version": "3.9.1", "vulns": [VULN]})
    assert run(tmp_path, audit, []) == audit_check.UNDECIDED
    out = capsys.readouterr().out
    assert "aiohttp 3.9.1  PYSEC-2024-24" in out and "NO DECISION" in out


def test_a_decision_recorded_under_an_alias_covers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    audit = report({"name": "aiohttp", "version": "3.9.1", "vulns": [VULN]})
    assert run(tmp_path, audit, [decision()]) == audit_check.OK
    assert "accept: the vulnerable code path is never used" in capsys.readouterr().out


def test_a_decision_for_another_package_does_not_count(tmp_path: Path):
    audit = report({"name": "aiohttp", "version": "3.9.1", "vulns": [VULN]})
    assert run(tmp_path, audit, [decision(package="sanic")]) == audit_check.UNDECIDED


def test_packages_that_could_not_be_looked_up_are_not_a_clean_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    audit = report(
        {"name": "sanic", "version": "21.12.2", "vulns": []},
        {"name": "absl-py", "skip_reason": "Dependency not found on PyPI: absl-py (1.4.0)"},
    )
    assert run(tmp_path, audit, []) == audit_check.NOT_AUDITED
    assert "NOT AUDITED: 1 package(s)" in capsys.readouterr().out


def test_a_clean_full_run_passes_and_old_decisions_are_pointed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    audit = report({"name": "aiohttp", "version": "3.9.5", "vulns": []})
    assert run(tmp_path, audit, [decision()]) == audit_check.OK
    assert "matched nothing this run" in capsys.readouterr().out


@pytest.mark.parametrize("missing", ["affects_us", "reason", "action"])
def test_a_decision_must_say_whether_it_affects_us_and_what_we_do(tmp_path: Path, missing: str):
    audit = report({"name": "aiohttp", "version": "3.9.1", "vulns": [VULN]})
    assert run(tmp_path, audit, [decision(**{missing: ""})]) == audit_check.UNDECIDED


def test_the_shipped_decisions_file_is_valid():
    shipped = yaml.safe_load(
        (PROJECT_ROOT / "security" / "audit_decisions.yml").read_text(encoding="utf-8")
    )
    assert audit_check.check_decisions(shipped["decisions"]) == []
