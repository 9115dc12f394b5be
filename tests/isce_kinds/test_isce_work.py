"""The plan-time disk check of `isce_work.<stack>`: stacks share the data folder's disk, so each
check counts the stacks checked before it; the stand-in's needs are noted, not enforced."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from insarproj.config.isce import IsceConfig
from insarproj.engine.model import Desired, Op
from insarproj.isce.discover import TopsStack
from insarproj.isce.disk import estimate_stack
from insarproj.kinds.isce_spec import TOPSSTACK_CACHE
from insarproj.kinds.isce_work import IsceWorkKind

OPTIONS = IsceConfig.model_validate({}).model_dump(mode="json")
BBOX = [-117.9, 35.5, -117.3, 35.9]


def _ctx(tmp_path: Path, stand_in: bool) -> Any:
    project = SimpleNamespace(
        data_dir=tmp_path / "data", config=SimpleNamespace(processor=SimpleNamespace(isce=None))
    )
    tool = TopsStack(tmp_path / "stackSentinel.py", "2.6.3", stand_in=stand_in)
    return SimpleNamespace(
        project=project,
        observations={TOPSSTACK_CACHE: tool},
        state=SimpleNamespace(resources={}),
        options=SimpleNamespace(prune=False),
    )


def _desired(stack: str) -> Desired:
    estimate = {"options": OPTIONS, "bbox": BBOX, "dates": 5, "pairs": 8}
    spec = {"stack": stack, "generation": "g", "steps": [f"isce_step.{stack}.01_x"], "estimate": estimate}
    return Desired(address=f"isce_work.{stack}", spec=spec)


@pytest.mark.parametrize("stand_in", [False, True])
def test_the_second_stack_that_does_not_fit_beside_the_first_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: bool
) -> None:
    one = estimate_stack(OPTIONS, BBOX, 5, 8).total
    real = shutil.disk_usage
    monkeypatch.setattr(
        "insarproj.isce.disk.shutil.disk_usage",
        lambda path: type(real(path))(10 * one, 8 * one, int(1.5 * one)),
    )
    kind, ctx = IsceWorkKind(), _ctx(tmp_path, stand_in)
    assert kind.assess(_desired("A064"), None, ctx) is None
    second = kind.assess(_desired("D071"), None, ctx)
    notes = "\n".join(ctx.observations["isce_work.notes"])
    assert ("isce_work.A064: would need about" if stand_in else "isce_work.A064: needs about") in notes
    if stand_in:
        assert second is None and "not enforced: the sandbox's stand-in" in notes
        return
    assert second is not None and second.op is Op.FAILED
    assert "besides" in second.reason and "for the stacks before it" in second.reason
    assert second.payload["shortfall"]["free"] == int(1.5 * one)
