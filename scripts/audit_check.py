"""`make audit`, second half: read pip-audit's JSON report and compare it with our decisions.

Why a separate step: pip-audit only says *what* is known to be vulnerable. What matters for
a clinic is whether it affects this assistant and what we do about it, written down once
(security/audit_decisions.yml) so that a reviewer sees the reasoning and only a *new*
vulnerability stops the build. It also refuses to call a run clean when pip-audit could
not look packages up (no network, or the vulnerability service answered 404): "no known
vulnerabilities" must mean the lookup happened.

Runs with the audit tool venv's Python (stdlib + PyYAML), never inside the Rasa
environment. Exit codes: 0 every reported vulnerability has a decision and every package
was looked up; 1 a vulnerability has no decision; 2 some packages could not be audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Set

import yaml

ACTIONS = ("upgrade", "mitigate", "accept")
OK, UNDECIDED, NOT_AUDITED = 0, 1, 2


@dataclass(frozen=True)
class Finding:
    """One vulnerability pip-audit reported for one pinned package."""

    package: str
    version: str
    id: str
    aliases: Sequence[str]
    fix_versions: Sequence[str]

    @property
    def ids(self) -> Set[str]:
        return {self.id.upper(), *(a.upper() for a in self.aliases)}


@dataclass
class Outcome:
    findings: List[Finding] = field(default_factory=list)
    decided: Dict[Finding, Mapping[str, Any]] = field(default_factory=dict)
    undecided: List[Finding] = field(default_factory=list)
    not_audited: Dict[str, str] = field(default_factory=dict)  # package -> why
    stale: List[Mapping[str, Any]] = field(default_factory=list)  # decisions nothing matched

    @property
    def exit_code(self) -> int:
        if self.undecided:
            return UNDECIDED
        if self.not_audited:
            return NOT_AUDITED
        return OK


def read_report(report: Mapping[str, Any]) -> tuple[List[Finding], Dict[str, str]]:
    """Findings and skipped packages from pip-audit's ``--format json`` output."""
    findings: List[Finding] = []
    skipped: Dict[str, str] = {}
    for dep in report.get("dependencies", []):
        name = str(dep.get("name", "?"))
        if "skip_reason" in dep:
            skipped[name] = str(dep["skip_reason"])
            continue
        for vuln in dep.get("vulns", []):
            findings.append(
                Finding(
                    package=name,
                    version=str(dep.get("version", "?")),
                    id=str(vuln["id"]),
                    aliases=tuple(vuln.get("aliases") or ()),
                    fix_versions=tuple(vuln.get("fix_versions") or ()),
                )
            )
    return findings, skipped


def check_decisions(decisions: Sequence[Mapping[str, Any]]) -> List[str]:
    """Problems in the decisions file itself (a decision must say what and why)."""
    problems = []
    for number, decision in enumerate(decisions, 1):
        where = f"decision {number} ({decision.get('id', 'no id')})"
        for key in ("id", "package", "affects_us", "action", "reason"):
            if not str(decision.get(key) or "").strip():
                problems.append(f"{where}: '{key}' is missing")
        if decision.get("action") not in ACTIONS:
            problems.append(f"{where}: 'action' must be one of {', '.join(ACTIONS)}")
    return problems


def compare(report: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]) -> Outcome:
    """Match each finding to a decision by its id or any alias (PYSEC, GHSA or CVE)."""
    findings, skipped = read_report(report)
    outcome = Outcome(findings=findings, not_audited=skipped)
    by_id: Dict[str, Mapping[str, Any]] = {}
    for decision in decisions:
        for key in [decision.get("id"), *(decision.get("aliases") or [])]:
            if key:
                by_id[str(key).upper()] = decision
    used: Set[int] = set()
    for finding in findings:
        match = next((by_id[i] for i in sorted(finding.ids) if i in by_id), None)
        if match is not None and str(match.get("package", "")).lower() == finding.package.lower():
            outcome.decided[finding] = match
            used.add(id(match))
        else:
            outcome.undecided.append(finding)
    outcome.stale = [d for d in decisions if id(d) not in used]
    return outcome


def render(outcome: Outcome) -> str:
    lines = []
    for finding in outcome.findings:
        decision = outcome.decided.get(finding)
        fixed = ", ".join(finding.fix_versions) or "no fix yet"
        verdict = f"{decision['action']}: {decision['reason']}" if decision else "NO DECISION"
        lines.append(f"  {finding.package} {finding.version}  {finding.id}  (fixed in {fixed})")
        lines.append(f"      -> {verdict}")
    if not outcome.findings and not outcome.not_audited:
        lines.append("  No known vulnerabilities in the pinned packages.")
    if outcome.not_audited:
        reasons = sorted(set(outcome.not_audited.values()))
        lines.append(
            f"  NOT AUDITED: {len(outcome.not_audited)} package(s) could not be looked up, "
            "so this run proves nothing about them. First reason: " + reasons[0][:200]
        )
    for decision in outcome.stale:
        lines.append(
            f"  note: decision {decision.get('id')} ({decision.get('package')}) matched "
            "nothing this run (upgraded, withdrawn, or not audited): remove it if it is gone"
        )
    if outcome.undecided:
        lines.append(
            f"  {len(outcome.undecided)} vulnerability(ies) without a decision: add each to "
            "security/audit_decisions.yml (does it affect us, and upgrade, mitigate or accept)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="pip-audit --format json output")
    parser.add_argument("decisions", type=Path, help="security/audit_decisions.yml")
    args = parser.parse_args(argv)
    decisions = (yaml.safe_load(args.decisions.read_text(encoding="utf-8")) or {}).get(
        "decisions"
    ) or []
    problems = check_decisions(decisions)
    if problems:
        print("\n".join(f"  {args.decisions}: {p}" for p in problems))
        return UNDECIDED
    outcome = compare(json.loads(args.report.read_text(encoding="utf-8")), decisions)
    print(render(outcome))
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
