"""Sub-commands of `python -m bot`. Each module adds its own with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import os
from typing import Callable, List

from bot.bookings.cli import register as register_bookings
from bot.settings import SettingsError
from bot.studio.cli import register as register_staff
from bot.web.server import register as register_web

Registrar = Callable[[argparse._SubParsersAction], None]


def _spacy(args: argparse.Namespace) -> int:
    from bot.nlp.pipeline import PIPELINE_DIR, build_and_save

    built = build_and_save(force=args.force)
    print(("Built" if built else "Up to date:") + f" spaCy pipeline in {PIPELINE_DIR}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from bot.model_store import ensure_model

    ensure_model(force=args.force)
    return 0


def _model_path(args: argparse.Namespace) -> int:
    from bot.model_store import current_model

    model = current_model()
    if model is None:
        print("No model for the current data; run `make train`.")
        return 1
    print(model)
    return 0


def _run(args: argparse.Namespace) -> int:
    from bot.runner import run

    try:
        return run(args.rasa_port, args.actions_port, args.web_port, args.host)
    except SettingsError as error:
        print(f"clinic.yml: {error}")
        return 1


def _settings(args: argparse.Namespace) -> int:
    from bot.settings import load_settings, settings_path

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"{settings_path()}: {error}")
        return 1
    for key, value in settings.as_slots().items():
        print(f"{key}: {value}")
    return 0


def _eval_nlu(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.evaluation import nlu as evaluation
    from bot.model_store import ensure_model

    model = Path(args.model) if args.model else ensure_model()
    report = evaluation.evaluate(model, Path(args.test_file))
    print(evaluation.format_report(report))
    print(f"\nDetails: {evaluation.write_report(report)}")
    problems = evaluation.failures(report, evaluation.load_thresholds(Path(args.thresholds)))
    if problems:
        print("NLU regression check FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(
        f"NLU regression check passed: {report.accuracy:.1%} on {report.total} held-out messages."
    )
    return 0


def _eval_safety(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.evaluation.safety import evaluate_safety, format_safety
    from bot.model_store import ensure_model

    model = Path(args.model) if args.model else ensure_model()
    report = evaluate_safety(model)
    print(format_safety(report))
    problems = report.failures()
    if problems:
        print("Safety check FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("Safety check passed.")
    return 0


def run_rasa(rasa_args: List[str]) -> int:
    """Run Rasa's own command line with the project's environment (bot/environment.py)."""
    import subprocess

    from bot.environment import rasa_command, rasa_env

    return subprocess.run(rasa_command(*rasa_args), env=rasa_env()).returncode


def _rasa(args: argparse.Namespace) -> int:
    return run_rasa(args.rasa_args)


def port_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


def register_core(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("spacy", help="build the spaCy pipeline (build/spacy_pit)")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(handler=_spacy)

    p = subparsers.add_parser("train", help="train a model unless one matches the current data")
    p.add_argument("--force", action="store_true", help="train even if a matching model exists")
    p.set_defaults(handler=_train)

    p = subparsers.add_parser("model", help="print the path of the model for the current data")
    p.set_defaults(handler=_model_path)

    p = subparsers.add_parser("run", help="run the action server, Rasa server and web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--rasa-port", type=int, default=port_from_env("PIT_RASA_PORT", 5005))
    p.add_argument("--actions-port", type=int, default=port_from_env("PIT_ACTIONS_PORT", 5055))
    p.add_argument("--web-port", type=int, default=port_from_env("PIT_WEB_PORT", 8080))
    p.set_defaults(handler=_run)

    from bot.evaluation.nlu import TEST_FILE, THRESHOLDS_FILE

    p = subparsers.add_parser("eval-nlu", help="accuracy per topic on the held-out test file")
    p.add_argument("--model", help="model file (default: the model for the current data)")
    p.add_argument("--test-file", default=str(TEST_FILE))
    p.add_argument("--thresholds", default=str(THRESHOLDS_FILE))
    p.set_defaults(handler=_eval_nlu)

    p = subparsers.add_parser(
        "eval-safety", help="red-flag recall, false alarms, out-of-scope handling"
    )
    p.add_argument("--model", help="model file (default: the model for the current data)")
    p.set_defaults(handler=_eval_safety)

    p = subparsers.add_parser(
        "rasa", help="run Rasa's command line (`rasa ...`) with the project's environment"
    )
    p.add_argument("rasa_args", nargs=argparse.REMAINDER, help="arguments for rasa")
    p.set_defaults(handler=_rasa)

    p = subparsers.add_parser("settings", help="check clinic.yml and show the values in use")
    p.set_defaults(handler=_settings)


REGISTRARS: List[Registrar] = [register_core, register_bookings, register_web, register_staff]
