"""The SLURM commands insarproj calls (sbatch, squeue, scancel, scontrol, sacct), each one process.

Every query is limited to the user's own jobs (`squeue --me`); one `squeue` serves a whole refresh
(docs/slurm.md "What insarproj asks of the cluster").
"""

from __future__ import annotations

import getpass
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from insarproj.errors import InsarprojError
from insarproj.isce.slurm.limits import ClusterConfig, parse_config, parse_max_submit, parse_show_job
from insarproj.isce.slurm.script import slurm_output
from insarproj.procutil import env_without_secrets

__all__ = ["QueueEntry", "SlurmCommands", "SlurmUnavailable"]

_QUEUE_FORMAT = "%F|%K|%T|%r|%j|%o"
_TIMEOUT = 60.0


# sbatch waits at this gate until its identity is recorded (docs/slurm.md "Crash safety"): if
# insarproj dies first, the gate reads end-of-file and sbatch never runs.
_GATE = 'read -r go && [ "$go" = go ] && exec "$@"'


class SlurmUnavailable(InsarprojError):
    """A SLURM command is missing or its controller does not answer."""


@dataclass(frozen=True)
class QueueEntry:
    """One array task (or a whole pending array) of the user's queue."""

    job_id: str  # the array's job id (SLURM_ARRAY_JOB_ID)
    task: str  # the task id, or a range for a pending array squeue did not expand
    state: str  # PENDING, RUNNING, COMPLETING, ...
    reason: str
    name: str
    script: str  # the batch script's path as submitted


class SlurmCommands:
    """Runs SLURM's client commands; ``prefix`` limits what is read to the project's jobs."""

    def __init__(self, prefix: str = "insarproj-") -> None:
        self.prefix = prefix
        self.user_tasks = 0  # every task of the user's in the last queue read, any project's

    def _run(self, args: Sequence[str], what: str) -> str:
        # sbatch hands its environment to the job (and slurmctld keeps a copy): no Earthdata secret.
        env = env_without_secrets()  # sbatch hands its environment to the job
        try:
            done = subprocess.run(
                list(args), capture_output=True, text=True, timeout=_TIMEOUT, check=False, env=env
            )
        except FileNotFoundError:
            raise SlurmUnavailable(
                f"{args[0]} is not on PATH",
                hint='run insarproj on a SLURM login node, or set executor = "local"',
            ) from None
        except subprocess.TimeoutExpired:
            raise SlurmUnavailable(f"{args[0]} did not answer within {_TIMEOUT:g} s ({what})") from None
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip().splitlines()
            raise SlurmUnavailable(
                f"{args[0]} failed ({what}): {message[-1] if message else done.returncode}"
            )
        return done.stdout

    def queue(self) -> list[QueueEntry]:
        """The user's queued and running array tasks of this project (one squeue call)."""
        out = self._run(["squeue", "--me", "-h", "-r", "-o", _QUEUE_FORMAT], "reading the queue")
        self.user_tasks = sum(1 for line in out.splitlines() if line.strip())
        entries = []
        for line in out.splitlines():
            parts = line.split("|", 5)
            if len(parts) == 6 and parts[4].startswith(self.prefix):
                entries.append(QueueEntry(*(p.strip() for p in parts)))
        return entries

    def submit(
        self, script: Path, dependency: Sequence[str] = (), started: Callable[[int], None] | None = None
    ) -> str:
        """sbatch the script; its job id. afterok on every id in ``dependency``. With ``started``,
        sbatch's process waits at a gate until ``started(pid)`` has returned (it records the pid)."""
        args = ["sbatch", "--parsable", f"--output={slurm_output(script)}"]
        if dependency:
            args.append("--dependency=afterok:" + ":".join(dependency))
        what = f"submitting {script.name}"
        run = [*args, str(script)]
        out = self._gated(run, what, started) if started else self._run(run, what)
        job_id = out.strip().split(";", 1)[0]
        if not job_id.isdigit():
            raise SlurmUnavailable(f"sbatch answered {out.strip()!r} instead of a job id")
        return job_id

    def cancel(self, job_ids: Sequence[str]) -> None:
        if job_ids:
            self._run(["scancel", *job_ids], "cancelling " + " ".join(job_ids))

    def max_array_size(self) -> int:
        """The cluster's MaxArraySize (task indices stay below it)."""
        return self.cluster().max_array_size

    def cluster(self) -> ClusterConfig:
        """MaxArraySize, MaxJobCount and whether accounting is kept (one `scontrol show config`)."""
        return parse_config(self._run(["scontrol", "show", "config"], "reading the cluster's configuration"))

    def max_submit(self, cluster: ClusterConfig) -> int | None:
        """The user's MaxSubmitJobs from sacctmgr; None without accounting or when it refuses."""
        if not cluster.accounting:
            return None
        user = getpass.getuser()
        args = ["sacctmgr", "-n", "-P", "show", "assoc", f"where user={user}", "format=MaxSubmit"]
        try:
            return parse_max_submit(self._run(args, "reading your job limits"))
        except SlurmUnavailable:
            return None

    def accounting(self, job_ids: Sequence[str]) -> dict[str, str]:
        """``<job>_<task>`` → SLURM's end state (TIMEOUT, OUT_OF_MEMORY, ...) from sacct: one call
        for the arrays not asked about before in this process (ended jobs do not change); once
        sacct has failed (accounting off or restricted: sacct is optional), `scontrol show job`
        once per array instead."""
        wanted = [job for job in job_ids if job not in _ASKED]
        if wanted and _ASKED.get("sacct-unavailable"):
            _ASKED.update(dict.fromkeys(wanted, ""))
            self._shown(wanted)
        elif wanted:
            _ASKED.update(dict.fromkeys(wanted, ""))
            try:
                out = self._run(
                    ["sacct", "-n", "-P", "-X", "-o", "JobID,State", "-j", ",".join(wanted)],
                    "reading accounting",
                )
            except SlurmUnavailable:
                _ASKED["sacct-unavailable"] = "yes"
                self._shown(wanted)
                out = ""
            for line in out.splitlines():
                job, _, state = line.partition("|")
                if job and state:
                    _ENDED[job.strip()] = state.split()[0]
        return {task: state for task, state in _ENDED.items() if task.split("_")[0] in job_ids}

    def _shown(self, job_ids: Sequence[str]) -> None:
        """Without sacct: `scontrol show job` knows an ended array's task states (TIMEOUT,
        OUT_OF_MEMORY) for MinJobAge after it ended; one call per array."""
        for job in job_ids:
            try:
                out = self._run(["scontrol", "-o", "show", "job", job], f"reading job {job}")
            except SlurmUnavailable:  # forgotten already (past MinJobAge)
                continue
            _ENDED.update(parse_show_job(out))

    def _gated(self, args: Sequence[str], what: str, started: Callable[[int], None]) -> str:
        """Run ``args`` behind the gate: ``started(pid)`` first, then the process may exec."""
        env = env_without_secrets()  # sbatch hands its environment to the job
        if shutil.which(args[0], path=env.get("PATH")) is None:
            raise SlurmUnavailable(
                f"{args[0]} is not on PATH",
                hint='run insarproj on a SLURM login node, or set executor = "local"',
            )
        gate = ["/bin/sh", "-c", _GATE, "sh", *args]
        pipe = subprocess.PIPE
        process = subprocess.Popen(gate, stdin=pipe, stdout=pipe, stderr=pipe, text=True, env=env)
        try:
            started(process.pid)
            out, err = process.communicate("go\n", timeout=_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise SlurmUnavailable(f"{args[0]} did not answer within {_TIMEOUT:g} s ({what})") from None
        except BaseException:
            process.kill()  # still at the gate unless `started` returned: nothing was submitted
            process.communicate()
            raise
        if process.returncode != 0:
            message = (err or out).strip().splitlines()
            raise SlurmUnavailable(
                f"{args[0]} failed ({what}): {message[-1] if message else process.returncode}"
            )
        return out


# What sacct said about ended arrays, and which arrays were asked about (per process).
_ENDED: dict[str, str] = {}
_ASKED: dict[str, str] = {}
