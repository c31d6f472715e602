"""The staff commands' one error policy (bot/staff_command.py): a clear line and a status."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.settings import SETTINGS_ENV_VAR, load_settings
from bot.staff_command import settings_command


class _Known(Exception):
    pass


def _known():
    return [((_Known,), 2), ((KeyError,), 1)]


def _handler(error: BaseException):
    def command(args, settings):
        raise error

    return settings_command(command, _known)


def test_a_known_error_is_one_line_with_its_status(capsys):
    assert _handler(_Known("no such contact"))(argparse.Namespace()) == 2
    assert capsys.readouterr().err == "Error: no such contact\n"


def test_a_database_error_never_prints_its_statement(capsys):
    error = OperationalError("SELECT phone FROM requests WHERE phone='+15551234567'", {}, None)
    assert _handler(error)(argparse.Namespace()) == 1
    err = capsys.readouterr().err
    assert "database problem (OperationalError)" in err and "5551234567" not in err


def test_a_broken_settings_file_names_the_file(tmp_path: Path, monkeypatch, capsys):
    broken = tmp_path / "clinic.yml"
    broken.write_text("clinic: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(broken))
    assert _handler(_Known("never reached"))(argparse.Namespace()) == 1
    assert capsys.readouterr().err.startswith(f"Error in {broken}:")


def test_an_unknown_error_is_not_hidden():
    with pytest.raises(ZeroDivisionError):
        _handler(ZeroDivisionError())(argparse.Namespace())


def test_the_command_gets_the_loaded_settings():
    seen = []
    handler = settings_command(lambda args, settings: seen.append(settings) or 0, _known)
    assert handler(argparse.Namespace()) == 0 and seen[0] == load_settings()
