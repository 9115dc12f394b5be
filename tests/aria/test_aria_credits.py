"""Credit figures of HyP3 job records after a refund (kinds/hyp3_credits.py): table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from insarproj.kinds.hyp3_credits import charged, settle, spent_on

A = {"job_id": "a", "credit_cost": 60}
B = {"job_id": "b", "credit_cost": 60}


@pytest.mark.parametrize(
    ("attempts", "job_id", "cost", "after"),
    [
        ([A, B], "b", 0.0, [A, {**B, "credit_cost": 0.0}]),  # refunded: HyP3 lists 0
        ([A, B], "b", None, [A, B]),  # the listing says nothing: keep the POST's figure
        ([A], "c", 0.0, [A]),  # another job's charge changes nothing here
    ],
)
def test_settle(attempts: list[dict[str, Any]], job_id: str, cost: float | None, after: list[Any]) -> None:
    fresh = list(attempts)
    settle(fresh, job_id, cost)
    assert fresh == after and A["credit_cost"] == B["credit_cost"] == 60  # the originals untouched


@pytest.mark.parametrize(
    ("attrs", "spent"),
    [
        ({"job_id": "b", "attempts": [A, B]}, 120.0),
        ({"job_id": "b", "credit_cost": 0, "attempts": [A, B]}, 60.0),  # the current job refunded
        ({"job_id": "b", "credit_cost": 0, "attempts": [A, {**B, "credit_cost": 0}]}, 60.0),
        ({"attempts": []}, 0.0),
    ],
)
def test_spent_on(attrs: dict[str, Any], spent: float) -> None:
    assert spent_on(attrs) == spent


class _State:
    def __init__(self, records: dict[str, Any]) -> None:
        self.records = records

    def get(self, address: str) -> Any:
        return self.records.get(address)


@pytest.mark.parametrize(
    ("records", "result"),
    [
        ({}, (120.0, 0.0)),  # not listed since the POST: the POST's figures
        ({"j1": {"attributes": {"attempts": [{**A, "credit_cost": 0}]}}}, (60.0, 60.0)),
        ({"j1": {"attributes": {"attempts": [A]}}, "j2": {"attributes": {"attempts": [B]}}}, (120.0, 0.0)),
    ],
)
def test_charged(records: dict[str, Any], result: tuple[float, float]) -> None:
    assert charged(_State(records), {"a": ("j1", 60.0), "b": ("j2", 60.0)}) == result
