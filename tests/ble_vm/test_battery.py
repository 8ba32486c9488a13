"""Tier 1's ``tests/ble/test_battery.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_battery import *  # noqa: F403
