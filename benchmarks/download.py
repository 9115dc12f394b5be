"""Download throughput: insarproj's verified downloader beside `curl` with the same parallelism.

Serves N files of a chosen size from the sandbox (`/_sandbox/blob/...`, loopback) and fetches
them (a) with insarproj's Downloader (streaming MD5, fsync, atomic rename) on a thread pool and
(b) with `curl` through `xargs -P` — same files, same server, same run. Then interrupts one
insarproj download at 50 % and measures what the resumed fetch re-transfers.

    python benchmarks/download.py [--files 8] [--size-mb 32] [--parallel 4]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import hashlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insarproj.endpoints import resolve_endpoints
from insarproj.sandbox.blobs import blob
from insarproj.sandbox.server import Sandbox
from insarproj.transfer.download import DownloadCancelled, Downloader, DownloadSpec
from insarproj.transfer.session import make_session


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--size-mb", type=float, default=32)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    size = int(args.size_mb * 1024 * 1024)
    md5 = hashlib.md5(blob(size)).hexdigest()
    total_mb = args.files * size / 1e6
    with Sandbox() as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        urls = [f"{box.url}/_sandbox/blob/{size}/f{i}.bin" for i in range(args.files)]
        session = make_session(resolve_endpoints({}, environ={}), None, user_agent="bench")
        out = Path(tmp) / "insarproj"
        downloader = Downloader(session, chunk_size=1 << 20)
        t0 = time.perf_counter()
        with cf.ThreadPoolExecutor(args.parallel) as pool:
            list(
                pool.map(
                    lambda u: downloader.fetch(
                        DownloadSpec(url=u, dest=out / Path(u).name, size=size, md5=md5)
                    ),
                    urls,
                )
            )
        ours = time.perf_counter() - t0

        curl_dir = Path(tmp) / "curl"
        curl_dir.mkdir()
        if shutil.which("curl"):
            t0 = time.perf_counter()
            subprocess.run(
                ["xargs", "-P", str(args.parallel), "-n", "1", "curl", "-sS", "-O", "--fail"],
                input="\n".join(urls),
                text=True,
                cwd=curl_dir,
                check=True,
            )
            theirs = time.perf_counter() - t0
        else:
            theirs = float("nan")

        # Interrupt at 50 %, then resume: only the second half should travel again.
        cancel = threading.Event()
        dest = Path(tmp) / "resume" / "r.bin"
        spec = DownloadSpec(url=f"{box.url}/_sandbox/blob/{size}/r.bin", dest=dest, size=size, md5=md5)
        with contextlib.suppress(DownloadCancelled):
            Downloader(session, progress=CancelAtHalf(cancel, size)).fetch(spec, cancel=cancel)
        kept = dest.with_name(dest.name + ".part").stat().st_size
        resumed = Downloader(session).fetch(spec)
    print(f"{args.files} files × {args.size_mb:g} MB, {args.parallel} in parallel, loopback sandbox:")
    rows = [
        ("insarproj Downloader (MD5 + fsync + rename)", ours),
        (f"curl via xargs -P {args.parallel}", theirs),
    ]
    for label, seconds in rows:
        print(f"  {label + ':':46} {seconds:6.2f} s  {total_mb / seconds:7.1f} MB/s")
    print(
        f"  interrupted at 50 %: {kept / 1e6:.1f} MB kept in .part; resume transferred "
        f"{resumed.bytes_transferred / 1e6:.1f} MB of {size / 1e6:.1f} MB "
        f"({100 * resumed.bytes_transferred / size:.0f} %)"
    )


if __name__ == "__main__":
    main()
