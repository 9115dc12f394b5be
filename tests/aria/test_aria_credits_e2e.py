"""Every credit figure of an on-demand aria project adds up when HyP3 refunds a job whose product
already existed (answered from its archive, credit_cost 0 in the listing): the apply summary, the
job records and `show` count what the account was really charged (docs/aria.md "Credits")."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aria_helpers import ARCHIVED, on_demand_project


def test_a_refunded_job_counts_0_in_the_apply_summary_and_in_show(
    run_cli, sandbox, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=50.0)
    sandbox.aria_settings(unlisted=[ARCHIVED], retrieval_delay=0.2)  # published after the search
    root = on_demand_project(tmp_path / "p", monkeypatch)
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("end = 2021-02-15", "end = 2021-03-01"))
    plan = run_cli(["-C", str(root), "plan"])
    assert "+ hyp3_job.A064.25501.20210130_20210211  not submitted [60 credits]" in plan.output, plan.output
    jobs = len(re.findall(r"\+ hyp3_job\.\S+  not submitted \[60 credits\]", plan.output))
    before = float(sandbox.hyp3_settings()["credits"])

    args = ["apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]
    done = run_cli(["-C", str(root), *args])
    assert done.code == 0, done.output
    charged = 60 * (jobs - 1)  # one job's product already existed: refunded
    assert before - float(sandbox.hyp3_settings()["credits"]) == charged
    assert f"HyP3 credits spent: {charged:g}, credits left" in done.output, done.output
    assert "(60 refunded for products that already existed)" in done.output, done.output
    assert f"; {charged:g} credits charged" in run_cli(["-C", str(root), "show"]).output
