"""Tier 1's ``tests/ble/test_simulate.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_simulate import *  # noqa: F403
