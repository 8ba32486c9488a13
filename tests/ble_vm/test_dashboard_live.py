"""Tier 1's ``tests/ble/test_dashboard_live.py``, unchanged, on bleak's BlueZ backend (see conftest)."""

from tests.ble.test_dashboard_live import *  # noqa: F403
