"""Volatile observations (`.insarproj/observed.json`, git-ignored).

Job status while running, remaining credits, time of the last poll: a cache that makes plans
cheap and informative. Never the only evidence for a destructive decision (docs/project-folder.md).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from insarproj.fsutil import atomic_write_json

OBSERVED_NAME = "observed.json"


class ObservedStore:
    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / OBSERVED_NAME
        self._mutex = threading.Lock()

    def load(self) -> dict[str, Any]:
        """A damaged or missing cache is simply empty: it can always be re-observed."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, section: str, value: Any) -> None:
        with self._mutex:
            data = self.load()
            data[section] = value
            atomic_write_json(self.path, data)
