"""The MintPy hand-off end to end through the real CLI against the sandbox: a hyp3 project with
[mintpy] enabled converges with one hand-off per stack, plans empty again, refuses before any
submission when the layers MintPy needs are not ordered, and rewrites a hand-off whose product
was replaced."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_helpers import apply_wait, quiesce, state_of, write_project

from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'
LAYERS = "include_dem = true\ninclude_look_vectors = true\n"
NO_MINTPY = 'command = "/nonexistent/smallbaselineApp.py"\n'
MINTPY = '\n[mintpy]\nenabled = true\noptions = { "mintpy.troposphericDelay.method" = "no" }\n'


def mintpy_project(root: Path, *, layers: str = LAYERS, end: str = "2021-01-20") -> Path:
    return write_project(root, kind="hyp3", end=end, processor_extra=HYP3 + layers + MINTPY)


def records(root: Path, kind: str) -> dict[str, dict]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == kind}


def test_hyp3_project_with_mintpy_converges_and_plans_empty(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = mintpy_project(tmp_path / "p")
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    handoffs = records(root, "mintpy")
    products = records(root, "product")
    stacks = {a.split(".")[1] for a in products}
    assert set(handoffs) == {f"mintpy.{s}" for s in stacks}
    for address, record in handoffs.items():
        attrs = record["attributes"]
        stack = address.split(".")[1]
        own = {a for a in products if a.split(".")[1] == stack}
        assert set(attrs["products"]) == own  # exactly the stack's recorded products
        assert attrs["crs"] == "EPSG:32611" and 0 < attrs["shape"][0] <= 64 and 0 < attrs["shape"][1] <= 64
        folder = root / "data" / attrs["path"]
        cfg = (folder / "insarproj.cfg").read_text()
        assert f"state serial {attrs['state_serial']}" in cfg
        assert "mintpy.load.processor = hyp3" in cfg and "mintpy.troposphericDelay.method = no" in cfg
        unw = sorted(folder.glob("hyp3/*/*_unw_phase_clipped.tif"))
        assert len(unw) == len(own)
        dem = re.search(r"^mintpy.load.demFile = (.+)$", cfg, re.M)
        assert dem is not None and (folder / dem.group(1)).is_file()
    quiesce(fast_hyp3)
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output
    shown = run_cli(["-C", str(root), "show"])
    assert "MintPy hand-offs" in shown.output and next(iter(handoffs)) in shown.output


def test_missing_look_vectors_refused_before_any_submission(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = mintpy_project(tmp_path / "p", layers="include_dem = true\n")
    sandbox.clear_requests()
    for command in (["plan"], ["apply", "--yes"]):
        result = run_cli(["-C", str(root), *command])
        assert result.code == ExitCode.ERROR, result.output
        assert "include_look_vectors = true" in result.output and "[processor.hyp3]" in result.output
        assert "project.toml" in result.output and "Traceback" not in result.output
    assert [r for r in sandbox.requests() if r.method == "POST"] == []


def test_replaced_products_make_the_handoff_stale_and_apply_rewrites_it(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = mintpy_project(tmp_path / "p")
    assert apply_wait(run_cli, root).code == 0
    before = records(root, "mintpy")
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace(LAYERS, LAYERS + "include_wrapped_phase = true\n"))
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    for address in before:
        assert re.search(rf"{re.escape(address)}\s+stale: 1 replaced product", plan.output), plan.output
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    after = records(root, "mintpy")
    jobs = records(root, "hyp3_job")
    for address, record in after.items():
        attrs = record["attributes"]
        assert attrs["fingerprint"] != before[address]["attributes"]["fingerprint"]
        for product, identity in attrs["products"].items():
            assert identity["job_id"] == jobs["hyp3_job." + product.split(".", 1)[1]]["attributes"]["job_id"]
        stack = address.split(".")[1]
        # The old hand-off moved aside, never deleted; the new one names only current products.
        assert len(list((root / "data" / "superseded" / "mintpy" / stack).iterdir())) == 1
        names = {p.name for p in (root / "data" / attrs["path"] / "hyp3").iterdir()}
        current = {Path(records(root, "product")[p]["attributes"]["path"]).name for p in attrs["products"]}
        assert names == current
    quiesce(fast_hyp3)
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_run_is_tracked_and_disabling_keeps_the_folder(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = mintpy_project(tmp_path / "p")
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("enabled = true\n", "enabled = true\nrun = true\n" + NO_MINTPY))
    result = apply_wait(run_cli, root)
    assert result.code == ExitCode.ERROR and records(root, "mintpy"), result.output  # hand-off made, run not
    plan = run_cli(["-C", str(root), "plan"])
    assert "mintpy_run." in plan.output and "MintPy not found" in plan.output  # run = true: tracked
    toml.write_text(toml.read_text().replace("enabled = true\nrun = true\n" + NO_MINTPY, "enabled = false\n"))
    quiesce(fast_hyp3)
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "[mintpy] is not enabled: the record is forgotten" in plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert records(root, "mintpy") == {} and (root / "data" / "mintpy").is_dir()
    quiesce(fast_hyp3)
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_pairs_whose_jobs_failed_for_good_are_left_out(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = mintpy_project(tmp_path / "p", layers=LAYERS + "max_attempts = 1\n")
    fast_hyp3.set_faults("job-fail:1.0")
    assert apply_wait(run_cli, root).code == ExitCode.FAILED
    plan = run_cli(["-C", str(root), "plan", "--json"])
    assert "MintPy hand-offs leave out 3 pairs whose job failed for good" in plan.output, plan.output
    assert '"mintpy.' not in plan.output  # no hand-off waits for them
