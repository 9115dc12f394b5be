"""The product kind's converged shortcut (`_in_sync`) says "in sync" only where the long way
(`_verdict` without it) finds nothing: one row per way a recorded product can differ."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import insarproj.kinds.products as products
from insarproj.errors import UnsafePathError
from insarproj.hyp3.products import MANIFEST_NAME, extract_product, layer_filter, quick_check

NAME = "S1AA_20210106T015101_20210118T015058_VVP012_INT80_G_ueF_4CEA"
FILES = {f"{NAME}_unw_phase.tif": b"phase" * 100, f"{NAME}_corr.tif": b"corr" * 50, f"{NAME}.txt": b"p\n"}
JOB = "hyp3_job.A064.20210106_20210118"
ADDRESS = "product.A064.20210106_20210118"


def _product(data: Path, keep: list[str] | None) -> dict[str, Any]:
    """A product on disk and its record as apply writes it (layers ``keep`` recorded as kept)."""
    data.mkdir(exist_ok=True)
    archive = data / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, content in FILES.items():
            handle.writestr(f"{NAME}/{name}", content)
    folder = data / "products" / "A064" / NAME
    manifest = extract_product(archive, folder)
    quick = quick_check(folder, NAME, manifest, layer_filter(NAME, keep))
    assert quick is not None
    return {
        "kind": "product",
        "status": "present",
        "attributes": {
            "path": f"products/A064/{NAME}",
            "product": NAME,
            "job_id": "J1",
            "manifest": manifest.summary(),
            "keep_layers": None if keep is None else ",".join(keep),
            **quick,
        },
    }


def _ctx(data: Path, keep: list[str] | None, *, verify: bool = False, jobs: Any = None) -> Any:
    hyp3 = SimpleNamespace(keep_layers=keep)
    project = SimpleNamespace(
        data_dir=data, config=SimpleNamespace(processor=SimpleNamespace(hyp3=hyp3, aria=None))
    )
    observations = {"hyp3.jobs": jobs} if jobs else {}
    return SimpleNamespace(observations=observations, project=project, options=SimpleNamespace(verify=verify))


def _unw(data: Path) -> Path:
    return data / "products" / "A064" / NAME / f"{NAME}_unw_phase.tif"


Change = Callable[[Path, dict[str, Any]], None]


def _nothing(data: Path, attrs: dict[str, Any]) -> None:
    return None


def _set(key: str, value: Any) -> Change:
    return lambda data, attrs: attrs.__setitem__(key, value)


def _drop(key: str) -> Change:
    return lambda data, attrs: attrs.pop(key)


# (case, layers recorded as kept, keep_layers now, --verify, job listed now, change,
#  the shortcut says in sync, the verdict's reason (None: in sync))
ROWS: list[tuple[str, list[str] | None, list[str] | None, bool, str | None, Change, bool, str | None]] = [
    ("as recorded", None, None, False, None, _nothing, True, None),
    ("as recorded, layers kept", ["unw_phase"], ["unw_phase"], False, None, _nothing, True, None),
    (
        "file deleted",
        None,
        None,
        False,
        None,
        lambda d, a: _unw(d).unlink(),
        False,
        f"{NAME}_unw_phase.tif: missing",
    ),
    (
        "file truncated",
        None,
        None,
        False,
        None,
        lambda d, a: _unw(d).write_bytes(b"x"),
        False,
        "size differs",
    ),
    (
        "manifest deleted",
        None,
        None,
        False,
        None,
        lambda d, a: (_unw(d).parent / MANIFEST_NAME).unlink(),
        False,
        "missing",
    ),
    (
        "folder deleted",
        None,
        None,
        False,
        None,
        lambda d, a: __import__("shutil").rmtree(_unw(d).parent),
        False,
        "folder missing",
    ),
    (
        "same size, other bytes, --verify",
        None,
        None,
        True,
        None,
        lambda d, a: _unw(d).write_bytes(b"P" * 500),
        False,
        "checksum differs",
    ),
    ("--verify, intact", None, None, True, None, _nothing, False, None),
    ("made by an older job", None, None, False, None, _set("job_id", "J0"), False, "which job J1 replaced"),
    ("the listing shows a newer job", None, None, False, "J2", _nothing, False, "which job J2 replaced"),
    ("the listing shows this job", None, None, False, "J1", _nothing, True, None),
    (
        "layers dropped since",
        None,
        ["unw_phase"],
        False,
        None,
        _nothing,
        False,
        "keep_layers changed: keep only",
    ),
    (
        "layers added since",
        ["unw_phase"],
        None,
        False,
        None,
        _nothing,
        False,
        "keep_layers changed: keep every",
    ),
    (
        "kept layers not recorded",
        None,
        None,
        False,
        None,
        _drop("keep_layers"),
        False,
        "recorded by an older",
    ),
    ("no quick layout", None, None, False, None, _drop("layout"), False, None),
    ("no sizes digest", None, None, False, None, _set("sizes", ""), False, None),
    ("sizes digest of other sizes", None, None, False, None, _set("sizes", "0" * 20), False, None),
    ("no manifest", None, None, False, None, _set("manifest", None), False, "without a manifest"),
    (
        "a layer named empty",
        ["unw_phase"],
        ["", "unw_phase"],
        False,
        None,
        _nothing,
        False,
        "keep_layers changed",
    ),
]


@pytest.mark.parametrize(
    ("recorded_keep", "keep", "verify", "listed", "change", "fast", "reason"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_the_shortcut_agrees_with_the_long_way(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded_keep: list[str] | None,
    keep: list[str] | None,
    verify: bool,
    listed: str | None,
    change: Change,
    fast: bool,
    reason: str | None,
) -> None:
    data = tmp_path / "data"
    record = _product(data, recorded_keep)
    change(data, record["attributes"])
    jobs = {JOB: SimpleNamespace(job_id=listed)} if listed else None
    assert products._in_sync(ADDRESS, record, JOB, _ctx(data, keep, verify=verify, jobs=jobs), "J1") is fast
    verdict = products._verdict(ADDRESS, record, JOB, _ctx(data, keep, verify=verify, jobs=jobs), "J1")
    monkeypatch.setattr(products, "_in_sync", lambda *args: False)
    long_way = products._verdict(ADDRESS, record, JOB, _ctx(data, keep, verify=verify, jobs=jobs), "J1")
    assert verdict == long_way
    if reason is None:
        assert verdict is None
    else:
        assert verdict is not None and reason in verdict.reason


@pytest.mark.parametrize("path", ["../elsewhere", "/etc", "products/../../x", ""])
def test_a_path_leaving_the_data_folder_is_refused_either_way(tmp_path: Path, path: str) -> None:
    data = tmp_path / "data"
    record = _product(data, None)
    record["attributes"]["path"] = path
    with pytest.raises(UnsafePathError):
        products._verdict(ADDRESS, record, JOB, _ctx(data, None), "J1")
