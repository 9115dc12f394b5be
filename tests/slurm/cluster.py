"""A real single-node SLURM for the tests: Debian's slurm-wlm and munge, configured for this host
(proctrack/linuxproc, task/none, no accounting, free ports, state in a temp dir), stopped by pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
MAX_ARRAY_SIZE = 3  # small, so that a test step of more commands is split into several arrays


class CannotStart(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Where the daemons are looked for; tests/slurm/test_slurm_fixture.py points it at an empty folder.
SBIN = os.environ.get("INSARPROJ_TEST_SLURM_SBIN")


def _daemon(name: str) -> str:
    for folder in SBIN.split(os.pathsep) if SBIN else ("/usr/sbin", "/usr/bin", "/usr/local/sbin"):
        if os.access(f"{folder}/{name}", os.X_OK):
            return f"{folder}/{name}"
    found = None if SBIN else shutil.which(name)
    if found is None:
        raise CannotStart(f"{name} is not installed (apt-get install slurm-wlm munge)")
    return found


def _conf(root: Path, host: str) -> str:
    user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
    return f"""ClusterName=insarprojtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
AuthInfo=socket={root}/munge/sock
CredType=cred/munge
SlurmUser={user}
SlurmdUser={user}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/log/slurmctld.log
SlurmdLogFile={root}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
MaxArraySize={MAX_ARRAY_SIZE}
MinJobAge=2
KillWait=2
SchedulerParameters=sched_interval=1,sched_min_interval=0,batch_sched_delay=0
NodeName={host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.conf = root / "slurm.conf"
        self.pids: list[int] = []

    @property
    def env(self) -> dict[str, str]:
        return {"SLURM_CONF": str(self.conf)}

    def start(self) -> Cluster:
        paths = {name: _daemon(name) for name in DAEMONS}
        for sub in ("munge", "state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        key = self.root / "munge" / "key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        self.conf.write_text(_conf(self.root, socket.gethostname().split(".")[0]))
        m = self.root / "munge"
        self._spawn(
            [
                paths["munged"],
                f"--key-file={key}",
                f"--socket={m}/sock",
                f"--pid-file={m}/pid",
                f"--log-file={m}/log",
                f"--seed-file={m}/seed",
                "--force",
            ],
            m / "pid",
        )
        env = {**os.environ, **self.env}
        self._spawn([paths["slurmctld"], "-i"], self.root / "slurmctld.pid", env)
        self._spawn([paths["slurmd"]], self.root / "slurmd.pid", env)
        self._wait_idle(env)
        return self

    def _spawn(self, args: list[str], pid_file: Path, env: dict[str, str] | None = None) -> None:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
        if done.returncode != 0:
            raise CannotStart(
                f"{Path(args[0]).name} did not start: {(done.stderr or done.stdout).strip()[-300:]}"
            )
        for _ in range(100):
            if pid_file.is_file() and pid_file.read_text().strip().isdigit():
                self.pids.append(int(pid_file.read_text().strip()))
                return
            time.sleep(0.05)
        raise CannotStart(f"{Path(args[0]).name} wrote no pid file")

    def _wait_idle(self, env: dict[str, str]) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, env=env)
            if out.stdout.strip() == "idle":
                return
            time.sleep(0.2)
        log = (self.root / "log" / "slurmd.log").read_text(errors="replace")[-500:]
        raise CannotStart(f"the node did not become idle within 20 s: {log}")

    def run(self, *args: str) -> str:
        env = {**os.environ, **self.env}
        return subprocess.run(list(args), capture_output=True, text=True, env=env, timeout=30).stdout

    def jobs(self) -> list[str]:
        """`<job>|<name>|<state>` of every job in the queue."""
        return [line for line in self.run("squeue", "-h", "-r", "-o", "%i|%j|%T").splitlines() if line]

    def stop(self) -> None:
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for pid in self.pids:
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
