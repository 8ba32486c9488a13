"""Virtual BLE sensors on Bumble, and the bleak backend that reaches them: runsense without hardware.

``VirtualRadio`` is the in-process link and the central; ``VirtualSensor`` serves one firmware
profile; ``BumbleClientBackend``/``BumbleScannerBackend`` let bleak's public API (and so
runsense's ``BleSource``, unchanged) drive the central. ``runsense run --simulate`` and the
tests in ``tests/ble`` use the same pieces.
"""

from runsense.simulate.bleak_client import BumbleClientBackend
from runsense.simulate.bleak_scanner import BumbleScannerBackend
from runsense.simulate.radio import VirtualRadio
from runsense.simulate.sensor import VirtualSensor

__all__ = ["BumbleClientBackend", "BumbleScannerBackend", "VirtualRadio", "VirtualSensor"]
