"""A running sandbox shared by the tests of a module, reset (no faults, empty log) for each test; and
`hyp3box`, a fresh fast-clock sandbox per test for the HyP3 stand-in tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from insarproj.sandbox.server import Sandbox


@pytest.fixture(scope="module")
def running() -> Iterator[Sandbox]:
    with Sandbox(seed=0) as sandbox:
        yield sandbox


@pytest.fixture
def hyp3box() -> Iterator[Sandbox]:
    """A fresh sandbox per test: an empty job store and a full account, jobs done in about 0.1 s."""
    from test_sandbox_hyp3_helpers import SPEED

    with Sandbox(seed=0, hyp3_speed=SPEED) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running: Sandbox) -> Sandbox:
    running.set_faults("none")
    running.clear_requests()
    return running


@pytest.fixture
def asf_opts(sandbox: Sandbox):  # type: ignore[no-untyped-def]
    """asf_search options that reach the sandbox's CMR over plain http."""
    import asf_search as asf

    from insarproj.httpcompat import mount_http_rewrite

    session = asf.ASFSession()
    mount_http_rewrite(session, sandbox.url)
    return asf.ASFSearchOptions(host=f"127.0.0.1:{sandbox.port}", session=session)
