"""Issue 14 ("converged means correct"), the HyP3 job protocol, through the real CLI against the
sandbox: failed work stays visible (exit 4), waits are honest, windows run on the server's clock."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from e2e_helpers import apply_wait, cli_subprocess, quiesce, state_of, write_project

from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'
THREE_DAYS = 3 * 86400.0


def hyp3_project(root: Path, *, end: str = "2021-01-20", extra: str = "") -> Path:
    return write_project(root, kind="hyp3", end=end, processor_extra=HYP3 + extra)


def posts(sandbox) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests() if r.method == "POST" and r.path == "/jobs"]


def logged_posts(url: str) -> list[dict]:
    """POST /jobs from the sandbox's request log as a client reads it (GET /_sandbox/log)."""
    log = requests.get(url + "/_sandbox/log", timeout=10).json()
    return [r for r in log if r["method"] == "POST" and r["path"] == "/jobs"]


def sandbox_jobs(url: str) -> list[dict]:
    return requests.get(url + "/_sandbox/hyp3/jobs", timeout=10).json()["jobs"]


def per_identity(jobs: list[dict]) -> Counter:
    return Counter(json.dumps([j["job_type"], j["job_parameters"]], sort_keys=True) for j in jobs)


def job_records(root: Path) -> dict[str, dict]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == "hyp3_job"}


def products_present(root: Path) -> bool:
    state = state_of(root)["resources"]
    jobs = [a for a, r in state.items() if r["kind"] == "hyp3_job"]
    products = [r for r in state.values() if r["kind"] == "product" and r["status"] == "present"]
    return bool(jobs) and len(products) == len(jobs)


# -- defect 2: failed for good is never "No changes" -------------------------------------------


def test_failed_for_good_is_listed_with_reason_and_way_out_and_exits_4(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", extra="max_attempts = 1\n")
    fast_hyp3.set_faults("job-fail:1.0")
    applied = apply_wait(run_cli, root)
    assert applied.code == ExitCode.FAILED, applied.output
    assert "failed for good" in applied.output and "--retry-failed" in applied.output
    n_jobs = len(job_records(root))
    assert all(r["status"] == "failed" for r in job_records(root).values())

    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0
    assert "No changes" not in plan.output and "matches project.toml" not in plan.output
    assert "Failed for good" in plan.output and "_hyp3products/" in plan.output  # the job's log
    assert (
        "max_attempts" in plan.output and "exclude_pairs" in plan.output and "--retry-failed" in plan.output
    )
    assert f"{n_jobs} items failed for good" in plan.output
    for args in (
        ["plan", "--detailed-exitcode"],
        ["plan", "--offline", "--detailed-exitcode"],
        ["apply", "--yes"],
    ):
        result = run_cli(["-C", str(root), *args])
        assert result.code == ExitCode.FAILED, (args, result.output)
    as_json = json.loads(run_cli(["-C", str(root), "plan", "--json"]).stdout)
    assert {a["op"] for a in as_json["actions"]} == {"failed"} and as_json["summary"]["failed"] == n_jobs
    # Failed for good outranks other pending work in --detailed-exitcode.
    assert (
        run_cli(["-C", str(root), "plan", "--detailed-exitcode", "--target", "hyp3_job"]).code
        == ExitCode.FAILED
    )

    # The way out: one more attempt each, shown with its cost, then it converges.
    preview = run_cli(["-C", str(root), "plan", "--retry-failed"])
    assert "-/+" in preview.output and "--retry-failed" in preview.output and "credits" in preview.output
    fast_hyp3.set_faults("")
    retried = apply_wait(run_cli, root, "--retry-failed")
    assert retried.code == 0, retried.output
    assert products_present(root)
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


# -- defect 3: no false listing-lag hold, --wait never ends at 0 with work undone ---------------


def test_job_found_after_kill_9_that_fails_is_resubmitted_at_once(
    tmp_path: Path, fast_hyp3, monkeypatch, run_cli
) -> None:  # type: ignore[no-untyped-def]
    # A listing lag long enough that the old hold would swallow the resubmission.
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "30")
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.hyp3_settings(post_stall=5.0)
    fast_hyp3.set_faults("post-timeout:1,job-fail:1.0")
    proc = cli_subprocess(["-C", str(root), "apply", "--yes"], {})
    deadline = time.monotonic() + 30
    while not sandbox_jobs(fast_hyp3.url) and time.monotonic() < deadline:
        time.sleep(0.02)
    created = len(sandbox_jobs(fast_hyp3.url))
    assert created, "the sandbox never stored the jobs"
    os.kill(proc.pid, signal.SIGKILL)  # HyP3 created the jobs; insarproj never recorded the ids
    proc.communicate()
    assert {r["status"] for r in job_records(root).values()} == {"intent"}
    fast_hyp3.set_faults("")
    time.sleep(0.3)  # the jobs have FAILED by now
    quiesce(fast_hyp3, timeout=10)
    fast_hyp3.clear_requests()

    plan = run_cli(["-C", str(root), "plan"])
    assert "attempt 2 of 2" in plan.output, plan.output
    done = apply_wait(run_cli, root)
    assert done.code == 0, done.output
    assert "moments ago" not in done.output
    quiesce(fast_hyp3)
    assert len(posts(fast_hyp3)) == 1  # the resubmissions the plan showed, at once, once
    assert products_present(root)
    for record in job_records(root).values():
        ids = [a["job_id"] for a in record["attributes"]["attempts"]]
        assert len(ids) == len(set(ids)) == 2  # the failed job (recorded when seen) and its resubmission
    assert len(sandbox_jobs(fast_hyp3.url)) == 2 * created


def test_wait_ends_at_once_naming_paid_resubmissions_no_plan_showed(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")  # max_attempts 2
    fast_hyp3.set_faults("job-fail:1.0")
    started = time.monotonic()
    result = apply_wait(run_cli, root)
    assert result.code == ExitCode.PENDING, result.output
    assert time.monotonic() - started < 30, "it must not wait out --timeout"
    assert "paid submissions came up while waiting" in result.output
    assert "hyp3_job." in result.output.split("paid submissions came up")[1]
    assert len(posts(fast_hyp3)) == 1  # nothing paid without a plan the user saw


def test_apply_deferring_work_for_credits_does_not_exit_0(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    fast_hyp3.hyp3_settings(credits=25.0)
    root = hyp3_project(tmp_path / "p", end="2021-02-20")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.PENDING, result.output
    assert "deferred" in result.output and "not enough credits" in result.output


# -- defect 4: one bad poll does not end --wait ---------------------------------------------------


@pytest.mark.parametrize("fault", ["5xx:3@/jobs", "429:3@/jobs"])
def test_wait_survives_transient_errors_of_the_status_listing(tmp_path: Path, sandbox, fault: str) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=1.0)  # jobs run ~4 s: several polls
    root = hyp3_project(tmp_path / "p")
    env = {"INSARPROJ_HYP3_LISTING_LAG": "0.5"}
    proc = cli_subprocess(
        ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "90"], env
    )
    deadline = time.monotonic() + 30
    # Once the jobs are submitted and the first status listing answered, the listing starts failing.
    while time.monotonic() < deadline:
        if posts(sandbox) and any(r.method == "GET" and r.path == "/jobs" for r in sandbox.requests()[-3:]):
            break
        time.sleep(0.02)
    sandbox.set_faults(fault)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert "trying again" in err
    failed = [r for r in sandbox.requests() if r.path == "/jobs" and r.status in (429, 503)]
    assert len(failed) == 3
    assert products_present(root)


# -- defect 5: the server's clock, not ours ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "skew"),
    [("post-5xx:1", -THREE_DAYS), ("post-5xx:1", THREE_DAYS), ("post-timeout:1", -THREE_DAYS)],
    ids=["5xx-client-3-days-ahead", "5xx-client-3-days-behind", "timeout-client-3-days-ahead"],
)
def test_uncertain_post_with_a_skewed_clock_is_never_posted_twice(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch, fault: str, skew: float
) -> None:  # type: ignore[no-untyped-def]
    # The server clock off by ±3 days is the client's clock off by ∓3 days.
    fast_hyp3.hyp3_settings(clock_skew=skew, post_stall=2.0)
    monkeypatch.setenv("INSARPROJ_HYP3_SUBMIT_TIMEOUT", "1")
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.set_faults(fault)
    first = run_cli(["-C", str(root), "apply", "--yes"])
    assert first.code == ExitCode.ERROR and "may or may not" in first.output
    assert {r["status"] for r in job_records(root).values()} == {"unknown"}
    fast_hyp3.set_faults("")
    deadline = time.monotonic() + 10
    while not logged_posts(fast_hyp3.url) and time.monotonic() < deadline:
        time.sleep(0.05)  # a stalled POST is logged when its stall ends
    assert len(logged_posts(fast_hyp3.url)) == 1
    created = per_identity(sandbox_jobs(fast_hyp3.url))
    time.sleep(0.8)  # past the listing lag
    second = apply_wait(run_cli, root)
    assert second.code == 0, second.output
    assert len(logged_posts(fast_hyp3.url)) == 1, "the uncertain POST was made again"
    assert per_identity(sandbox_jobs(fast_hyp3.url)) == created
    assert products_present(root)


# -- defect 12: an expired product shows its resubmission in the first plan after expiry ---------


def test_first_plan_after_expiry_shows_the_resubmission_with_cost(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.set_faults("expire")
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", "hyp3_job"]).code == 0
    assert {r["status"] for r in job_records(root).values()} == {"submitted"}
    time.sleep(0.5)  # SUCCEEDED and expired at once
    plan = run_cli(["-C", str(root), "plan"])
    n_jobs = len(job_records(root))
    replaced = [line for line in plan.output.splitlines() if "-/+ hyp3_job." in line]
    assert len(replaced) == n_jobs, plan.output
    assert all("expired" in line and "credits" in line and "attempt 2 of 2" in line for line in replaced)
    # With no attempt left it is failed for good in that same first plan, not hidden.
    (root / "project.toml").write_text(
        (root / "project.toml")
        .read_text()
        .replace('job_type = "INSAR_GAMMA"', 'job_type = "INSAR_GAMMA"\nmax_attempts = 1')
    )
    strict = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert strict.code == ExitCode.FAILED, strict.output
    assert "Failed for good" in strict.output and "expired" in strict.output
