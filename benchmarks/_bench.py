"""Shared by the benchmarks: the sandbox as its own process, whole-process timing, one table.

Every figure is a whole process timed from outside (start-up included), repeated, and quoted as
the median with min and max beside it; a baseline runs in turn with the measured command (A B A B
…), so a drift of the machine's speed moves both alike.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def insarproj_command() -> list[str]:
    """The `insarproj` console script beside this Python, as users run it; else `python -m`."""
    script = Path(sys.executable).with_name("insarproj")
    if script.exists():
        return [str(script)]
    found = shutil.which("insarproj")
    return [found] if found else [sys.executable, "-m", "insarproj"]


@dataclass
class Runs:
    """Wall seconds, CPU seconds (user + sys) and peak RSS (MiB) of each run of one command."""

    label: str
    wall: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    # On a shared machine wall time swings with the other load; the CPU a process spent much less.
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def spread(self) -> str:
        return f"{self.median:7.3f} s  ({min(self.wall):.3f}–{max(self.wall):.3f})"

    def cpu_spread(self) -> str:
        return f"{statistics.median(self.cpu):7.3f} s  ({min(self.cpu):.3f}–{max(self.cpu):.3f})"

    def add(self, measured: tuple[float, float, int, float]) -> None:
        """One run, as `run_once` measures it: (wall s, peak RSS MiB, exit code, CPU s)."""
        wall, peak, code, cpu = measured
        self.wall.append(wall)
        self.peak_mib.append(peak)
        self.codes.append(code)
        self.cpu.append(cpu)

    def peak(self) -> str:
        return f"{statistics.median(self.peak_mib):6.0f} MiB" if self.peak_mib else ""


# The child is spawned from a lean runner process, not from the benchmark itself: on Linux a
# child's peak RSS counts the memory of the process it was forked from until its exec, so a child
# of a benchmark that has just built a 20,000-scene project would report that project's memory.
RUNNER = """
import os, sys, time
null = os.open(os.devnull, os.O_RDWR)
actions = [(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)]
t0 = time.monotonic()
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - t0
print(wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime)
"""


def run_once(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MiB, exit code, CPU seconds) of one whole child process, measured by
    the kernel."""
    out = subprocess.run(
        [sys.executable, "-S", "-c", RUNNER, *argv], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    wall, kib, code, cpu = float(out[0]), int(out[1]), int(out[2]), float(out[3])
    return wall, kib / 1024, code, cpu  # ru_maxrss is KiB on Linux


def paired(
    a: Runs, a_argv: Sequence[str], b: Runs, b_argv: Sequence[str], runs: int, env: dict[str, str]
) -> list[float]:
    """Run A and B in turn, one warm-up each, then `runs` pairs; the ratio A/B of each pair."""
    run_once(a_argv, env)
    run_once(b_argv, env)
    ratios = []
    for _ in range(runs):
        for record, argv in ((a, a_argv), (b, b_argv)):
            record.add(run_once(argv, env))
        ratios.append(a.wall[-1] / b.wall[-1])
    return ratios


def ratio_text(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):5.2f}×  ({min(ratios):.2f}–{max(ratios):.2f})"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """One Markdown table, ready to paste into README's Performance section."""
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def compile_bytecode() -> str:
    """Compile insarproj's modules to bytecode once, before anything is timed.

    An installed insarproj runs from bytecode: pip compiles a wheel's modules when it installs
    them, and a source checkout writes `__pycache__/` on its first run. With
    PYTHONDONTWRITEBYTECODE set (as in some CI and sandbox shells) a checkout never writes it, and
    every timed run would compile about 80 modules again (0.2-0.3 s), a cost no user pays twice.
    Python still reads bytecode that exists, so this makes every timed run start as a user's does.
    Returns the one line the benchmark prints about it.
    """
    import compileall

    import insarproj

    package = Path(insarproj.__file__).resolve().parent
    ok = compileall.compile_dir(str(package), quiet=1)
    return f"bytecode of {package} compiled before timing ({'ok' if ok else 'with errors'})"


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return f"{cores} cores, {mem:.0f} GiB, Python {sys.version.split()[0]}, {sys.platform}"


class SandboxProcess:
    """`insarproj sandbox --port 0` in its own process, as users and CI scripts run it.

    Reads the `export NAME=value` lines it prints (docs/sandbox.md); its request log is
    `GET /_sandbox/log`, cleared with `POST /_sandbox/log/clear`.
    """

    def __init__(self) -> None:
        argv = [*insarproj_command(), "sandbox", "--port", "0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.env: dict[str, str] = {}
        assert self.proc.stdout is not None
        while not ("EARTHDATA_TOKEN" in self.env and "INSARPROJ_CMR_URL" in self.env):
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError("the sandbox exited: " + err)
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                self.env[key] = value.strip("'\"")
        self.url = self.env["INSARPROJ_CMR_URL"].rstrip("/")

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def request_log(self) -> list[dict]:
        import requests

        response = requests.get(self.url + "/_sandbox/log", timeout=30)
        response.raise_for_status()
        log: list[dict] = response.json()
        return log

    def clear_log(self) -> None:
        import requests

        requests.post(self.url + "/_sandbox/log/clear", timeout=30).raise_for_status()
