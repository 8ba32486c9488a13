"""Tier 1's ``tests/ble/test_reconnect.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_reconnect import *  # noqa: F403
