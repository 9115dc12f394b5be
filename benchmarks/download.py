"""Download throughput: insarproj's verified downloader beside `curl`, same parallelism, same run.

Starts the sandbox as its own process (`insarproj sandbox --port 0`), so the server never shares
the downloader's interpreter, and serves N deterministic files from it (`/_sandbox/blob/...`,
loopback). Each round fetches them (a) with insarproj's Downloader (streaming MD5, fsync, atomic
rename) on a thread pool, (b) with plain `curl` through `xargs -P`, (c) with `curl | tee FILE |
md5sum` through `xargs -P` (curl that also checks what it wrote), (d) with `curl` then `sync FILE`
(curl with the downloader's durability: no target, it shows what putting the bytes on disk
costs, since the others' files are deleted before they ever reach it), (e) with `curl | md5sum`
(no file written), (f) with `curl -o /dev/null` (receive only); the rounds repeat and the
median is quoted, with every ratio paired by round (a slower machine moves both sides alike) and
the CPU seconds each method spent per GiB (client and server; a figure other load barely moves).
From those CPU seconds it prints the floor no client can beat on this machine, wall >= (server CPU
+ client CPU) / cores, for plain curl, for a verifying client that receives as cheaply as (f) and
hashes as fast as hashlib, and for one whose receiving and writing cost nothing, so the table shows
whether the 0.8x plain-curl target is reachable here at all.
Then interrupts one insarproj download at 50 % and measures what the resumed fetch re-transfers.
Prints Markdown tables; exits non-zero if any file fails its size or checksum, or the resume
sends bytes twice.

    python benchmarks/download.py [--files 8] [--size-mib 128] [--parallel 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import SandboxProcess, machine, table

from insarproj.endpoints import resolve_endpoints
from insarproj.sandbox.blobs import blob
from insarproj.transfer.download import DownloadCancelled, Downloader, DownloadSpec
from insarproj.transfer.session import make_session

TEE_MD5 = 'curl -sS --fail "$1" | tee "$(basename "$1")" | md5sum > "$(basename "$1").md5"'
CURL_SYNC = 'curl -sS -O --fail "$1" && sync "$(basename "$1")"'
CURL_MD5 = 'curl -sS --fail "$1" | md5sum > "$(basename "$1").md5"'
CURL_NULL = 'curl -sS --fail -o /dev/null "$1"'
SHELLS = {"tee": TEE_MD5, "sync": CURL_SYNC, "md5": CURL_MD5, "null": CURL_NULL}
METHODS = ("ours", "curl", "tee", "sync", "md5", "null")
NO_FILE = ("md5", "null")  # methods that write no downloaded file
TARGETS = {  # insarproj's throughput relative to each yardstick (README, Performance)
    "curl": ("insarproj ÷ plain `curl`", 0.8),
    "tee": ("insarproj ÷ `curl \\| tee \\| md5sum`", 1.0),
}


class CancelAtHalf:
    """A progress sink that pulls the plug once half the file has arrived."""

    def __init__(self, cancel: threading.Event, size: int) -> None:
        self.cancel, self.size, self.seen = cancel, size, 0

    def start(self, label: str, total: int | None, already: int) -> None:
        self.seen = already

    def advance(self, label: str, n: int) -> None:
        self.seen += n
        if self.seen >= self.size // 2:
            self.cancel.set()

    def finish(self, label: str, ok: bool) -> None:
        pass


def ours(urls: list[str], out: Path, size: int, md5: str, parallel: int) -> float:
    session = make_session(resolve_endpoints({}, environ={}), None, user_agent="bench")
    downloader = Downloader(session)
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(parallel) as pool:
        specs = [DownloadSpec(url=u, dest=out / Path(u).name, size=size, md5=md5) for u in urls]
        results = list(pool.map(downloader.fetch, specs))
    elapsed = time.monotonic() - t0
    if any(r.size != size or r.md5 != md5 or r.adopted for r in results):
        sys.exit("insarproj: a download was not verified")
    return elapsed


def curl(urls: list[str], out: Path, parallel: int, method: str) -> float:
    out.mkdir(parents=True)
    shell = SHELLS.get(method)
    if shell is not None:
        argv = ["xargs", "-P", str(parallel), "-n", "1", "sh", "-c", shell, "sh"]
    else:
        argv = ["xargs", "-P", str(parallel), "-n", "1", "curl", "-sS", "-O", "--fail"]
    t0 = time.monotonic()
    subprocess.run(argv, input="\n".join(urls), text=True, cwd=out, check=True)
    return time.monotonic() - t0


def check_curl(out: Path, urls: list[str], size: int, md5: str, method: str) -> None:
    """Every file curl wrote has the size, and `md5sum` saw the right checksum, or exit non-zero."""
    files = [out / Path(u).name for u in urls]
    if method not in NO_FILE and any(not f.is_file() or f.stat().st_size != size for f in files):
        sys.exit(f"{method}: a file is missing or has the wrong size")
    if method in ("tee", "md5") and any(Path(f"{f}.md5").read_text().split()[0] != md5 for f in files):
        sys.exit(f"{method}: a checksum differs")


class CpuClock:
    """CPU seconds (user + system) of this process, its waited-for children, and the server."""

    def __init__(self, server_pid: int) -> None:
        self.server_stat = Path(f"/proc/{server_pid}/stat")

    def read(self) -> tuple[float, float, float]:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = 0.0
        if self.server_stat.exists():  # Linux; elsewhere the server's share is left out
            fields = self.server_stat.read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, server

    def spent(self, before: tuple[float, float, float], method: str) -> tuple[float, float]:
        """Client (this process for insarproj, the children for curl) and server seconds."""
        after = self.read()
        client = after[0] - before[0] if method == "ours" else after[1] - before[1]
        return client, after[2] - before[2]


def resume(box_url: str, tmp: Path, size: int, md5: str) -> tuple[int, int]:
    """Interrupt at 50 %, then resume: only the second half should travel again."""
    session = make_session(resolve_endpoints({}, environ={}), None, user_agent="bench")
    cancel = threading.Event()
    dest = tmp / "resume" / "r.bin"
    spec = DownloadSpec(url=f"{box_url}/_sandbox/blob/{size}/r.bin", dest=dest, size=size, md5=md5)
    with contextlib.suppress(DownloadCancelled):
        Downloader(session, progress=CancelAtHalf(cancel, size)).fetch(spec, cancel=cancel)
    kept = dest.with_name(dest.name + ".part").stat().st_size
    resumed = Downloader(session).fetch(spec)
    return kept, resumed.bytes_transferred


@dataclass
class Measured:
    """Per method, one figure per timed round: wall seconds, client and server CPU seconds."""

    wall: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})
    client: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})
    server: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METHODS})

    def cpu(self, method: str) -> list[float]:
        return [c + s for c, s in zip(self.client[method], self.server[method], strict=True)]


def rounds(box: SandboxProcess, args: argparse.Namespace, size: int, md5: str) -> Measured:
    """Wall seconds and CPU seconds of every timed round of each method, in turn."""
    urls = [f"{box.url}/_sandbox/blob/{size}/f{i}.bin" for i in range(args.files)]
    clock = CpuClock(box.proc.pid)
    measured = Measured()
    for r in range(args.rounds + 1):  # round 0 warms the server's blob and the page cache
        for name in METHODS:
            with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
                out = Path(tmp) / name
                before = clock.read()
                if name == "ours":
                    seconds = ours(urls, out, size, md5, args.parallel)
                else:
                    seconds = curl(urls, out, args.parallel, name)
                    check_curl(out, urls, size, md5, name)
                client, server = clock.spent(before, name)
            if r:
                measured.wall[name].append(seconds)
                measured.client[name].append(client)
                measured.server[name].append(server)
    return measured


def md5_seconds_per_gib(data: bytes) -> float:
    """CPU seconds hashlib's MD5 takes per GiB on one core, over at least 256 MiB of ``data``."""
    repeat = max(1, -(-(256 << 20) // len(data)))
    t0 = time.process_time()
    for _ in range(repeat):
        hashlib.md5(data, usedforsecurity=False)
    return (time.process_time() - t0) / (repeat * len(data) / 2**30)


def spread(values: list[float], unit: str = "") -> str:
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--size-mib", type=float, default=128)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median quoted)")
    args = parser.parse_args()
    if not shutil.which("curl"):
        sys.exit("curl is not on PATH: it is the yardstick")
    size = int(args.size_mib * 1024 * 1024)
    data = blob(size)
    md5 = hashlib.md5(data).hexdigest()
    md5_cost = md5_seconds_per_gib(data)
    del data
    load_before = os.getloadavg()[0]
    with SandboxProcess() as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        measured = rounds(box, args, size, md5)
        kept, transferred = resume(box.url, Path(tmp), size, md5)
    report(args, size, measured, (load_before, os.getloadavg()[0]))
    floor(args.files * size / 2**30, measured, md5_cost)
    print(
        f"\ninterrupted at 50 %: {kept / 1e6:.1f} MB kept in .part; resume transferred "
        f"{transferred / 1e6:.1f} MB of {size / 1e6:.1f} MB ({100 * transferred / size:.0f} %)"
    )
    if transferred > size - kept:
        sys.exit("the resumed download sent bytes twice")


LABELS = {
    "ours": "insarproj Downloader (MD5 + fsync + rename)",
    "curl": "`curl` via `xargs -P {p}`",
    "tee": "`curl \\| tee \\| md5sum` via `xargs -P {p}`",
    "sync": "`curl && sync FILE` via `xargs -P {p}` (no target)",
    "md5": "`curl \\| md5sum` via `xargs -P {p}` (no file written)",
    "null": "`curl -o /dev/null` via `xargs -P {p}` (receive only: no file, no checksum)",
}


def report(args: argparse.Namespace, size: int, measured: Measured, load: tuple[float, float]) -> None:
    gib = args.files * size / 2**30
    times = measured.wall
    rows: list[list[str]] = []
    goals: list[list[str]] = []
    for name, label in LABELS.items():
        speed = f"{args.files * size / 1e6 / statistics.median(times[name]):.0f} MB/s"
        ratios = [theirs / mine for theirs, mine in zip(times[name], times["ours"], strict=True)]
        per_gib = [seconds / gib for seconds in measured.cpu(name)]
        row = [label.format(p=args.parallel), spread(times[name], " s"), speed, spread(ratios, "×")]
        rows.append([*row, spread(per_gib, " s")])
        if name in TARGETS:
            figure, limit = TARGETS[name]
            met = "met" if statistics.median(ratios) >= limit else "NOT met"
            goals.append([figure, spread(ratios, "×"), f"≥ {limit:g}×", met])
    title = (
        f"{args.files} files × {args.size_mib:g} MiB, {args.parallel} at a time, from the sandbox in its "
        f"own process over loopback, {args.rounds} rounds after a warm-up ({machine()}; load average "
        f"{load[0]:.1f} before, {load[1]:.1f} after):"
    )
    header = [
        "downloader",
        "wall, median (min–max)",
        "throughput",
        "insarproj throughput ÷ this (paired by round)",
        "CPU s per GiB, client + server",
    ]
    table(title, header, rows)
    table("Targets (median of the paired ratios, min–max):", ["figure", "measured", "target", ""], goals)


def cores() -> int:
    """The cores this process may run on (its affinity), which client and server share."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def floor(gib: float, measured: Measured, md5_cost: float) -> None:
    """Per round, the wall no client can beat here: (its client CPU + the server's CPU) / cores;
    and how far that lets each one come to plain curl's measured wall."""
    n = cores()
    rounds_ = range(len(measured.wall["curl"]))
    floors = {m: [(measured.client[m][r] + measured.server[m][r]) / n for r in rounds_] for m in LABELS}
    # A verifying client that receives as cheaply as curl into /dev/null and hashes every byte as
    # fast as hashlib; and, looser still, one whose receiving costs nothing at all.
    floors["least"] = [floors["null"][r] + md5_cost * gib / n for r in rounds_]
    floors["free"] = [(measured.server["curl"][r] + md5_cost * gib) / n for r in rounds_]
    rows = []
    for name, label in (
        ("curl", "plain `curl`"),
        ("md5", "`curl \\| md5sum` (verifies, no file)"),
        ("least", f"`curl -o /dev/null` + MD5 of every byte (hashlib: {md5_cost:.2f} CPU s per GiB)"),
        ("free", "MD5 of every byte only (receiving and writing free)"),
        ("ours", "insarproj Downloader"),
    ):
        extra = md5_cost if name in ("least", "free") else 0.0
        if name == "free":
            base = [0.0] * len(rounds_)
        else:
            base = measured.client["null" if name == "least" else name]
        client = [c / gib + extra for c in base]
        reach = [measured.wall["curl"][r] / floors[name][r] for r in rounds_]
        wall = spread(measured.wall[name], " s") if name in measured.wall else "—"
        rows.append([label, spread(client, " s"), spread(floors[name], " s"), wall, spread(reach, "×")])
    header = [
        "client",
        "client CPU s per GiB",
        f"floor: (client + server CPU) / {n} cores",
        "measured wall",
        "at best ÷ plain `curl` (its wall ÷ this floor)",
    ]
    table(f"What {n} cores allow (per round, median (min–max)):", header, rows)
    limit = TARGETS["curl"][1]
    ours_md5 = [
        theirs / mine for theirs, mine in zip(measured.wall["md5"], measured.wall["ours"], strict=True)
    ]
    best = {k: statistics.median(measured.wall["curl"][r] / floors[k][r] for r in rounds_) for k in floors}
    # A floor is a lower bound: it can rule the target out, never promise it.
    verdict = "not ruled out" if best["least"] >= limit else "NOT reachable"
    print(
        f"\ninsarproj ÷ `curl | md5sum`: {spread(ours_md5, '×')}. A client that receives the bytes as "
        f"cheaply as `curl -o /dev/null` and hashes them as fast as hashlib reaches at most "
        f"{best['least']:.2f}× plain `curl` here, so the {limit:g}× target is {verdict} for it; even "
        f"one whose receiving and writing cost nothing stays under {best['free']:.2f}×."
    )


if __name__ == "__main__":
    main()
