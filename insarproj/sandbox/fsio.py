"""The one file the sandbox persists (the HyP3 job store), written so a reader never sees half of it.

Its own few lines rather than insarproj's fsutil: the sandbox imports nothing from the client, and
needs none of fsutil's backups or full-disk messages for a test double's state file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_json"]


def atomic_write_json(path: Path, value: Any) -> None:
    """Write ``value`` as sorted, indented JSON to ``path`` through a temp file and ``os.replace``."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
