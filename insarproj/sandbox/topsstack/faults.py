"""Faults of the stand-in's commands, and its invocation log.

A fault plan is read from `INSARPROJ_TOPSSTACK_FAULTS` (wins) or from the file `faults.txt` in the
install folder (so a test can change it between applies), as comma-separated rules
`kind[:arg][@glob]`:

* `fail[:N]`: a Python traceback ending in a known ISCE failure line (`FileNotFoundError: ...`),
  exit 1, no output; with N only the first N matching runs fail;
* `empty[:N]`: exit 0 but no output written;
* `slow[:SECONDS]`: sleeps (default 2 s) before working;
* `crash[:N]`: writes half its outputs, then kills itself with SIGKILL.

`glob` (fnmatch, default `*`) is matched against the command's target: the config file's name for
`SentinelWrapper.py -c <config>` (e.g. `config_igram_unw_*`), else the command's name (e.g.
`invertMisreg.py`). Every run is logged as JSON lines in `topsstack.log` in the install folder
(`start` and `end` events: command, target, pid, time, outcome), so tests count what ran.
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from dataclasses import dataclass

ENV = "INSARPROJ_TOPSSTACK_FAULTS"
FAULT_FILE = "faults.txt"
LOG_FILE = "topsstack.log"
KINDS = ("fail", "empty", "slow", "crash")


@dataclass(frozen=True)
class Rule:
    index: int
    kind: str
    arg: str
    glob: str


def parse_plan(spec: str) -> list[Rule]:
    rules = []
    for index, text in enumerate(part.strip() for part in spec.split(",") if part.strip()):
        head, _, glob = text.partition("@")
        kind, _, arg = head.partition(":")
        if kind not in KINDS:
            raise ValueError(f"unknown topsStack fault kind {kind!r} in {spec!r}; known: {', '.join(KINDS)}")
        rules.append(Rule(index, kind, arg, glob or "*"))
    return rules


def current_plan(home: str) -> list[Rule]:
    spec = os.environ.get(ENV)
    if spec is None:
        path = os.path.join(home, FAULT_FILE)
        spec = ""
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                spec = handle.read()
    return parse_plan(spec)


def _take_count(home: str, rule: Rule) -> bool:
    """True while the rule has fired fewer than its count (one byte per firing, O_APPEND)."""
    if not rule.arg or rule.kind == "slow":
        return True
    path = os.path.join(home, f".fault-{rule.index}-{rule.kind}.count")
    fired = os.path.getsize(path) if os.path.exists(path) else 0
    if fired >= int(rule.arg):
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)
    return True


def faults_for(home: str, target: str) -> dict[str, Rule]:
    chosen: dict[str, Rule] = {}
    for rule in current_plan(home):
        if rule.kind not in chosen and fnmatch.fnmatch(target, rule.glob) and _take_count(home, rule):
            chosen[rule.kind] = rule
    return chosen


def log_event(home: str, event: str, command: str, target: str, **extra: object) -> None:
    record = {"event": event, "command": command, "target": target, "pid": os.getpid(), "time": time.time()}
    line = json.dumps(record | extra) + "\n"
    fd = os.open(os.path.join(home, LOG_FILE), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def read_log(home: str) -> list[dict[str, object]]:
    path = os.path.join(home, LOG_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
