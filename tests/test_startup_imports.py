"""What every `insarproj plan` pays before reading a record: the HyP3 job specs come
from generated JSON, not PyYAML, and a HyP3 plan imports no module of another processor, of the
network, or of a search it does not make."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Modules a plan of a converged HyP3 project must not import (each was imported before, or costs
# start-up time for nothing): YAML, the network, other processors, the search and its pin diff,
# apply's executor and lock, the messages of a project.toml with problems.
NOT_ON_A_HYP3_PLAN = (
    "yaml",
    "requests",
    "shapely",
    "numpy",
    "asf_search",
    "insarproj.isce",
    "insarproj.kinds.mintpy_slurm",
    "insarproj.kinds.isce",
    "insarproj.aria",
    "insarproj.kinds.aria",
    "insarproj.cdse",
    "insarproj.hyp3.client",
    "insarproj.scenes.search",
    "insarproj.scenes.pin",
    "insarproj.scenes.stacks",
    "insarproj.sandbox",
    "insarproj.engine.executor",
    "insarproj.lock",
    "insarproj.config.messages",
)


def test_job_specs_json_is_current() -> None:
    from insarproj.hyp3spec import JOB_SPECS_JSON, job_specs_json

    assert JOB_SPECS_JSON.read_text(encoding="utf-8") == job_specs_json(), (
        "insarproj/data/hyp3/job_specs.json drifted from job_spec/*.yml: run python -m insarproj.hyp3spec"
    )


def test_job_specs_json_has_every_shipped_job_spec() -> None:
    from insarproj.hyp3spec import DATA, job_types

    assert job_types() == sorted(p.stem for p in (DATA / "job_spec").glob("*.yml"))


@pytest.mark.parametrize("package", ["insarproj.config", "insarproj.scenes", "insarproj.transfer"])
def test_a_lazy_package_still_exports_every_name(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def _converged_hyp3_project(root: Path) -> None:
    """A small converged HyP3 project, as benchmarks/plan.py builds its large ones (one stack)."""
    spec = importlib.util.spec_from_file_location("bench_plan", REPO / "benchmarks" / "plan.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from insarproj.state import StateStore

    root.mkdir(parents=True)
    (root / "project.toml").write_text(bench.TOML)
    StateStore(root / ".insarproj").create()
    assert bench.converge(root, bench.synthetic_pin(1, 8)) > 0


def test_a_converged_hyp3_plan_imports_only_what_it_uses(tmp_path: Path) -> None:
    """In a fresh interpreter (this one has imported everything): the real CLI plans a converged
    project (the endpoints point at a closed port: no request), then lists what it imported."""
    root = tmp_path / "p"
    _converged_hyp3_project(root)
    code = (
        "import sys\n"
        "from insarproj.cli.main import run\n"
        f"code = run(['-C', {str(root)!r}, 'plan', '--detailed-exitcode'])\n"
        f"banned = {NOT_ON_A_HYP3_PLAN!r}\n"
        "print(code, sorted(m for m in sys.modules if m.startswith(banned)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "No changes" in done.stdout, done.stdout
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout


def test_an_apply_that_only_records_imports_no_network_library(tmp_path: Path) -> None:
    """An apply whose actions are internal records (forgotten pair records written back) never
    talks to a service: it imports neither requests nor the downloader (insarproj.transfer
    exports lazily)."""
    root = tmp_path / "p"
    _converged_hyp3_project(root)
    bench_file = str(REPO / "benchmarks" / "plan.py")
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('bench_plan', {bench_file!r})\n"
        "bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)\n"
        "from pathlib import Path\n"
        f"bench.forget_pairs(Path({str(root)!r}), 2)\n"
        "loaded = set(sys.modules)\n"
        "from insarproj.cli.main import run\n"
        f"code = run(['-C', {str(root)!r}, 'apply', '--yes'])\n"
        "banned = ('requests', 'urllib3', 'insarproj.transfer.download')\n"
        "print(code, sorted(m for m in set(sys.modules) - loaded if m.startswith(banned)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 done" in done.stderr + done.stdout, (done.stdout, done.stderr)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout
