from __future__ import annotations

import pytest


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An in-process sandbox; the environment points every endpoint and the token at it."""
    from insarproj.sandbox.server import Sandbox

    box = Sandbox(seed=0).start()
    for key, value in box.env().items():
        monkeypatch.setenv(key, value)
    yield box
    box.stop()
