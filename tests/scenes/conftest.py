"""Fixtures of the scene-search tests: a `responses` mock with a fake CMR, and no retry waits."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from scenes_helpers import FakeCmr


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    # Unregistered URLs raise ConnectionError: no test can reach a real host.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake_cmr(rsps: responses.RequestsMock) -> Callable[..., FakeCmr]:
    def make(items: list[dict[str, Any]], **kwargs: Any) -> FakeCmr:
        fake = FakeCmr(items, **kwargs)
        fake.register(rsps)
        return fake

    return make


@pytest.fixture
def no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """asf_search retries 5xx three times with 3-10 s waits; keep the retries, drop the waits."""
    from tenacity import wait_none

    module = importlib.import_module("asf_search.search.search_generator")
    monkeypatch.setattr(module.get_page.retry, "wait", wait_none())
    monkeypatch.setattr(module.query_cmr.retry, "wait", wait_none())
