"""The hyp3_job kind's shortcut for a SUCCEEDED job (`_succeeded_in_sync`) says "nothing to do"
only where `decide_recorded` says it whatever the product folder holds: one row per value of
the record that can make a difference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from insarproj.kinds.hyp3 import _succeeded_in_sync
from insarproj.kinds.hyp3_protocol import decide_recorded

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
IDENTITY = "id-A"


def _record(
    status: str = "succeeded", identity: str = IDENTITY, expires: timedelta | None = timedelta(days=9)
) -> dict[str, Any]:
    attrs: dict[str, Any] = {"identity": identity, "job_id": "J1", "files": [{"filename": "x.zip"}]}
    if expires is not None:
        attrs["expiration_time"] = (NOW + expires).isoformat().replace("+00:00", "Z")
    return {"kind": "hyp3_job", "status": status, "attributes": attrs}


def _ctx() -> Any:
    # No HyP3 client built yet (a converged project): the plan's own clock is HyP3's.
    return SimpleNamespace(now=NOW, read=SimpleNamespace(built_one=lambda name: None))


ROWS = [
    ("succeeded, expires later", _record(), True),
    ("succeeded, no expiry recorded", _record(expires=None), True),
    ("succeeded, expired", _record(expires=-timedelta(days=1)), False),
    ("succeeded, expires this instant", _record(expires=timedelta(0)), False),
    ("succeeded, other identity (config changed)", _record(identity="id-B"), False),
    ("failed", _record(status="failed"), False),
    ("an open intent", _record(status="intent"), False),
    ("submitted", _record(status="submitted"), False),
]


@pytest.mark.parametrize(("record", "fast"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_the_shortcut_agrees_with_decide_recorded(record: dict[str, Any], fast: bool) -> None:
    assert _succeeded_in_sync(record["status"], record["attributes"], IDENTITY, _ctx()) is fast
    if fast:  # nothing to do, even with no product on disk to fall back on
        verdict = decide_recorded(
            record, IDENTITY, {}, clock=lambda: NOW, held=lambda: False, product_on_disk=lambda: False
        )
        assert verdict is None
