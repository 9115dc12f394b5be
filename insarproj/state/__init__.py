"""Durable project state (state.json + journal) and volatile observations."""

from insarproj.state.observed import ObservedStore
from insarproj.state.records import JournalOp, Record
from insarproj.state.store import (
    State,
    StateStore,
    StateWriter,
    op_delete,
    op_input,
    op_plan_applied,
    op_put,
    utcnow,
)

__all__ = [
    "JournalOp",
    "ObservedStore",
    "Record",
    "State",
    "StateStore",
    "StateWriter",
    "op_delete",
    "op_input",
    "op_plan_applied",
    "op_put",
    "utcnow",
]
