"""How a step's commands become array tasks when the queue has a limit: several commands per task
(run one after the other, each with its own exit record), the arrays no bigger than MaxArraySize,
and each task's time limit scaled by the commands it runs (docs/slurm.md "Queue limits").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Layout", "arrays", "format_time", "layout", "pack", "parse_time", "scale_time", "tasks_allowed"]

_TIME = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


def tasks_allowed(todo: int, later: int, free: int) -> int:
    """Tasks this step may queue: its share of the ``free`` queue slots in proportion to its
    ``todo`` commands against the ``later`` steps' commands of the stack (which queue after it),
    at least one, never more than one per command."""
    if todo <= 0:
        return 0
    share = math.floor(max(free, 0) * todo / (todo + max(later, 0)))
    return max(1, min(todo, share))


def pack(keys: Sequence[str], tasks: int) -> list[list[str]]:
    """``keys`` in order as at most ``tasks`` tasks of (almost) equal size: the first tasks run one
    command more when they do not divide evenly."""
    if not keys:
        return []
    tasks = max(1, min(tasks, len(keys)))
    size, extra = divmod(len(keys), tasks)
    out, start = [], 0
    for index in range(tasks):
        end = start + size + (1 if index < extra else 0)
        out.append(list(keys[start:end]))
        start = end
    return out


def arrays(tasks: Sequence[Sequence[str]], max_array_size: int) -> list[list[list[str]]]:
    """Tasks as arrays of at most ``max_array_size`` tasks (task indices stay below MaxArraySize)."""
    size = max(1, max_array_size)
    return [[list(t) for t in tasks[i : i + size]] for i in range(0, len(tasks), size)]


def parse_time(text: str) -> int:
    """SLURM's ``--time`` forms as validated by the config (``MM``, ``MM:SS``, ``HH:MM:SS``, each
    with an optional ``D-``; ``D-HH`` and ``D-HH:MM`` when a day is given) in seconds."""
    found = _TIME.match(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a SLURM time limit")
    days, *rest = found.groups()
    numbers = [int(n) for n in rest if n is not None]
    if days is not None:  # with days the first number is hours: D-HH[:MM[:SS]]
        numbers += [0] * (3 - len(numbers))
        hours, minutes, seconds = numbers
    elif len(numbers) == 3:
        hours, minutes, seconds = numbers
    else:  # MM or MM:SS
        hours, minutes, seconds = 0, numbers[0], numbers[1] if len(numbers) == 2 else 0
    return ((int(days or 0) * 24 + hours) * 60 + minutes) * 60 + seconds


def format_time(seconds: int) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{clock}" if days else clock


def scale_time(options: Sequence[str], factor: int) -> list[str]:
    """``options`` with ``--time=`` multiplied by ``factor`` (a task running that many commands
    gets that many times the per-command limit)."""
    if factor <= 1:
        return list(options)
    return [
        f"--time={format_time(parse_time(o.split('=', 1)[1]) * factor)}" if o.startswith("--time=") else o
        for o in options
    ]


@dataclass(frozen=True)
class Layout:
    """A step's submission: arrays of tasks of command keys, and the commands per task at most."""

    arrays: list[list[list[str]]]
    per_task: int


def layout(todo: Sequence[str], later: int, free: int, max_array_size: int) -> Layout:
    """``todo`` as tasks (packed when the ``free`` queue slots, shared with the ``later`` steps'
    commands, are fewer than the commands), split into arrays of at most ``max_array_size``."""
    tasks = pack(todo, tasks_allowed(len(todo), later, free))
    return Layout(arrays(tasks, max_array_size), max((len(t) for t in tasks), default=1))
