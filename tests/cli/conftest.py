"""Every test here must leave the bundled demo recording exactly as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.conftest import DEMO


@pytest.fixture(autouse=True)
def demo_recording_is_never_modified() -> Iterator[None]:
    before = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    yield
    assert hashlib.sha256(DEMO.read_bytes()).hexdigest() == before, f"{DEMO} was modified"
