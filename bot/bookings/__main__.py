"""`python -m bot.bookings ...`: the booking commands on their own.

Same commands as `python -m bot bookings ...` / `python -m bot db upgrade`
(useful where the main command line has not registered them).
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from bot.bookings.cli import register


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bookings", description=__doc__)
    register(parser.add_subparsers(dest="command", metavar="<command>"))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
