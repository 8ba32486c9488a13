"""Tier 1's ``tests/ble/test_malformed.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_malformed import *  # noqa: F403
