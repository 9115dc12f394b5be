"""Credits that add up, counts users think in, files of forgotten resources (docs/cli.md), through
the real CLI against the sandbox."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from e2e_helpers import apply_wait, quiesce, state_of, write_project

from insarproj.errors import ExitCode

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'
FOUND = "found on HyP3, submitted by an earlier apply or a clone"


def hyp3_project(root: Path, extra: str = "") -> Path:
    return write_project(root, kind="hyp3", end="2021-02-10", processor_extra=HYP3 + extra)


def plan_json(run_cli, root: Path, *extra: str) -> dict:  # type: ignore[no-untyped-def]
    result = run_cli(["-C", str(root), "plan", "--json", *extra])
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def headline(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(("Plan:", "No changes")))


def account_note(output: str) -> str:
    return next(line for line in output.splitlines() if "HyP3 account" in line)


def line_credits(output: str) -> float:
    """The sum of the credits every plan line shows, held-back lines excluded."""
    return sum(
        float(m.group(1))
        for line in output.splitlines()
        if "held back" not in line
        for m in [re.search(r"\[(\d+(?:\.\d+)?) credits", line)]
        if m
    )


def posts(sandbox) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests() if r.method == "POST" and r.path == "/jobs"]


def test_target_scopes_the_note_the_lines_and_the_headline(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    result = run_cli(["-C", str(root), "plan", "--target", "hyp3_job.A064"])
    assert result.code == 0, result.output
    # Three A064 jobs: every number the plan prints is 30, none is the whole project's 110.
    assert "this plan spends 30" in account_note(result.output)
    assert line_credits(result.output) == 30
    assert "3 interferograms to submit to HyP3" in headline(result.output)
    assert "; 30 HyP3 credits" in headline(result.output)
    whole = run_cli(["-C", str(root), "plan"])
    assert "this plan spends 110" in account_note(whole.output) and "; 110 HyP3 credits" in whole.output


def test_max_credits_headline_shows_what_the_cap_allows(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", "max_credits = 20\n")
    result = run_cli(["-C", str(root), "plan"])
    line = headline(result.output)
    assert "; 20 HyP3 credits now (9 more submissions, 90 credits, held back by max_credits" in line
    assert "this plan spends 20 (max_credits 20 per apply); 9 more submissions (90 credits)" in (
        account_note(result.output)
    )
    assert line_credits(result.output) == 20
    plan = plan_json(run_cli, root)
    assert plan["summary"]["credits"] == 20 and plan["summary"]["credits_held_back"] == 90
    now = {a["address"] for a in plan["actions"] if a["kind"] == "hyp3_job" and not a["held_back"]}
    # Apply submits exactly the jobs the plan did not hold back, and says what it spent.
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == ExitCode.PENDING, applied.output
    submitted = {a for a, r in state_of(root)["resources"].items() if r["kind"] == "hyp3_job"}
    assert submitted == now
    assert "HyP3 credits spent: 20, credits left: 9980." in applied.output


def test_apply_ends_with_credits_spent_and_left(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    assert "HyP3 credits spent: 110, credits left: 9890." in result.output
    again = run_cli(["-C", str(root), "apply", "--yes"])
    assert "credits spent" not in again.output  # nothing submitted or adopted: no account read


def test_headline_counts_interferograms_and_v_shows_internals(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    result = run_cli(["-C", str(root), "plan"])
    line = headline(result.output)
    assert "11 interferograms to submit to HyP3" in line and "22" not in line
    assert "pair.A064" not in result.output and "internal records" in result.output
    verbose = run_cli(["-C", str(root), "-v", "plan"])
    assert "pair.A064.20210106_20210118" in verbose.output
    assert "Resources: pair 11 to create; hyp3_job 11 to create." in verbose.output
    summary = plan_json(run_cli, root)["summary"]
    assert summary["items"] == {"interferogram": {"create": 11}}
    assert summary["by_kind"] == {"pair": {"create": 11}, "hyp3_job": {"create": 11}}
    assert summary["internal"] == 11


def test_lost_state_plans_adoptions_at_no_cost(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    assert apply_wait(run_cli, root).code == 0
    shutil.rmtree(root / ".insarproj")
    assert run_cli(["-C", str(root), "init", "--state-only"]).code == 0
    shutil.rmtree(root / "data" / "products" / "A064")  # those three are downloaded again
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    result = run_cli(["-C", str(root), "plan", "--out", str(tmp_path / "plan.json")])
    assert result.code == 0, result.output
    adopt_lines = [line for line in result.output.splitlines() if line.lstrip().startswith("<= hyp3_job.")]
    assert len(adopt_lines) == 11 and all(FOUND in line and "[0 credits]" in line for line in adopt_lines)
    line = headline(result.output)
    assert "11 interferograms to adopt from HyP3" in line and "credits" not in line
    assert "3 products to download, 8 to adopt from disk" in line
    listings = [r for r in fast_hyp3.requests() if r.method == "GET" and r.path == "/jobs"]
    assert len(listings) == 1  # one paged listing (the sandbox pages at 100 jobs)
    assert posts(fast_hyp3) == []
    # The saved plan adopts; it never pays.
    applied = run_cli(["-C", str(root), "apply", str(tmp_path / "plan.json")])
    assert applied.code == 0, applied.output
    assert posts(fast_hyp3) == []
    assert "HyP3 credits spent: 0, credits left: 9890 (11 jobs adopted from HyP3 at no cost)." in (
        applied.output
    )
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_offline_plan_says_it_could_not_check_for_adoptions(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    assert run_cli(["-C", str(root), "plan", "--out", str(tmp_path / "pin.json")]).code == 0
    assert run_cli(["-C", str(root), "apply", "--yes", "--target", "pair"]).code == 0  # pins the search
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    result = run_cli(["-C", str(root), "plan", "--offline"])
    assert result.code == 0, result.output
    assert "could not check HyP3 for jobs to adopt (--offline)" in result.output
    assert fast_hyp3.requests() == []


def test_forgotten_products_say_what_stays_and_prune_finds_them(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    assert apply_wait(run_cli, root).code == 0
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text().replace("end = 2021-02-10", "end = 2021-02-10\nexclude_dates = [2021-01-18]")
    )
    result = run_cli(["-C", str(root), "plan"])
    forget = [line for line in result.output.splitlines() if line.lstrip().startswith("- product.")]
    assert len(forget) == 4
    assert all(re.search(r"data/products/\w+/S1\w+ \(\d+\.\d KiB\)", line) for line in forget)
    assert all("until `apply --prune`" in line for line in forget)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    later = run_cli(["-C", str(root), "plan"])
    assert re.search(r"4 old products \(\d+\.\d KiB\) wait in data/superseded/products/", later.output)
    assert run_cli(["-C", str(root), "apply", "--yes", "--prune"]).code == 0
    assert not list((root / "data" / "superseded").rglob("*.tif"))


def test_forgotten_scenes_are_kept_listed_readopted_and_pruned(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="download", end="2021-01-20")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    toml = root / "project.toml"
    original = toml.read_text()
    excluded = original.replace("end = 2021-01-20", "end = 2021-01-20\nexclude_dates = [2021-01-18]")
    toml.write_text(excluded)
    result = run_cli(["-C", str(root), "plan"])
    forget = [line for line in result.output.splitlines() if line.lstrip().startswith("- scene.")]
    assert len(forget) == 3
    assert all(
        re.search(r"file kept on disk until .*: data/slc/S1\w+\.zip, \d+\.\d KiB", line) for line in forget
    )
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    files = sorted((root / "data" / "slc").glob("*20210118T*.zip"))
    assert len(files) == 3  # kept
    kept = {a for a, r in state_of(root)["resources"].items() if r["status"] == "orphaned"}
    assert len(kept) == 3
    note = run_cli(["-C", str(root), "plan"])
    assert "3 files of scenes that left the project stay on disk" in note.output
    assert "No changes" in note.output
    # Back in the project: the kept files are adopted, not downloaded again.
    toml.write_text(original)
    back = run_cli(["-C", str(root), "plan"])
    assert "3 scenes to adopt from disk" in back.output and "stay on disk" not in back.output
    # Out again and pruned later: a later --prune still knows the kept files.
    toml.write_text(excluded)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    pruned = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert pruned.code == 0 and "3 scenes to forget" in pruned.output
    assert not any(f.exists() for f in files)
    assert not [r for r in state_of(root)["resources"].values() if r["status"] == "orphaned"]


def test_a_failed_listing_leaves_the_plan_priced_and_says_so(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from insarproj.transfer.retry import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt, retry_after=None: 0.0)  # no backoff waits
    root = hyp3_project(tmp_path / "p")
    fast_hyp3.set_faults("5xx@/jobs")
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == 0, result.output
    assert "could not list the project's HyP3 jobs" in result.output
    assert "apply lists them again before submitting anything" in result.output
    listings = [r for r in fast_hyp3.requests() if r.method == "GET" and r.path == "/jobs"]
    assert 0 < len(listings) <= 6  # one listing (with its retries), not one per job


def test_a_saved_adoption_whose_job_expired_is_refused_not_paid(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    import requests

    root = hyp3_project(tmp_path / "p")
    assert apply_wait(run_cli, root).code == 0
    shutil.rmtree(root / ".insarproj")
    shutil.rmtree(root / "data")  # no product on disk: an expired job is no longer worth adopting
    assert run_cli(["-C", str(root), "init", "--state-only"]).code == 0
    saved = tmp_path / "plan.json"
    assert FOUND in run_cli(["-C", str(root), "plan", "--out", str(saved)]).output
    requests.post(fast_hyp3.url + "/_sandbox/hyp3/advance", data="2000000", timeout=10).raise_for_status()
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    applied = run_cli(["-C", str(root), "apply", str(saved)])
    assert applied.code == ExitCode.ERROR, applied.output
    assert "that the plan adopts at no cost is now SUCCEEDED, product not downloadable" in applied.output
    assert "run `insarproj plan` again" in applied.output
    assert posts(fast_hyp3) == []
    replanned = run_cli(["-C", str(root), "plan"])
    assert "; 110 HyP3 credits" in headline(replanned.output)  # the resubmissions, priced


def test_a_returning_pair_takes_its_kept_product_back_without_paying(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    import requests

    root = hyp3_project(tmp_path / "p")
    assert apply_wait(run_cli, root).code == 0
    toml = root / "project.toml"
    original = toml.read_text()
    toml.write_text(original.replace("end = 2021-02-10", "end = 2021-02-10\nexclude_dates = [2021-01-18]"))
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    kept = sorted(p.name for p in (root / "data" / "superseded" / "products").glob("*/*"))
    assert len(kept) == 4
    # HyP3 has deleted the products by now: only the kept folders can spare a resubmission.
    requests.post(fast_hyp3.url + "/_sandbox/hyp3/advance", data="2000000", timeout=10).raise_for_status()
    toml.write_text(original)
    result = run_cli(["-C", str(root), "plan", "--prune"])
    assert result.code == 0, result.output
    assert "4 interferograms to adopt from HyP3" in headline(result.output)
    assert "credits" not in headline(result.output)
    assert result.output.count("when its pair left; moved back") == 4
    assert "superseded  " not in result.output  # --prune deletes none of the folders taken back
    quiesce(fast_hyp3)
    fast_hyp3.clear_requests()
    applied = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert applied.code == 0, applied.output
    assert posts(fast_hyp3) == []
    back = sorted(p.name for p in (root / "data" / "products").glob("*/*"))
    assert set(kept) <= set(back) and not list((root / "data" / "superseded").glob("products/*/*"))
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0


def test_a_target_without_submissions_lists_no_jobs(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    result = run_cli(["-C", str(root), "plan", "--target", "pair.A064"])
    assert result.code == 0, result.output
    assert "HyP3 account" not in result.output  # nothing to pay for in this plan
    assert not [r for r in fast_hyp3.requests() if r.method == "GET" and r.path == "/jobs"]
    targeted = run_cli(["-C", str(root), "plan", "--target", "hyp3_job.A064.20210106_20210118"])
    assert "this plan spends 10" in account_note(targeted.output)
    assert [r for r in fast_hyp3.requests() if r.method == "GET" and r.path == "/jobs"]
