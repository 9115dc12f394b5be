"""One converged demo project (real sandbox, real apply) shared by the plot tests; each test
draws from its own copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from insarproj.demo import run_demo

    home = tmp_path_factory.mktemp("plots-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("NETRC", str(home / ".netrc"))
        mp.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        result = run_demo(
            tmp_path_factory.mktemp("plots") / "demo", hyp3_speed=60.0, end="2021-02-15", echo=lambda _: None
        )
    assert result.converged
    return result.root


@pytest.fixture
def project(demo_project: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo_project, copy)
    return copy
