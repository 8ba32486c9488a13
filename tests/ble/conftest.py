"""Tier 1: runsense's real BLE code (bleak's public API, BleSource) against Bumble virtual sensors in-process.

Each test gets a fresh ``VirtualRadio`` (Bumble needs the test's running loop). Tests wait on
events and queues bounded by ``asyncio.wait_for``; the bound is a failure limit, never the
way to synchronise. Nothing here needs Bluetooth hardware, BlueZ or a kernel with Bluetooth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import pytest

from runsense.profiles import Profile, load_default_profiles
from runsense.simulate import VirtualRadio


@pytest.fixture(scope="session")
def profiles() -> Mapping[str, Profile]:
    """Every bundled firmware profile, by short name."""
    return load_default_profiles()


@pytest.fixture
async def radio() -> AsyncIterator[VirtualRadio]:
    """An open virtual radio, closed (sensors first) after the test."""
    async with VirtualRadio() as opened:
        yield opened
