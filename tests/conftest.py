"""Shared fixtures: an isolated environment (no real credentials, caches or endpoints), a CLI
runner, and a factory for small projects that use the test resource kinds of `fakekinds`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import pin_empty_search, write_fake, write_project

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """`-n 2` (README's test command): tests/xdist_scheduling.py shares out the suite."""
    if config.getvalue("dist") != "load":  # an explicit --dist other than the default
        return None
    from xdist_scheduling import make_scheduler

    return make_scheduler(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the slowest units first
        from xdist_scheduling import rank

        items.sort(key=lambda item: rank(item.nodeid))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NETRC", str(home / ".netrc"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for var in list(os.environ):
        if var.startswith("INSARPROJ_") or var.startswith("EARTHDATA_"):
            monkeypatch.delenv(var, raising=False)
    # Any request a test did not mean to make fails at once, locally (port 9: discard, closed).
    from insarproj.endpoints import ENV_VARS

    for var in ENV_VARS.values():
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    try:
        import asf_search

        monkeypatch.setattr(asf_search, "REPORT_ERRORS", False, raising=False)
    except ImportError:  # pragma: no cover
        pass
    return home


@pytest.fixture
def fake_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose resources are the test kinds of fakekinds.py (via INSARPROJ_PLUGINS)."""
    monkeypatch.setenv("INSARPROJ_PLUGINS", "fakekinds:components")
    root = write_project(tmp_path / "proj")
    write_fake(root, {"files": [], "jobs": []})
    pin_empty_search(root)
    return root


@pytest.fixture
def run_cli():
    """Run the real CLI entry (exit-code mapping included) in-process."""
    from click.testing import CliRunner

    from insarproj.cli.main import run

    def invoke(args: list[str], input: str | None = None):  # type: ignore[no-untyped-def]
        runner = CliRunner()
        code_holder: dict[str, int] = {}

        def entry() -> None:
            code_holder["code"] = run(args)

        import click

        @click.command()
        def shim() -> None:
            entry()

        result = runner.invoke(shim, [], input=input, catch_exceptions=False)
        result.code = code_holder.get("code", result.exit_code)  # type: ignore[attr-defined]
        return result

    return invoke


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An in-process sandbox; the environment points every endpoint and the token at it (a folder's
    conftest may wrap it: a fixture of the same name that asks for `sandbox`)."""
    from insarproj.sandbox.server import Sandbox

    box = Sandbox(seed=0).start()
    for key, value in box.env().items():
        monkeypatch.setenv(key, value)
    yield box
    box.stop()
