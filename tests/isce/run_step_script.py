"""Run one step through LocalRunner in its own process (for kill -9 and Ctrl-C tests).

argv: <records.jsonl> <log_dir> <json list of [key, command, outputs]> [num_proc]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from insarproj.isce.local_runner import CommandSpec, LocalRunner
from insarproj.isce.records import RecordFile, latest_by_key


def main() -> int:
    records = RecordFile(Path(sys.argv[1]))
    specs = [
        CommandSpec(key, cmd, tuple(Path(p) for p in outs)) for key, cmd, outs in json.loads(sys.argv[3])
    ]
    num_proc = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    runner = LocalRunner(
        log_dir=Path(sys.argv[2]), on_record=records.append, num_proc=num_proc, max_attempts=2, grace=2.0
    )
    try:
        runner.run_step("01_step", specs, latest_by_key(records.read()))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
