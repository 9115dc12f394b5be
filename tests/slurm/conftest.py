"""The real single-node SLURM (tests/slurm/cluster.py), one per test session. When it cannot start
the SLURM tests are skipped with the reason; with INSARPROJ_REQUIRE_SLURM=1 that is a failure."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from cluster import CannotStart, Cluster

# Read at import: the autouse isolated_env fixture (tests/conftest.py) removes INSARPROJ_* variables.
REQUIRE_SLURM = os.environ.get("INSARPROJ_REQUIRE_SLURM") == "1"


@pytest.fixture(scope="session")
def _cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster | str]:
    # munge's socket path must fit a sockaddr_un (108 bytes): pytest's temporary folders do.
    root = tmp_path_factory.mktemp("slurm")
    cluster = Cluster(root)
    try:
        cluster.start()
    except (CannotStart, OSError) as exc:
        cluster.stop()
        yield f"SLURM could not start: {exc}"
        return
    yield cluster
    cluster.stop()


@pytest.fixture
def slurm(_cluster: Cluster | str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    """The running cluster, SLURM_CONF pointing at it; every job cancelled after the test."""
    if isinstance(_cluster, str):
        if REQUIRE_SLURM:
            pytest.fail(_cluster + " (INSARPROJ_REQUIRE_SLURM=1)")
        print(_cluster, file=sys.stderr)
        pytest.skip(_cluster)
    for key, value in _cluster.env.items():
        monkeypatch.setenv(key, value)
    yield _cluster
    _cluster.run("scancel", "--me")
