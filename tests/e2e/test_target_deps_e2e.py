"""`--target` on a leaf kind pulls in what the target depends on (docs/cli.md "--target"), also
through resources that need no action yet: `mintpy_run.A064` of a fresh hyp3 project needs the
stack's pairs, HyP3 jobs, products and hand-off, and nothing of the other stacks."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import apply_wait, state_of, write_project
from fake_mintpy import write_fake_mintpy

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\ninclude_dem = true\ninclude_look_vectors = true\n'
STACK = "A064"


def test_target_on_mintpy_run_pulls_in_its_stack_and_only_it(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    command = write_fake_mintpy(tmp_path / "bin")
    mintpy = f'\n[mintpy]\nenabled = true\nrun = true\ncommand = "{command}"\n'
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-01-20", processor_extra=HYP3 + mintpy)
    target = ["--target", f"mintpy_run.{STACK}"]
    plan = run_cli(["-C", str(root), "plan", *target])
    assert plan.code == 0, plan.output
    # Before this fix only the waiting hand-off and run were planned; now the jobs they need are.
    assert f"hyp3_job.{STACK}." in plan.output and f"mintpy.{STACK}" in plan.output, plan.output
    assert "hyp3_job.D" not in plan.output and "hyp3_job.A065" not in plan.output, plan.output

    result = apply_wait(run_cli, root, *target)
    assert result.code == 0, result.output
    resources = state_of(root)["resources"]
    run = resources[f"mintpy_run.{STACK}"]
    assert run["status"] == "present" and set(run["attributes"]["outputs"]) == {
        "timeseries.h5",
        "velocity.h5",
    }
    kinds_by_stack = {(r["kind"], a.split(".")[1]) for a, r in resources.items() if r["kind"] != "scene"}
    stacks = {stack for kind, stack in kinds_by_stack if kind == "hyp3_job"}
    assert stacks == {STACK}, kinds_by_stack  # the other stacks' jobs were not submitted
    products = [a for a, r in resources.items() if r["kind"] == "product"]
    handoff = resources[f"mintpy.{STACK}"]["attributes"]
    assert sorted(handoff["products"]) == sorted(products) and products
    # The target converged: a second targeted plan has nothing to do.
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode", *target]).code == 0
