"""Export, erasure and retention again on PostgreSQL (the tests of tests/unit/privacy).

The test functions are the very ones in tests/unit/privacy/test_patient_data.py: every
test there that uses a database is collected here too. Rasa's SQL tracker store and the
assistant's tables share one throw-away schema (see conftest.py).
"""

import inspect

import pytest

from tests.unit.privacy import test_patient_data

pytestmark = pytest.mark.postgres
DATABASE_FIXTURES = {"factory", "db_url", "stores", "tracker_url"}

globals().update(
    {
        name: value
        for name, value in vars(test_patient_data).items()
        if name.startswith("test_")
        and inspect.isfunction(value)
        and DATABASE_FIXTURES & set(inspect.signature(value).parameters)
    }
)
# The fixture the tests build their data with.
two_patients = test_patient_data.two_patients
