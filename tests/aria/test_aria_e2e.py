"""The real CLI against the sandbox: an aria project converges with exactly the selected pairs
(newest versions only), an archived product is retrieved without a second retrieval request,
and a corrupted netCDF is refused and downloaded again."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aria_helpers import (
    ARCHIVED,
    ARCHIVED_ADDRESS,
    EXPECTED,
    aria_records,
    download_gets,
    write_aria_project,
)


def _apply(run_cli, root: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(["-C", str(root), "apply", "--yes", *extra])


def test_converges_with_the_selected_pairs_newest_versions_only(run_cli, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.aria_settings(retrieval_delay=0.3)
    root = write_aria_project(tmp_path / "p")
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "20210106_20210130: dropped, its products cover 50 % of the AOI" in plan.output
    assert "without a usable published GUNW product: 2 (20210106_20210130, 20210118_20210211)" in plan.output
    assert "phase sign opposite" in plan.output

    done = run_cli(["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"])
    assert done.code == 0, done.output
    records = aria_records(root)
    assert set(records) == EXPECTED
    assert all(r["status"] == "present" for r in records.values())
    files = sorted(p.name for p in (root / "data" / "aria" / "A064").iterdir())
    assert len(files) == 6 and all(name.endswith("-v3_0_1.nc") for name in files)
    for record in records.values():
        data = (root / "data" / record["attributes"]["path"]).read_bytes()
        assert hashlib.md5(data).hexdigest() == record["attributes"]["md5"]
    # ARIA's own order is kept in the record: the reference is the later date.
    one = records["aria_product.A064.25502.20210106_20210118"]["attributes"]
    assert (one["reference"], one["secondary"]) == ("2021-01-18", "2021-01-06")

    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0 and "No changes" in again.output, again.output
    shown = run_cli(["-C", str(root), "show"])
    assert "A064  frames 25501, 25502  6/6 products on disk" in shown.output


def test_an_archived_product_is_retrieved_once_without_failing(run_cli, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.aria_settings(retrieval_delay=3600)
    root = write_aria_project(tmp_path / "p")
    first = _apply(run_cli, root)
    assert first.code == 0, first.output
    record = aria_records(root)[ARCHIVED_ADDRESS]
    assert record["status"] == "retrieving" and record["attributes"]["status_url"]
    assert sandbox.aria.retrievals == {ARCHIVED: 1}

    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 2, plan.output
    assert f"retrieving from long-term storage since {record['attributes']['requested_at']}" in plan.output
    assert "(status: retrieving)" in plan.output

    gets = len(download_gets(sandbox, ARCHIVED))
    second = _apply(run_cli, root)  # still retrieving: waits, asks nothing of the download URL
    assert second.code == 0, second.output
    assert len(download_gets(sandbox, ARCHIVED)) == gets

    sandbox.aria_settings(retrieval_delay=0)
    third = _apply(run_cli, root)
    assert third.code == 0, third.output
    assert aria_records(root)[ARCHIVED_ADDRESS]["status"] == "present"
    assert sandbox.aria.retrievals == {ARCHIVED: 1}  # never a second retrieval request


def test_a_corrupted_netcdf_is_refused_and_downloaded_again(run_cli, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox.aria_settings(retrieval_delay=0)
    victim = "aria_product.A064.25502.20210118_20210130"
    root = write_aria_project(tmp_path / "p")
    run_cli(["-C", str(root), "plan"])  # pins the search
    name = next(iter(aria_records(root) or {}), None)
    assert name is None  # plan writes nothing
    from insarproj.sandbox.aria_catalog import gunw_products

    served = next(
        p.name for p in gunw_products() if "20210130_20210118-014537" in p.name and p.version == (3, 0, 1)
    )
    # The probe and the first download of that product get other bytes of the same length.
    sandbox.set_faults(f"badmd5:2:scene={served}@/door/download/*")
    done = run_cli(["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60"])
    assert done.code == 0, done.output
    corrupted = [r for r in download_gets(sandbox, served) if r.fault == "badmd5" and r.status == 200]
    assert corrupted, [(r.status, r.fault) for r in download_gets(sandbox, served)]
    attrs = aria_records(root)[victim]["attributes"]
    path = root / "data" / attrs["path"]
    assert hashlib.md5(path.read_bytes()).hexdigest() == attrs["md5"]

    # Damaged on disk later (same size): --verify finds it and apply downloads it again.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    plan = run_cli(["-C", str(root), "plan", "--verify"])
    assert "MD5 differs on disk (--verify)" in plan.output, plan.output
    fixed = _apply(run_cli, root, "--verify")
    assert fixed.code == 0, fixed.output
    assert hashlib.md5(path.read_bytes()).hexdigest() == attrs["md5"]


def test_a_lapsed_retrieval_is_requested_again_once(run_cli, sandbox, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from insarproj.kinds import aria as aria_kind

    sandbox.aria_settings(retrieval_delay=0, expiry=0)  # available for no time: archived again at once
    root = write_aria_project(tmp_path / "p")
    assert _apply(run_cli, root).code == 0
    assert sandbox.aria.retrievals == {ARCHIVED: 1}
    waiting = run_cli(["-C", str(root), "plan"])  # archived, but only just requested: still waiting
    assert "(status: archived)" in waiting.output, waiting.output
    assert _apply(run_cli, root).code == 0
    assert sandbox.aria.retrievals == {ARCHIVED: 1}

    monkeypatch.setattr(aria_kind, "LAPSE_SECONDS", -1)
    lapsed = run_cli(["-C", str(root), "plan"])
    assert "lapsed (status: archived)" in lapsed.output, lapsed.output
    assert _apply(run_cli, root).code == 0
    assert sandbox.aria.retrievals == {ARCHIVED: 2}
    assert aria_records(root)[ARCHIVED_ADDRESS]["status"] == "retrieving"


def test_preflight_stops_before_any_download_when_earthdata_refuses(run_cli, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_aria_project(tmp_path / "p")
    sandbox.set_faults("unapproved")  # the approval page of the Earthdata application, not the file
    result = _apply(run_cli, root)
    assert result.code == 1, result.output
    assert "GRFN Door (PROD)" in result.output and "Traceback" not in result.output
    assert not (root / "data" / "aria").exists() or not any((root / "data" / "aria").rglob("*.nc"))
    assert aria_records(root) == {}


def test_a_pair_leaving_sets_its_files_aside_and_coming_back_adopts_them(
    run_cli, sandbox, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sandbox.aria_settings(retrieval_delay=0)
    root = write_aria_project(tmp_path / "p")
    assert _apply(run_cli, root).code == 0
    toml = root / "project.toml"
    original = toml.read_text()
    toml.write_text(
        original.replace("neighbors = 2", 'neighbors = 2\nexclude_pairs = [["2021-01-18", "2021-01-30"]]')
    )
    left = _apply(run_cli, root)
    assert "file moved to data/superseded/aria/A064/" in left.output, left.output
    aside = sorted(p.name for p in (root / "data" / "superseded" / "aria" / "A064").iterdir())
    assert len(aside) == 2 and all("20210130_20210118" in n for n in aside)
    assert not any("20210130_20210118" in p.name for p in (root / "data" / "aria" / "A064").iterdir())

    toml.write_text(original)
    gets = len(sandbox.requests())
    back = _apply(run_cli, root)
    assert back.code == 0 and "its file in data/superseded/aria/ is adopted" in back.output, back.output
    assert not any((root / "data" / "superseded" / "aria" / "A064").iterdir())
    assert not [r for r in sandbox.requests()[gets:] if r.status == 200 and "20210130_20210118" in r.path]


def test_scene_only_search_keys_are_named_not_silently_ignored(run_cli, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_aria_project(tmp_path / "p")
    toml = root / "project.toml"
    toml.write_text(
        toml.read_text().replace(
            'flight_direction = "ASCENDING"',
            'flight_direction = "ASCENDING"\nmin_scenes = 3\nexclude_dates = [2021-02-11]',
        )
    )
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "[search] min_scenes: not used with processor aria" in plan.output
    assert "A064 20210130_20210211: left out, 2021-02-11 is in exclude_dates" in plan.output
    assert "20210130_20210211  missing" not in plan.output
