"""Keep or replace a recorded DEM, and a note (never a replace) when dem_stitcher or the
parameters drifted."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from insarproj.dem.stitch import parameters, stitcher_version
from insarproj.engine.model import Desired, Op
from insarproj.kinds.dem import DemKind

RECORDED = [-118.0139, 35.375, -117.1806, 36.0139]


def desired(required: list[float], processor: str = "download") -> Desired:
    spec = {
        "stack": "A064",
        "processor": processor,
        "required": required,
        "bounds": required,
        "parameters": parameters(processor),
    }
    return Desired(address="dem.A064", spec=spec)


def record(**changes: Any) -> dict[str, Any]:
    attributes = {
        "path": "dem/A064",
        "files": ["dem.tif"],
        "bounds": RECORDED,
        "dem_stitcher_version": stitcher_version(),
        "parameters": parameters("download"),
    }
    attributes.update(changes)
    return {"kind": "dem", "status": "present", "attributes": attributes}


class FakeState:
    def __init__(self, records: dict[str, Any]) -> None:
        self._records = records

    def get(self, address: str) -> Any:
        return self._records.get(address)


def context(data: Path, records: dict[str, Any] | None = None, wanted: list[Desired] | None = None) -> Any:
    return SimpleNamespace(
        project=SimpleNamespace(data_dir=data),
        state=FakeState(records or {}),
        desired_of=lambda kind: wanted or [],
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "dem" / "A064").mkdir(parents=True)
    (tmp_path / "dem" / "A064" / "dem.tif").write_bytes(b"II*\x00")
    return tmp_path


@pytest.mark.parametrize(
    ("required", "op"),
    [
        ([-117.95, 35.45, -117.25, 35.95], None),  # a new date inside the extent: keep
        ([-118.0, 35.4, -117.2, 36.0], None),  # grown, still inside the snapped bounds: keep
        ([-117.95, 35.45, -117.25, 36.05], Op.REPLACE),  # a new date leaves the bounds: replace
        ([-118.1, 35.45, -117.25, 35.95], Op.REPLACE),
    ],
)
def test_keep_while_the_recorded_bounds_cover_the_required_extent(data: Path, required, op) -> None:  # type: ignore[no-untyped-def]
    action = DemKind().assess(desired(required), record(), context(data))
    assert (action.op if action else None) is op
    if action is not None:
        assert "beyond the DEM's" in action.reason


def test_no_record_creates_and_missing_files_are_made_again(data: Path) -> None:
    wanted = desired([-117.95, 35.45, -117.25, 35.95])
    first = DemKind().assess(wanted, None, context(data))
    assert first is not None and first.op is Op.CREATE and first.reason == "missing"
    (data / "dem" / "A064" / "dem.tif").unlink()
    gone = DemKind().assess(wanted, record(), context(data))
    assert gone is not None and gone.op is Op.CREATE and "dem.tif missing on disk" in gone.reason


def test_isce_needs_its_wgs84_form_too(data: Path) -> None:
    action = DemKind().assess(desired([-117.95, 35.45, -117.25, 35.95], "isce"), record(), context(data))
    assert action is not None and action.op is Op.CREATE
    assert "A064.dem.wgs84" in action.reason


def test_a_version_change_is_a_note_not_a_replace(data: Path) -> None:
    wanted = desired([-117.95, 35.45, -117.25, 35.95])
    old = record(dem_stitcher_version="3.1.0")
    ctx = context(data, {"dem.A064": old}, [wanted])
    assert DemKind().assess(wanted, old, ctx) is None
    notes = DemKind().notes(ctx)
    assert len(notes) == 1
    assert f"made with dem_stitcher 3.1.0, now {stitcher_version()}" in notes[0]
    assert "`insarproj apply --replace dem.A064` remakes it" in notes[0]


def test_a_parameter_change_is_a_note_too(data: Path) -> None:
    wanted = desired([-117.95, 35.45, -117.25, 35.95])
    old = record(parameters={**parameters("download"), "dst_area_or_point": "Area"})
    ctx = context(data, {"dem.A064": old}, [wanted])
    assert DemKind().assess(wanted, old, ctx) is None
    assert "'dst_area_or_point': 'Area'" in DemKind().notes(ctx)[0]


def test_no_note_when_nothing_drifted(data: Path) -> None:
    wanted = desired([-117.95, 35.45, -117.25, 35.95])
    assert DemKind().notes(context(data, {"dem.A064": record()}, [wanted])) == []


def test_a_stack_that_left_is_forgotten_its_files_deleted_only_with_prune(data: Path) -> None:
    from insarproj.engine.model import Action

    old = record()
    forget = Action(address="dem.A064", kind="dem", op=Op.FORGET, reason="left", payload={"record": old})
    kept = DemKind().execute(
        forget, SimpleNamespace(project=SimpleNamespace(data_dir=data), options=SimpleNamespace(prune=False))
    )  # type: ignore[arg-type]
    assert kept.ops == [{"op": "del", "address": "dem.A064"}]
    assert (data / "dem" / "A064" / "dem.tif").exists()
    pruned = forget.model_copy(update={"payload": {"record": old, "prune": True}})
    DemKind().execute(
        pruned, SimpleNamespace(project=SimpleNamespace(data_dir=data), options=SimpleNamespace(prune=False))
    )  # type: ignore[arg-type]
    assert not (data / "dem" / "A064" / "dem.tif").exists()
