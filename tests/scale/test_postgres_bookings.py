"""The storage, migration and webhook delivery tests, again on PostgreSQL.

The test functions are the very ones in tests/unit/bookings: every test there that
uses the database (``factory`` or ``db_url``) is collected here too, and only
``db_url`` differs (a fresh schema per test, see conftest.py).
"""

import inspect
from types import ModuleType
from typing import Callable, Dict

import pytest

from tests.unit.bookings import (
    test_migrations,
    test_references,
    test_repository,
    test_webhook_delivery,
)

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


for _module in (test_migrations, test_references, test_repository, test_webhook_delivery):
    globals().update(_database_tests(_module))
