"""How README's test command (`pytest -n 2`, pytest-xdist) shares the suite between two workers.

- A unit of work is a whole test module: a module-scoped fixture (a sandbox process, a built
  stack) is made once, not once per worker.
- Every test under tests/slurm/ is one unit: one worker starts the single-node SLURM
  (tests/slurm/cluster.py, session-scoped), and its queue is seen by one test at a time.
- The units go out slowest first (SLURM, then the end-to-end modules, then the rest in collection
  order), so the last work handed out is short and neither worker idles long at the end.

tests/conftest.py wires it in (pytest_xdist_make_scheduler, pytest_collection_modifyitems);
without -n none of this runs.
"""

from __future__ import annotations

from typing import Any

SLURM = "tests/slurm/"


def scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to: tests/slurm/ as a whole, else its module."""
    return SLURM if nodeid.startswith(SLURM) else nodeid.split("::", 1)[0]


def rank(nodeid: str) -> int:
    """0 for the SLURM unit, 1 for an end-to-end module, 2 for the rest (handed out in that order)."""
    scope = scope_of(nodeid)
    if scope == SLURM:
        return 0
    return 1 if "e2e" in scope else 2


def make_scheduler(config: Any, log: Any) -> Any:
    """xdist's scope scheduler, grouping by scope_of, its queue in collection order (the workers
    sort their collection by rank: tests/conftest.py)."""
    from xdist.scheduler import LoadScopeScheduling

    class SuiteScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    config.option.loadscopereorder = False  # keep the rank order, not "most tests first"
    return SuiteScheduling(config, log)
