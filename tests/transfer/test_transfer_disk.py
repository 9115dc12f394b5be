"""start_writeback: asks Linux to begin writing a file's dirty pages; never fails a download."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from insarproj.transfer import disk


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sync_file_range is Linux-only")
def test_linux_offers_sync_file_range_and_it_accepts_a_written_file(tmp_path: Path) -> None:
    function = disk._sync_file_range()
    assert function is not None
    path = tmp_path / "f.part"
    with open(path, "wb", buffering=0) as handle:
        handle.write(b"x" * 100_000)
        assert function(handle.fileno(), 0, 0, disk._SYNC_FILE_RANGE_WRITE) == 0
        disk.start_writeback(handle.fileno())
    assert path.read_bytes() == b"x" * 100_000


def test_without_sync_file_range_it_does_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(disk, "_sync_file_range", lambda: None)
    fd = os.open(tmp_path / "g.part", os.O_WRONLY | os.O_CREAT)
    try:
        disk.start_writeback(fd)
    finally:
        os.close(fd)
