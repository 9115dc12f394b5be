"""Queue limits and end states, pure: packing commands into tasks, SLURM time limits, the cluster's
and the association's limits, and `scontrol -o show job` as this machine's SLURM prints it
(tests/slurm/data: captured from the test cluster; no cluster needed here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.isce.slurm.limits import (
    ClusterConfig,
    parse_config,
    parse_max_submit,
    parse_show_job,
    queue_limit,
)
from insarproj.isce.slurm.packing import layout, pack, parse_time, scale_time, tasks_allowed

DATA = Path(__file__).resolve().parent / "data"


# todo, later steps' commands, free queue slots → tasks this step may queue
@pytest.mark.parametrize(
    ("todo", "later", "free", "tasks"),
    [
        (8, 2, 4, 3),  # its share of 4 slots: floor(4 * 8 / 10)
        (8, 0, 100, 8),  # room for all: one command per task
        (500, 0, 100, 100),
        (1, 15, 4, 1),  # a small share still gets one task
        (3, 0, 0, 1),  # no free slot (the caller waits for room before this)
        (0, 5, 10, 0),
    ],
)
def test_a_step_gets_its_share_of_the_free_queue(todo: int, later: int, free: int, tasks: int) -> None:
    assert tasks_allowed(todo, later, free) == tasks


def test_packing_keeps_the_order_and_splits_arrays_at_max_array_size() -> None:
    keys = [f"k{n}" for n in range(8)]
    assert pack(keys, 3) == [["k0", "k1", "k2"], ["k3", "k4", "k5"], ["k6", "k7"]]
    assert pack(keys, 20) == [[k] for k in keys] and pack([], 3) == []
    plan = layout(keys, later=0, free=5, max_array_size=3)  # 5 tasks of 2, 2, 2, 1, 1
    assert [[len(t) for t in a] for a in plan.arrays] == [[2, 2, 2], [1, 1]] and plan.per_task == 2
    assert [k for a in plan.arrays for t in a for k in t] == keys


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5", 300),
        ("5:00", 300),
        ("04:00:00", 14400),
        ("1-00:00:00", 86400),
        ("2-12", 216000),
        ("1-0:30", 88200),
    ],
)
def test_slurm_time_limits_parse(text: str, seconds: int) -> None:
    assert parse_time(text) == seconds


def test_a_packed_task_gets_the_time_of_all_its_commands() -> None:
    options = ["--time=5:00", "--cpus-per-task=1", "--mem=4G"]
    assert scale_time(options, 3) == ["--time=00:15:00", "--cpus-per-task=1", "--mem=4G"]
    assert scale_time(["--time=10:00:00"], 3)[0] == "--time=1-06:00:00"
    assert scale_time(options, 1) == options


CONFIG = """Configuration data as of 2026-12-06T07:54:40
AccountingStorageType   = accounting_storage/none
MaxArraySize            = 3
MaxJobCount             = 10000
MinJobAge               = 2 sec
"""


def test_the_cluster_limits_from_scontrol_and_sacctmgr() -> None:
    cluster = parse_config(CONFIG)
    assert cluster == ClusterConfig(max_array_size=3, max_job_count=10000, accounting=False)
    assert parse_config("AccountingStorageType   = accounting_storage/slurmdbd\n") == ClusterConfig(
        1001, 10000, True
    )
    assert parse_max_submit("\n200\n50\n") == 50 and parse_max_submit("\n") is None  # empty: no limit
    without = queue_limit(None, cluster, None)
    assert without.limit == 10000 and "no accounting on this cluster" in without.source
    assert queue_limit(4, cluster, None).source == "[processor.isce.slurm] max_queued_tasks"
    kept = ClusterConfig(1001, 10000, True)
    assert queue_limit(400, kept, 50).limit == 50 and "MaxSubmitJobs" in queue_limit(400, kept, 50).source
    assert "sets no MaxSubmitJobs" in queue_limit(None, kept, None).source


def test_scontrol_show_job_end_states() -> None:
    timeout = (DATA / "scontrol-show-job-timeout.txt").read_text()
    assert parse_show_job(timeout) == {"2_1": "TIMEOUT", "2_0": "TIMEOUT"}
    ended = parse_show_job((DATA / "scontrol-show-job-ended.txt").read_text())
    assert ended == {"8_2": "COMPLETED", "8_1": "FAILED", "8_0": "COMPLETED"}
    assert parse_show_job((DATA / "scontrol-show-job-held.txt").read_text()) == {}  # a pending range
    # OUT_OF_MEMORY needs memory enforcement this test cluster lacks: the same line, that state.
    oom = timeout.replace("JobState=TIMEOUT Reason=TimeLimit", "JobState=OUT_OF_MEMORY Reason=OutOfMemory")
    assert parse_show_job(oom)["2_0"] == "OUT_OF_MEMORY"
    assert parse_show_job("slurm_load_jobs error: Invalid job id specified\n") == {}
