"""Tier 1's ``tests/ble/test_errors.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_errors import *  # noqa: F403
