"""Fixtures of the HyP3 provider tests."""

from __future__ import annotations

import pytest
from hyp3_helpers import Sleeps


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
