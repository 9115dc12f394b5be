"""Disk-side steps of a download: free space, and making a verified file appear atomically."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from insarproj.errors import InsufficientSpaceError
from insarproj.fsutil import fsync_dir
from insarproj.transfer.progress import format_bytes


def part_path(dest: Path) -> Path:
    """The one temporary name per destination; a crash leaves it for the next run to resume."""
    return dest.with_name(dest.name + ".part")


def check_free_space(folder: Path, bytes_needed: int, *, margin: float = 0.05) -> None:
    """Refuse before writing when ``folder``'s file system cannot take ``bytes_needed`` plus
    ``margin`` (a fraction) of head room."""
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent  # the folder may not exist yet; its file system is the nearest ancestor's
    free = shutil.disk_usage(probe).free
    wanted = int(bytes_needed * (1.0 + margin))
    if bytes_needed > 0 and free < wanted:
        raise InsufficientSpaceError(
            f"{folder}: {format_bytes(bytes_needed)} ({bytes_needed} bytes) must be downloaded but only "
            f"{format_bytes(free)} ({free} bytes) are free there (with a {margin:.0%} margin, "
            f"{wanted} bytes are needed)",
            hint="free some space or point the project's data folder at a larger disk",
        )


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_SYNC_FILE_RANGE_WRITE = 2  # <linux/fs.h>: start writeback of dirty pages, do not wait


@functools.cache
def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's sync_file_range (Linux only; the os module does not offer it), or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here, not at the top: only a download needs it, and `insarproj --help` stays fast

    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def start_writeback(fd: int) -> None:
    """Let the kernel start writing the file's dirty pages to disk now, without waiting.

    Called while a download is still arriving, so that the fsync in :func:`publish` finds
    little left to write: otherwise the whole file goes to disk only after its last byte, and
    that wait is as long as the transfer itself on a fast link. Durability still comes from that
    fsync alone; where sync_file_range is missing or fails this does nothing.
    """
    function = _sync_file_range()
    if function is not None:
        function(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # offset 0, length 0: the whole file


def publish(part: Path, dest: Path) -> None:
    """fsync ``part``, rename it onto ``dest``, fsync the folder: after this the file is durable."""
    fsync_file(part)
    os.replace(part, dest)
    fsync_dir(dest.parent)


def place_copy(source: Path, dest: Path) -> None:
    """Make ``dest`` a copy of ``source`` (a hard link when the file system allows) through a
    temporary name, so ``dest`` is either absent or complete."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.adopt-{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:  # other file system, or no hard links (some network file systems)
            shutil.copyfile(source, tmp)
        publish(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
