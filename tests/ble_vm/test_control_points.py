"""Tier 1's ``tests/ble/test_control_points.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_control_points import *  # noqa: F403
