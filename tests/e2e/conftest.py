from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An in-process sandbox; the environment points every endpoint and the token at it."""
    from insarproj.sandbox.server import Sandbox

    box = Sandbox(seed=0).start()
    for key, value in box.env().items():
        monkeypatch.setenv(key, value)
    yield box
    box.stop()


@pytest.fixture
def fast_hyp3(sandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The sandbox with HyP3 jobs finishing in moments and a half-second listing lag."""
    sandbox.hyp3_settings(speed=50.0)
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    return sandbox
