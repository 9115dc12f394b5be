"""Fixtures of the CDSE tests: an in-process sandbox with the environment pointed at it."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox(sandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The sandbox (tests/conftest.py) and the sandbox's CDSE account in the environment."""
    monkeypatch.setenv("CDSE_USERNAME", "sandbox")
    monkeypatch.setenv("CDSE_PASSWORD", "sandbox-password")
    monkeypatch.delenv("CDSE_TOTP", raising=False)
    return sandbox
