"""HyP3 end to end through the real CLI against the sandbox: never submitted twice, credits,
retries, expiry, bulk status refresh, verified products."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from e2e_helpers import (
    SandboxProcess,
    apply_wait,
    cli_subprocess,
    quiesce,
    run_cli_subprocess,
    state_of,
    write_project,
)

from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\ninclude_dem = true\ninclude_look_vectors = true\n'


def hyp3_project(root: Path, *, end: str = "2021-02-10", extra: str = "") -> Path:
    return write_project(root, kind="hyp3", end=end, processor_extra=HYP3 + extra)


def posts(log) -> list:  # type: ignore[no-untyped-def]
    return [r for r in log if r.method == "POST" and r.path == "/jobs"]


def sandbox_jobs(url: str) -> list[dict]:
    return requests.get(url + "/_sandbox/hyp3/jobs", timeout=10).json()["jobs"]


def identities(jobs: list[dict]) -> Counter:
    return Counter(json.dumps([j["job_type"], j["job_parameters"]], sort_keys=True) for j in jobs)


def test_hyp3_project_converges_with_verified_products(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    plan = run_cli(["-C", str(root), "plan"])
    assert "hyp3_job" in plan.output and "credits" in plan.output
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    state = state_of(root)["resources"]
    jobs = {a: r for a, r in state.items() if r["kind"] == "hyp3_job"}
    products = {a: r for a, r in state.items() if r["kind"] == "product"}
    assert jobs and all(r["status"] == "succeeded" for r in jobs.values())
    assert len(products) == len(jobs) and all(r["status"] == "present" for r in products.values())
    for record in products.values():
        folder = root / "data" / record["attributes"]["path"]
        # Per-file sizes and checksums live in the product's manifest; state keeps its hash.
        names = list(json.loads((folder / ".insarproj-manifest.json").read_text())["files"])
        assert record["attributes"]["manifest"]["files"] == len(names)
        assert any(n.endswith("_unw_phase.tif") for n in names) and any(n.endswith("_dem.tif") for n in names)
        assert any(n.endswith("_lv_theta.tif") for n in names)
        assert all((folder / n).is_file() for n in names)
        assert not list(folder.parent.glob("*.zip"))
    # Every job carries the project name; each identity was submitted once.
    listed = sandbox_jobs(fast_hyp3.url)
    assert {j["name"] for j in listed} == {"e2e"}
    assert max(identities(listed).values()) == 1
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    assert fast_hyp3.requests() == []  # converged: no request at all


def test_status_refresh_is_one_paged_listing(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    fast_hyp3.hyp3_settings(speed=0.01)  # jobs stay PENDING/RUNNING
    root = hyp3_project(tmp_path / "p", end="2021-03-15")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    n_jobs = len(sandbox_jobs(fast_hyp3.url))
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    result = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert result.code == ExitCode.PENDING and "waiting" in result.output
    gets = [r for r in fast_hyp3.requests() if r.method == "GET" and r.path.startswith("/jobs")]
    assert all(r.path == "/jobs" for r in gets), "status must come from the listing, not one GET per job"
    assert len(gets) <= math.ceil(n_jobs / 100) + 1


def test_post_timeout_is_never_retried_blindly(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.hyp3_settings(post_stall=2.0)
    fast_hyp3.set_faults("post-timeout:1")
    os.environ["INSARPROJ_HYP3_SUBMIT_TIMEOUT"] = "1"
    try:
        first = run_cli(["-C", str(root), "apply", "--yes"])
    finally:
        del os.environ["INSARPROJ_HYP3_SUBMIT_TIMEOUT"]
    assert first.code == ExitCode.ERROR and "may or may not" in first.output
    statuses = {r["status"] for r in state_of(root)["resources"].values() if r["kind"] == "hyp3_job"}
    assert statuses == {"unknown"}
    fast_hyp3.set_faults("")
    created = len(sandbox_jobs(fast_hyp3.url))
    assert created > 0  # the server did accept (and charge) the timed-out POST
    # The server logs the stalled POST only when its stall ends (after the client gave up).
    deadline = time.monotonic() + 10
    while not posts(fast_hyp3.requests()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(posts(fast_hyp3.requests())) == 1
    time.sleep(0.6)  # past the listing lag
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    second = apply_wait(run_cli, root)
    assert second.code == 0, second.output
    assert posts(fast_hyp3.requests()) == []  # the jobs of the timed-out POST were adopted
    assert len(sandbox_jobs(fast_hyp3.url)) == created
    assert max(identities(sandbox_jobs(fast_hyp3.url)).values()) == 1


def test_post_5xx_after_acceptance_is_resolved_by_listing(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.set_faults("post-5xx:1")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.ERROR
    quiesce(fast_hyp3)
    assert len(posts(fast_hyp3.requests())) == 1
    fast_hyp3.set_faults("")
    time.sleep(0.6)
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    assert apply_wait(run_cli, root).code == 0
    assert posts(fast_hyp3.requests()) == []
    assert max(identities(sandbox_jobs(fast_hyp3.url)).values()) == 1


def test_lagging_listing_is_waited_on_not_resubmitted(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "3")
    fast_hyp3.hyp3_settings(listing_lag=2.0)
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.set_faults("post-5xx:1")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.ERROR
    fast_hyp3.set_faults("")
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    # Right away: the jobs exist but the listing does not show them yet -> wait, do not resubmit.
    again = run_cli(["-C", str(root), "apply", "--yes"])
    assert "moments ago" in again.output
    assert posts(fast_hyp3.requests()) == []
    time.sleep(3.2)
    assert apply_wait(run_cli, root).code == 0
    assert posts(fast_hyp3.requests()) == []
    assert max(identities(sandbox_jobs(fast_hyp3.url)).values()) == 1


def test_credit_shortfall_submits_what_fits_in_connect_early_order(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    fast_hyp3.hyp3_settings(credits=35.0)
    root = hyp3_project(tmp_path / "p", end="2021-03-15")
    plan = run_cli(["-C", str(root), "plan"])
    assert "credits" in plan.output
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == ExitCode.PENDING, result.output  # deferred work is never exit 0
    assert len(sandbox_jobs(fast_hyp3.url)) == 3  # 3 × 10 credits fit in 35
    assert "not enough credits" in result.output or "skipped" in result.output
    pending = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert pending.code == ExitCode.PENDING and "not submitted" in pending.output


def test_max_credits_caps_one_apply(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-03-15", extra="max_credits = 20\n")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.PENDING  # the rest stays planned
    assert len(sandbox_jobs(fast_hyp3.url)) == 2


def test_failed_jobs_are_retried_up_to_max_attempts(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    fast_hyp3.set_faults("job-fail:1.0")
    first = apply_wait(run_cli, root)
    assert first.code == ExitCode.PENDING, first.output  # the resubmissions wait for a plan the user sees
    plan = run_cli(["-C", str(root), "plan"])
    assert "FAILED" in plan.output and "attempt 2 of 2" in plan.output and "credits" in plan.output
    second = apply_wait(run_cli, root)
    assert second.code == ExitCode.FAILED, second.output
    final = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert "2 of 2 attempts used" in final.output and final.code == ExitCode.FAILED
    # After recording the final failure nothing more is submitted.
    assert apply_wait(run_cli, root).code == ExitCode.FAILED
    jobs = sandbox_jobs(fast_hyp3.url)
    assert max(identities(jobs).values()) == 2  # two attempts per pair, never more
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == ExitCode.FAILED


def test_expired_product_is_planned_as_resubmission_with_cost(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    fast_hyp3.set_faults("expire")
    result = apply_wait(run_cli, root, "--target", "hyp3_job")
    assert result.code == ExitCode.PENDING, result.output  # the paid resubmissions need a plan
    plan = run_cli(["-C", str(root), "plan"])
    assert "expired" in plan.output and "credits" in plan.output


def test_plan_never_posts(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    run_cli(["-C", str(root), "plan"])
    assert all(r.method in ("GET", "HEAD") or r.path.startswith("/search") for r in fast_hyp3.requests())


@pytest.fixture(scope="module")
def hyp3_sandbox_process():  # type: ignore[no-untyped-def]
    box = SandboxProcess(faults="slow:1@/jobs")
    requests.post(box.url + "/_sandbox/hyp3/settings", json={"speed": 50.0}, timeout=10).raise_for_status()
    yield box
    box.stop()


def test_no_duplicate_submission_across_kill_points(tmp_path: Path, hyp3_sandbox_process) -> None:  # type: ignore[no-untyped-def]
    box = hyp3_sandbox_process
    root = hyp3_project(tmp_path / "p", end="2021-02-20")
    env = {**box.env, "INSARPROJ_HYP3_LISTING_LAG": "0.5"}
    rng = random.Random(11)
    for _ in range(10):
        proc = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
        time.sleep(rng.uniform(0.4, 2.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        time.sleep(0.6)
    done = run_cli_subprocess(
        ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "90"],
        env,
        timeout=150,
    )
    assert done.returncode == 0, done.stderr
    jobs = sandbox_jobs(box.url)
    assert jobs and max(identities(jobs).values()) == 1, "a job was submitted twice"
    check = run_cli_subprocess(["-C", str(root), "plan", "--detailed-exitcode"], env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_netrc_credentials_work_for_hyp3_through_the_login_cookie(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    netrc = Path(os.environ["NETRC"])
    netrc.write_text("machine localhost login sandbox password sandbox-password\n")
    netrc.chmod(0o600)
    monkeypatch.delenv("EARTHDATA_TOKEN")
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    api = [r for r in fast_hyp3.requests() if r.path.startswith("/jobs") or r.path == "/user"]
    assert api and all(r.authorization in (None, "") for r in api), "HyP3 gets the cookie, never Basic auth"
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    netrc.write_text("machine localhost login sandbox password wrong\n")
    fresh = hyp3_project(tmp_path / "q", end="2021-01-20")
    refused = run_cli(["-C", str(fresh), "apply", "--yes"])
    assert refused.code == ExitCode.ERROR and "EARTHDATA_TOKEN" in refused.output


def test_saved_plan_rechecks_live_hyp3_and_adopts_a_collaborators_jobs(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    ours = hyp3_project(tmp_path / "ours", end="2021-01-20")
    plan_file = tmp_path / "plan.json"
    assert run_cli(["-C", str(ours), "plan", "--out", str(plan_file)]).code == 0
    # Meanwhile a collaborator's clone (same project name, its own state) submits the same jobs.
    theirs = hyp3_project(tmp_path / "theirs", end="2021-01-20")
    assert run_cli(["-C", str(theirs), "apply", "--yes"]).code == 0
    submitted = len(sandbox_jobs(fast_hyp3.url))
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    result = run_cli(["-C", str(ours), "apply", str(plan_file)])
    assert result.code == 0, result.output
    assert posts(fast_hyp3.requests()) == []  # re-checked live: adopted, not paid twice
    assert len(sandbox_jobs(fast_hyp3.url)) == submitted
    assert "adopted" in json.dumps(state_of(ours)["resources"])


def test_show_pairs_and_network_plot(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    assert apply_wait(run_cli, root).code == 0
    listing = run_cli(["-C", str(root), "show", "--pairs"]).output
    assert "succeeded" in listing and "credits spent" in listing and "products" in listing
    summary = json.loads(run_cli(["-C", str(root), "show", "--json"]).stdout)
    assert summary["pairs"] and all(p["product"] for p in summary["pairs"])
    assert all(p["credits_spent"] == 10 for p in summary["pairs"])
    picture = tmp_path / "network.png"
    assert run_cli(["-C", str(root), "show", "--network", str(picture)]).code == 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_recent_pairs_are_held_for_precise_orbits(tmp_path: Path, fast_hyp3, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import insarproj.kinds.hyp3 as hyp3_kind

    # "Today" is 2021-01-25: pairs whose later date is after 2021-01-04 are younger than 21 days.
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    real_now = hyp3_kind._now
    monkeypatch.setattr(hyp3_kind, "_now", lambda ctx: real_now(ctx).replace(year=2021, month=1, day=25))
    plan = run_cli(["-C", str(root), "plan"])
    assert "held until their later date is 21 days old" in plan.output
    assert "hyp3_job" not in plan.output.split("Notes:")[0]  # every pair of the window is held


def test_failed_job_of_an_uncertain_post_counts_once_and_is_resubmitted(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-01-20")
    fast_hyp3.set_faults("post-5xx:1,job-fail:1.0")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.ERROR  # jobs exist, answer lost
    first = len(sandbox_jobs(fast_hyp3.url))
    time.sleep(1.0)  # past the listing lag; the jobs have FAILED by now
    plan = run_cli(["-C", str(root), "plan"])
    assert "attempt 2 of 2" in plan.output, plan.output
    fast_hyp3.set_faults("")
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    quiesce(fast_hyp3)
    assert len(posts(fast_hyp3.requests())) == 1  # the shown resubmission happened, once
    assert len(sandbox_jobs(fast_hyp3.url)) == 2 * first
    for record in state_of(root)["resources"].values():
        if record["kind"] == "hyp3_job":
            ids = [a["job_id"] for a in record["attributes"]["attempts"]]
            assert len(ids) == len(set(ids)) == 2  # the failed job and its resubmission, each once
