"""Cold start of `make run` (to the first answer, model already trained): an earlier commit
beside the working tree, alternating, in one run.

The earlier commit is checked out in a temporary git worktree that shares this checkout's
.venv, build/ and models/, so both start the same model with the same environment; each
run has its own ports and run folder. Medians and the ratio are printed and written to
bench/results/cold-start-<date>.md. `make bench` measures ours (and the anchor) the same
way, with bench/run_bench.py's ``cold_start``.

    .venv/bin/python bench/cold_start_bench.py --before a4db97f --runs 3

When the earlier commit cannot read the working tree's model file (or the other way round),
give it a models folder of its own, trained with that commit's code:
`--before-models /tmp/models-before`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, write_result  # noqa: E402
from bench.run_bench import ours_cold_start  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

SHARED = (".venv", "build", "models")


def worktree(commit: str, folder: Path, models: Optional[Path] = None) -> Path:
    tree = folder / "before"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree), commit], check=True)
    for name in SHARED:
        target = models if name == "models" and models else PROJECT_ROOT / name
        (tree / name).symlink_to(target)
    return tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--before-models",
        type=Path,
        help="models folder for the earlier commit (default: this checkout's models/)",
    )
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.before], capture_output=True, text=True, check=True
    ).stdout.strip()
    seconds: Dict[str, List[float]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory(prefix="pit-cold-") as folder:
        tree = worktree(commit, Path(folder), args.before_models)
        try:
            for _ in range(args.runs):
                for name, root in (("before", tree), ("now", PROJECT_ROOT)):
                    run_dir = {"PIT_RUN_DIR": str(Path(folder) / f"run-{name}")}
                    seconds[name] += ours_cold_start(1, root, run_dir)
                    print(f"{name}: {seconds[name][-1]} s", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=False)
    before, now = statistics.median(seconds["before"]), statistics.median(seconds["now"])
    stamp = datetime.now(timezone.utc).isoformat()
    text = "\n".join(
        [
            f"# Cold start, `make run` to the first answer ({stamp})",
            "",
            f"Machine: {machine()}. Model already trained; {args.runs} runs each, alternating "
            f"(before first). Command: `bench/cold_start_bench.py --before {commit} "
            f"--runs {args.runs}"
            + (f" --before-models {args.before_models}" if args.before_models else "")
            + "`.",
            "",
            f"| | {commit} (before) | working tree (now) | now / before |",
            "|---|---|---|---|",
            f"| median s | {before:.1f} | {now:.1f} | {now / before:.2f} |",
            f"| runs s | {seconds['before']} | {seconds['now']} | |",
            "",
        ]
    )
    write_result("cold-start", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
