"""Download throughput: insarproj's verified downloader beside `curl`, same parallelism, same run.

Starts the sandbox as its own process (`insarproj sandbox --port 0`), so the server never shares
the downloader's interpreter, and serves N deterministic files from it (`/_sandbox/blob/...`,
loopback). Each round fetches them (a) with insarproj's Downloader (streaming MD5, fsync, atomic
rename) on a thread pool, (b) with plain `curl` through `xargs -P`, (c) with `curl | tee FILE |
md5sum` through `xargs -P` (curl that also checks what it wrote); the rounds repeat and the
median is quoted. Then interrupts one insarproj download at 50 % and measures what the resumed
fetch re-transfers. Prints one Markdown table; exits non-zero if a checksum or the resume fails.

    python benchmarks/download.py [--files 8] [--size-mib 128] [--parallel 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import SandboxProcess, machine, table

from insarproj.endpoints import resolve_endpoints
from insarproj.sandbox.blobs import blob
from insarproj.transfer.download import DownloadCancelled, Downloader, DownloadSpec
from insarproj.transfer.session import make_session

TEE_MD5 = 'curl -sS --fail "$1" | tee "$(basename "$1")" | md5sum > "$(basename "$1").md5"'
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
    downloader = Downloader(session, chunk_size=1 << 20)
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(parallel) as pool:
        specs = [DownloadSpec(url=u, dest=out / Path(u).name, size=size, md5=md5) for u in urls]
        list(pool.map(downloader.fetch, specs))
    return time.monotonic() - t0


def curl(urls: list[str], out: Path, parallel: int, tee_md5: bool) -> float:
    out.mkdir(parents=True)
    if tee_md5:
        argv = ["xargs", "-P", str(parallel), "-n", "1", "sh", "-c", TEE_MD5, "sh"]
    else:
        argv = ["xargs", "-P", str(parallel), "-n", "1", "curl", "-sS", "-O", "--fail"]
    t0 = time.monotonic()
    subprocess.run(argv, input="\n".join(urls), text=True, cwd=out, check=True)
    elapsed = time.monotonic() - t0
    if tee_md5:
        sums = {f.read_text().split()[0] for f in out.glob("*.md5")}
        if len(list(out.glob("*.md5"))) != len(urls) or len(sums) != 1:
            sys.exit(f"curl | tee | md5sum: {len(sums)} distinct checksums")
    return elapsed


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


def rounds(box_url: str, args: argparse.Namespace, size: int, md5: str) -> dict[str, list[float]]:
    urls = [f"{box_url}/_sandbox/blob/{size}/f{i}.bin" for i in range(args.files)]
    times: dict[str, list[float]] = {"ours": [], "curl": [], "tee": []}
    for r in range(args.rounds + 1):  # round 0 warms the server's blob and the page cache
        for name in times:
            with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
                out = Path(tmp) / name
                if name == "ours":
                    seconds = ours(urls, out, size, md5, args.parallel)
                else:
                    seconds = curl(urls, out, args.parallel, tee_md5=name == "tee")
            if r:
                times[name].append(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--size-mib", type=float, default=128)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median quoted)")
    args = parser.parse_args()
    if not shutil.which("curl"):
        sys.exit("curl is not on PATH: it is the yardstick")
    size = int(args.size_mib * 1024 * 1024)
    md5 = hashlib.md5(blob(size)).hexdigest()
    total_mb = args.files * size / 1e6
    with SandboxProcess() as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        times = rounds(box.url, args, size, md5)
        kept, transferred = resume(box.url, Path(tmp), size, md5)
    median = {name: statistics.median(t) for name, t in times.items()}
    rows: list[list[str]] = []
    goals: list[list[str]] = []
    labels = {
        "ours": "insarproj Downloader (MD5 + fsync + rename)",
        "curl": f"`curl` via `xargs -P {args.parallel}`",
        "tee": f"`curl \\| tee \\| md5sum` via `xargs -P {args.parallel}`",
    }
    for name, label in labels.items():
        spread = f"{median[name]:.2f} s ({min(times[name]):.2f}–{max(times[name]):.2f})"
        speed = f"{total_mb / median[name]:.0f} MB/s"
        ratios = [theirs / mine for theirs, mine in zip(times[name], times["ours"], strict=True)]
        rows.append([label, spread, speed, f"{statistics.median(ratios):.2f}×"])
        if name in TARGETS:
            figure, limit = TARGETS[name]
            met = "met" if statistics.median(ratios) >= limit else "NOT met"
            goals.append([figure, f"{statistics.median(ratios):.2f}×", f"≥ {limit:g}×", met])
    title = (
        f"{args.files} files × {args.size_mib:g} MiB, {args.parallel} at a time, from the sandbox in its "
        f"own process over loopback, median of {args.rounds} rounds ({machine()}):"
    )
    table(
        title,
        [
            "downloader",
            "wall, median (min–max)",
            "throughput",
            "insarproj throughput ÷ this (paired by round)",
        ],
        rows,
    )
    table("Targets (medians):", ["figure", "measured", "target", ""], goals)
    print(
        f"\ninterrupted at 50 %: {kept / 1e6:.1f} MB kept in .part; resume transferred "
        f"{transferred / 1e6:.1f} MB of {size / 1e6:.1f} MB ({100 * transferred / size:.0f} %)"
    )
    if transferred > size - kept:
        sys.exit("the resumed download sent bytes twice")


if __name__ == "__main__":
    main()
