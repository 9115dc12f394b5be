"""`settled` (engine/model.py) of the job and product kinds: True exactly where their shortcut
says "in sync" (so `assess` would give None), judged from the values `peek` gives, with the same
notes for the product kind; every row of the shortcuts' own tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from insarproj.engine.model import Desired
from insarproj.kinds.hyp3 import SUCCEEDED_JOBS, Hyp3JobKind
from insarproj.kinds.products import ProductKind, _recorded_products
from tests.hyp3.test_hyp3_shortcut import IDENTITY
from tests.hyp3.test_hyp3_shortcut import ROWS as JOB_ROWS
from tests.hyp3.test_hyp3_shortcut import _ctx as job_ctx
from tests.hyp3.test_products_in_sync import ADDRESS, JOB, Change, _product
from tests.hyp3.test_products_in_sync import ROWS as PRODUCT_ROWS
from tests.hyp3.test_products_in_sync import _ctx as product_ctx


@pytest.mark.parametrize(("record", "fast"), [r[1:] for r in JOB_ROWS], ids=[r[0] for r in JOB_ROWS])
def test_a_job_is_settled_only_where_the_shortcut_says_in_sync(record: dict[str, Any], fast: bool) -> None:
    ctx = job_ctx()
    ctx.observations = {}
    desired = Desired(JOB, {"identity": IDENTITY})
    assert Hyp3JobKind().settled(desired, {JOB: record}, ctx) is fast
    # What the product kind reads of it, noted as assess notes it; nothing for a job not settled.
    assert ctx.observations.get(SUCCEEDED_JOBS, {}) == ({JOB: "J1"} if fast else {})
    assert Hyp3JobKind().settled(desired, {}, ctx) is False  # no record: assess plans it


@pytest.mark.parametrize(
    ("recorded_keep", "keep", "verify", "listed", "change", "fast"),
    [row[1:7] for row in PRODUCT_ROWS],
    ids=[row[0] for row in PRODUCT_ROWS],
)
def test_a_product_is_settled_only_where_the_shortcut_says_in_sync(
    tmp_path: Path,
    recorded_keep: list[str] | None,
    keep: list[str] | None,
    verify: bool,
    listed: str | None,
    change: Change,
    fast: bool,
) -> None:
    data = tmp_path / "data"
    record = _product(data, recorded_keep)
    change(data, record["attributes"])
    jobs = {JOB: SimpleNamespace(job_id=listed)} if listed else None
    ctx = product_ctx(data, keep, verify=verify, jobs=jobs)
    desired = Desired(ADDRESS, {"stack": "A064", "job": JOB}, (JOB,))
    kind = ProductKind()
    assert kind.settled(desired, {ADDRESS: record}, ctx) is False  # its job not seen SUCCEEDED
    ctx.observations[SUCCEEDED_JOBS] = {JOB: "J1"}
    assert kind.settled(desired, {ADDRESS: record}, ctx) is fast
    # Noted for the sweep either way, as assess notes it.
    ctx.desired_of = lambda kind: []
    ctx.state = SimpleNamespace(by_kind=lambda kind: {ADDRESS: record})
    assert _recorded_products(ctx).present == {ADDRESS}


def test_a_sweep_or_an_absent_product_is_never_settled(tmp_path: Path) -> None:
    ctx = product_ctx(tmp_path, None)
    ctx.observations[SUCCEEDED_JOBS] = {JOB: "J1"}
    assert ProductKind().settled(Desired(ADDRESS, {"stack": "A064", "job": JOB}), {}, ctx) is False
    assert (
        ProductKind().settled(Desired("product.A064.untracked", {"untracked_stack": "A064"}), {}, ctx)
        is False
    )
