from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def fast_hyp3(sandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The sandbox with HyP3 jobs finishing in moments and a half-second listing lag."""
    sandbox.hyp3_settings(speed=50.0)
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    return sandbox
