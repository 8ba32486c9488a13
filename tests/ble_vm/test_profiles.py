"""Tier 1's ``tests/ble/test_profiles.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_profiles import *  # noqa: F403
