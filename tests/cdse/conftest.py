"""Fixtures of the CDSE tests: an in-process sandbox with the environment pointed at it."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The sandbox, every INSARPROJ_*_URL at it, and the sandbox's CDSE account in the environment."""
    from insarproj.sandbox.server import Sandbox

    box = Sandbox(seed=0).start()
    for key, value in box.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CDSE_USERNAME", "sandbox")
    monkeypatch.setenv("CDSE_PASSWORD", "sandbox-password")
    monkeypatch.delenv("CDSE_TOTP", raising=False)
    yield box
    box.stop()
