"""The storage, migration, delivery (receivers down an hour too) and studio account tests,
again on PostgreSQL.

The test functions are the very ones in tests/unit/bookings and tests/unit/studio: every
test there that uses the database (``factory`` or ``db_url``) is collected here too, and
only ``db_url`` differs (a fresh schema per test, see conftest.py).
"""

import inspect
from types import ModuleType
from typing import Callable, Dict

import pytest

from tests.unit.bookings import (
    test_migrations,
    test_receivers_down_an_hour,
    test_references,
    test_repository,
    test_webhook_delivery,
)
from tests.unit.studio import test_accounts, test_studio_web

pytestmark = pytest.mark.postgres
DATABASE_FIXTURES = {"factory", "db_url"}


def _database_tests(module: ModuleType) -> Dict[str, Callable]:
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_")
        and inspect.isfunction(value)
        and DATABASE_FIXTURES & set(inspect.signature(value).parameters)
    }


for _module in (
    test_migrations,
    test_receivers_down_an_hour,
    test_references,
    test_repository,
    test_webhook_delivery,
    test_accounts,
    test_studio_web,
):
    globals().update(_database_tests(_module))
