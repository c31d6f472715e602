"""One error policy for the staff commands (``bookings``, ``privacy``).

Staff read these in a terminal: a known problem is one clear line on stderr and an exit
status, never a stack trace, and never a SQL statement (it may hold personal details).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence, Tuple, Type

from bot.settings import ClinicSettings, SettingsError, load_settings, settings_path

Command = Callable[[argparse.Namespace, ClinicSettings], int]
# Exception types whose message is safe to print, each group with its exit status. A callable,
# so that the database modules are imported only when a command runs.
ErrorStatuses = Sequence[Tuple[Tuple[Type[BaseException], ...], int]]
KnownErrors = Callable[[], ErrorStatuses]


def settings_command(
    command: Command, known_errors: KnownErrors
) -> Callable[[argparse.Namespace], int]:
    """Load clinic.yml, run ``command``, and turn known errors into one line + their status."""

    def handler(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return command(args, load_settings())
        except SettingsError as error:
            print(f"Error in {settings_path()}: {error}", file=sys.stderr)
            return 1
        except Exception as error:
            for types, status in known_errors():
                if isinstance(error, types):
                    print(f"Error: {error}", file=sys.stderr)
                    return status
            if isinstance(error, SQLAlchemyError):  # never print the statement
                print(
                    f"Error: database problem ({type(error).__name__}); is the database running?",
                    file=sys.stderr,
                )
                return 1
            raise

    return handler
