"""Tier 1's ``tests/ble/test_two_sensors.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_two_sensors import *  # noqa: F403
