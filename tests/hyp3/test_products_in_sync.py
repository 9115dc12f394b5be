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


def _desired(pair: str) -> Any:
    """The desired job and product of ``pair`` (stack A064), as the kinds make them."""
    rest = pair.split(".", 1)[1]
    ref, sec = rest.split(".")[1].split("_")
    dates = {
        "reference_date": f"{ref[:4]}-{ref[4:6]}-{ref[6:]}",
        "secondary_date": f"{sec[:4]}-{sec[4:6]}-{sec[6:]}",
    }
    job = SimpleNamespace(address=f"hyp3_job.{rest}", spec={"pair": pair, "stack": "A064", **dates})
    product = SimpleNamespace(address=f"product.{rest}", spec={"stack": "A064", "job": job.address})
    return job, product


# (record, desired now, noted by assess, recorded present)
RECORDS = [
    ("product.A064.20210101_20210113", "present", True, True, True),
    ("product.A064.20210113_20210125", "present", True, False, True),  # desired, not assessed yet
    ("product.A064.20210125_20210206", "downloading", True, True, False),
    ("product.A064.20200101_20200113", "present", False, False, True),  # an orphan
]


def test_every_product_record_is_noted_once_and_the_sweep_sees_them_all(tmp_path: Path) -> None:
    from insarproj.state import StateStore, op_put

    store = StateStore(tmp_path / ".insarproj")
    store.create()
    with store.open_writer() as writer:
        writer.record(
            [
                op_put(a, "product", status, {"path": f"products/A064/{a.rsplit('.', 1)[1]}", "job_id": "J"})
                for a, status, *_ in RECORDS
            ]
        )
    state = store.load(lazy=True)
    wanted = [_desired("pair." + a.split(".", 1)[1]) for a, _s, desired, *_ in RECORDS if desired]
    wanted.append(_desired("pair.A064.20210206_20210218"))  # a pair whose product is not recorded
    kinds = {"hyp3_job": [j for j, _p in wanted], "product": [p for _j, p in wanted]}
    ctx = SimpleNamespace(state=state, observations={}, desired_of=lambda kind: kinds.get(kind, []))
    view = state.by_kind("product")
    for address, _status, _desired_now, noted, _present in RECORDS:
        if noted:
            products._note_record(address, view[address], ctx)
            products._note_record(address, view[address], ctx)  # asked twice: noted once
    recorded = products._recorded_products(ctx)
    assert recorded.complete and recorded.seen == {a for a, *_ in RECORDS}
    assert recorded.names == {"A064": {a.rsplit(".", 1)[1] for a, *_ in RECORDS}}
    assert recorded.present == {a for a, _s, _d, _n, present in RECORDS if present}
    # Folders of pairs whose product is not present may still be adopted: never swept.
    assert products._claimable("A064", ctx) == {("2021-01-25", "2021-02-06"), ("2021-02-06", "2021-02-18")}
    assert products._claimable("D087", ctx) == set()
