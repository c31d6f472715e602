"""Command line: `python -m bot <command>`. Run `python -m bot --help` for the list."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from bot import cli


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["rasa"]:  # everything after `rasa` is Rasa's, options included
        return cli.run_rasa(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for register in cli.REGISTRARS:
        register(subparsers)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
