"""The batch script insarproj writes, run by bash as SLURM would run one task (no cluster needed):
it runs its task's commands after env_setup and writes each one's records."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from insarproj.config.isce import SlurmConfig
from insarproj.isce.slurm.script import ArrayScript, write_array


def test_a_task_runs_its_commands_and_records_each_exit_status(tmp_path: Path) -> None:
    folder, work = tmp_path / "sub 1", tmp_path / "work"
    work.mkdir()
    how = ArrayScript(
        job_name="insarproj-abcd1234-A064-03",
        sbatch_options=("--time=10:00",),
        sbatch_lines=("#SBATCH --constraint=fast",),
        env_setup=("export GREETING=hello",),
        work=work,
        throttle=2,
    )
    tasks = [[("a", "echo $GREETING > a.txt")], [("b", "echo 'it\tfailed' && exit 3"), ("c", "pwd > c.txt")]]
    script = write_array(folder, 0, tasks, how)
    text = script.read_text()
    assert "#SBATCH --array=0-1%2" in text and "#SBATCH --kill-on-invalid-dep=yes" in text
    assert "#SBATCH --constraint=fast" in text and "#SBATCH --time=10:00" in text
    for task in ("0", "1"):
        env = {**os.environ, "SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": task}
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == (0 if task == "0" else 3), done.stderr
    assert (work / "a.txt").read_text() == "hello\n" and (work / "c.txt").read_text().strip() == str(work)
    assert (folder / "a.rc").read_text() == "0 77\n" and (folder / "b.rc").read_text() == "3 77\n"
    assert (folder / "b.start").read_text() == "77 1\n" and "it\tfailed" in (folder / "b.log").read_text()
    assert (folder / "part0.job").read_text() == "77\n"


def test_step_overrides_pick_the_sbatch_options() -> None:
    config = SlurmConfig.model_validate(
        {
            "partition": "normal",
            "qos": "long",
            "time_limit": "01:00:00",
            "extra_args": ["--exclusive"],
            "steps": {
                "11_unwrap": {"time_limit": "08:00:00", "mem": "32G"},
                "merge_burst_igram": {"cpus_per_task": 8},
            },
        }
    )
    assert config.sbatch_options("11_unwrap") == [
        "--time=08:00:00",
        "--cpus-per-task=4",
        "--partition=normal",
        "--qos=long",
        "--mem=32G",
        "--exclusive",
    ]
    assert config.sbatch_options("09_merge_burst_igram")[:2] == ["--time=01:00:00", "--cpus-per-task=8"]
    assert config.sbatch_options("01_unpack_topo_reference")[0] == "--time=01:00:00"
