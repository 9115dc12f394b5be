"""The real CLI against the sandbox: an on-demand aria project submits HyP3 ARIA_S1_GUNW jobs only
for the network's (frame, pair)s without a published product, shows their credits, downloads and
verifies their GUNW files into data/aria/<stack>/, converges, and never submits a job twice
across kill -9 (docs/aria.md, "On demand")."""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from aria_helpers import EXPECTED, aria_records, on_demand_project, write_aria_project
from e2e_helpers import SandboxProcess, cli_subprocess, run_cli_subprocess

# The sandbox's catalogue (sandbox/aria_catalog.py) lacks 20210118_20210211 in both frames and
# 20210106_20210130 in frame 25501 (its frame-25502 product alone covers 50 %, below 60 %).
JOBS = {
    ("20210106_20210130", 25501),
    ("20210118_20210211", 25501),
    ("20210118_20210211", 25502),
}
MADE = {f"aria_product.A064.{frame}.{key}" for key, frame in JOBS}
JOINED = "aria_product.A064.25502.20210106_20210130"  # published; usable once 25501's is made


def _jobs(listed: list[dict]) -> set[tuple[str, int]]:
    """(key earlier first, frame) of ARIA_S1_GUNW jobs; ARIA's reference_date is the later date."""
    found = set()
    for job in listed:
        assert job["job_type"] == "ARIA_S1_GUNW"
        p = job["job_parameters"]
        assert p["secondary_date"] < p["reference_date"]
        key = f"{p['secondary_date'].replace('-', '')}_{p['reference_date'].replace('-', '')}"
        found.add((key, int(p["frame_id"])))
    return found


def test_on_demand_submits_only_the_missing_pairs_and_converges(
    run_cli, sandbox, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=50.0)
    sandbox.aria_settings(retrieval_delay=0.2)
    root = on_demand_project(tmp_path / "p", monkeypatch)
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    for key, frame in JOBS:
        assert f"+ hyp3_job.A064.{frame}.{key}  not submitted [60 credits]" in plan.output, plan.output
    assert "180 HyP3 credits" in plan.output and "this plan spends 180" in plan.output
    assert not [r for r in sandbox.requests() if r.method == "POST" and r.path == "/jobs"]

    done = run_cli(["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"])
    assert done.code == 0, done.output
    assert "HyP3 credits spent: 180" in done.output
    assert _jobs(sandbox.hyp3.jobs()) == JOBS and len(sandbox.hyp3.jobs()) == 3
    records = aria_records(root)
    assert set(records) == EXPECTED | MADE | {JOINED}
    for address in MADE:
        attrs = records[address]["attributes"]
        assert records[address]["status"] == "present" and attrs["source"] == "hyp3" and attrs["job_id"]
        path = root / "data" / attrs["path"]
        assert path.parent == root / "data" / "aria" / "A064" and path.stat().st_size == attrs["size"]
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0 and "No changes" in again.output, again.output
    assert "on-demand ARIA_S1_GUNW jobs: 3 (3 succeeded)" in run_cli(["-C", str(root), "show"]).output

    # A damaged product of a job is refused by its checks and downloaded again from the job.
    made = root / "data" / records[sorted(MADE)[0]]["attributes"]["path"]
    made.write_bytes(made.read_bytes()[:100])
    fixed = run_cli(["-C", str(root), "apply", "--yes"])
    assert fixed.code == 0, fixed.output
    from insarproj.aria.netcdf import check_gunw_layout

    check_gunw_layout(made)
    assert len(sandbox.hyp3.jobs()) == 3  # nothing resubmitted

    # on_demand off: the jobs' records are forgotten (the jobs stay on HyP3), their files set aside;
    # on again: the jobs are adopted by identity from the listing (0 credits) and the files return.
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("on_demand = true", "on_demand = false"))
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert set(aria_records(root)) == EXPECTED
    toml.write_text(toml.read_text().replace("on_demand = false", "on_demand = true"))
    back = run_cli(["-C", str(root), "plan"])
    assert "found on HyP3" in back.output and "[0 credits]" in back.output, back.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert len(sandbox.hyp3.jobs()) == 3
    assert set(aria_records(root)) == EXPECTED | MADE | {JOINED}
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_on_demand_jobs_are_never_submitted_twice_across_kill_9(tmp_path: Path) -> None:
    box = SandboxProcess(faults="slow:1@/jobs")  # slow HyP3 calls: kills land around the POST
    try:
        requests.post(
            box.url + "/_sandbox/hyp3/settings", json={"speed": 50.0}, timeout=10
        ).raise_for_status()
        root = write_aria_project(tmp_path / "p", extra="on_demand = true")
        env = {**box.env, "INSARPROJ_HYP3_LISTING_LAG": "0.5", "INSARPROJ_PLUGINS": ""}
        rng = random.Random(23)
        for _ in range(6):
            proc = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
            time.sleep(rng.uniform(0.5, 2.5))
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
        box.set_faults("")
        args = ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "60"]
        done = run_cli_subprocess(args, env, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        listed = requests.get(box.url + "/_sandbox/hyp3/jobs", timeout=10).json()["jobs"]
        counts = Counter(json.dumps(j["job_parameters"], sort_keys=True) for j in listed)
        assert listed and max(counts.values()) == 1, "a job was submitted twice"
        assert _jobs(listed) == JOBS
        check = run_cli_subprocess(["-C", str(root), "plan", "--detailed-exitcode"], env)
        assert check.returncode == 0, check.stdout + check.stderr
        assert set(aria_records(root)) == EXPECTED | MADE | {JOINED}
    finally:
        box.stop()


def test_a_job_for_a_product_published_since_the_search_is_refunded_and_retrieved_once(
    run_cli, sandbox, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """HyP3 answers a job whose product exists from its archive (SUCCEEDED at once, credits
    refunded); that product is in long-term storage here: waiting work, retrieved once, and its
    download URL is not asked again while it is retrieved."""
    from aria_helpers import ARCHIVED, download_gets

    sandbox.hyp3_settings(speed=50.0)
    sandbox.aria_settings(unlisted=[ARCHIVED], retrieval_delay=3600)  # published after the search
    root = on_demand_project(tmp_path / "p", monkeypatch)
    toml = root / "project.toml"  # later dates: frame 25501 has products on 2021-02-11 beside ARCHIVED
    toml.write_text(toml.read_text().replace("end = 2021-02-15", "end = 2021-03-01"))
    address = "aria_product.A064.25501.20210130_20210211"
    plan = run_cli(["-C", str(root), "plan"])
    assert "+ hyp3_job.A064.25501.20210130_20210211  not submitted [60 credits]" in plan.output, plan.output
    before = float(sandbox.hyp3_settings()["credits"])
    deadline = time.monotonic() + 30
    while aria_records(root).get(address, {}).get("status") != "retrieving":
        assert time.monotonic() < deadline, "the job's archived product never started a retrieval"
        assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
        time.sleep(0.2)
    waiting = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert waiting.code == 2 and "retrieving from long-term storage since" in waiting.output, waiting.output
    gets = len(download_gets(sandbox, ARCHIVED))
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert len(download_gets(sandbox, ARCHIVED)) == gets  # the retrieval is not requested again

    sandbox.aria_settings(retrieval_delay=0)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    record = aria_records(root)[address]
    assert record["status"] == "present" and record["attributes"]["name"] == ARCHIVED
    assert record["attributes"]["source"] == "hyp3"
    assert sandbox.aria.retrievals == {ARCHIVED: 1}
    assert float(sandbox.hyp3_settings()["credits"]) == before - 60 * (len(sandbox.hyp3.jobs()) - 1)
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_a_job_file_name_that_is_a_path_is_refused_and_nothing_is_written(
    run_cli, sandbox, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=50.0)
    root = on_demand_project(tmp_path / "p", monkeypatch)
    sandbox.set_faults("evil-name")  # HyP3 lists "../../../../<name>.nc" as the job's file
    args = ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"]
    done = run_cli(args)
    assert done.code == 4, done.output  # cannot converge: the made files are refused
    plan = run_cli(["-C", str(root), "plan"])
    assert "made a file insarproj refuses" in plan.output, plan.output
    assert not MADE & set(aria_records(root))
    # 20210118_20210211 has no published product: no file of it anywhere
    assert not list(tmp_path.rglob("*20210211_20210118*.nc"))
