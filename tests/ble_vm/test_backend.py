"""The part of tier 1's ``tests/ble/test_backend.py`` that goes through runsense's own wiring.

The other tests there drive the Bumble central (``radio.central``) or name the Bumble backend
classes explicitly: they test tier 1's backend itself, which tier 2 replaces with BlueZ.
"""

from tests.ble.test_backend import test_scan_table_names_each_profile

__all__ = ["test_scan_table_names_each_profile"]
