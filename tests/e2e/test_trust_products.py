"""Products are current, verified, inside the data folder and pruned (issue 14: "converged means
correct"), proven through the real CLI against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import apply_wait, state_of, write_project

from insarproj.errors import ExitCode

GAMMA = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'
MANIFEST = ".insarproj-manifest.json"


def hyp3_project(root: Path, *, end: str = "2021-01-20", extra: str = "") -> Path:
    return write_project(root, kind="hyp3", end=end, processor_extra=GAMMA + extra)


def records(root: Path, kind: str) -> dict[str, dict]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == kind}


def product_folders(root: Path) -> dict[str, set[str]]:
    """Entry names under data/products/<stack>/, by stack, as MintPy's glob.glob sees them (no
    hidden names: insarproj's downloads in progress are hidden)."""
    import glob

    base = root / "data" / "products"
    return (
        {s.name: {Path(p).name for p in glob.glob(str(s / "*"))} for s in base.iterdir()}
        if base.is_dir()
        else {}
    )


def superseded_folders(root: Path) -> set[str]:
    base = root / "data" / "superseded" / "products"
    return {p.name for p in base.glob("*/*")} if base.is_dir() else set()


def recorded_folders(root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for record in records(root, "product").values():
        stack, name = Path(record["attributes"]["path"]).parts[-2:]
        found.setdefault(stack, set()).add(name)
    return found


def assert_converged(run_cli, root: Path, *extra: str) -> None:  # type: ignore[no-untyped-def]
    check = run_cli(["-C", str(root), "plan", "--detailed-exitcode", *extra])
    assert check.code == 0, check.output
    assert product_folders(root) == recorded_folders(root)


def converge(run_cli, root: Path) -> None:  # type: ignore[no-untyped-def]
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    assert_converged(run_cli, root)


def first_product(root: Path) -> Path:
    record = min(records(root, "product").values(), key=lambda r: r["attributes"]["path"])
    return root / "data" / record["attributes"]["path"]


# -- defect 1: products of replaced jobs -----------------------------------------------------


def test_replaced_jobs_products_are_fetched_and_old_ones_superseded(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    converge(run_cli, root)
    old = {p for names in product_folders(root).values() for p in names}
    assert old and not any(list((root / "data" / "products").glob("*/*/*_dem.tif")))
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace(GAMMA, GAMMA + "include_dem = true\n"))
    plan = run_cli(["-C", str(root), "plan"])
    assert "replace" in plan.output and "include_dem" in plan.output
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    jobs = records(root, "hyp3_job")
    for address, record in records(root, "product").items():
        job = jobs["hyp3_job." + address.split(".", 1)[1]]
        assert record["attributes"]["job_id"] == job["attributes"]["job_id"]
        folder = root / "data" / record["attributes"]["path"]
        assert list(folder.glob("*_dem.tif")), f"{folder} is not the product of the current job"
    assert_converged(run_cli, root)
    # Exactly one product per pair in data/products/<stack>/; the old ones moved aside, not deleted.
    assert sum(len(n) for n in product_folders(root).values()) == len(jobs)
    assert superseded_folders(root) == old
    pruned = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert pruned.code == 0, pruned.output
    assert "deleted (--prune)" in pruned.output
    assert superseded_folders(root) == set()
    assert_converged(run_cli, root)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_crash_around_moving_the_old_product_aside_converges(
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch, when: str
) -> None:  # type: ignore[no-untyped-def]
    import insarproj.kinds.products as products_kind

    root = hyp3_project(tmp_path / "p")
    converge(run_cli, root)
    pairs = len(records(root, "hyp3_job"))
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace(GAMMA, GAMMA + 'looks = "10x2"\n'))
    real = products_kind._set_aside

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        if when == "after":
            real(*args, **kwargs)
        raise OSError(f"injected crash {when} the old product moves aside")

    monkeypatch.setattr(products_kind, "_set_aside", crash)
    crashed = apply_wait(run_cli, root)
    assert crashed.code == ExitCode.ERROR and "injected crash" in crashed.output, crashed.output
    # The new product was extracted before the crash: no pair is ever left without a product.
    per_pair = {name.split("_INT")[0] for names in product_folders(root).values() for name in names}
    assert len(per_pair) == pairs
    monkeypatch.undo()
    converge(run_cli, root)
    assert sum(len(n) for n in product_folders(root).values()) == pairs
    assert all("INT40" in p for names in product_folders(root).values() for p in names)  # 10x2 looks


# -- defect 6: --verify verifies products ----------------------------------------------------


def test_damaged_product_files_are_found_and_repaired(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    converge(run_cli, root)
    folder = first_product(root)
    unw = next(folder.glob("*_unw_phase.tif"))
    original = unw.read_bytes()
    with open(unw, "r+b") as handle:  # same size, other bytes: only a checksum sees it
        handle.seek(len(original) // 2)
        handle.write(b"\x00\xff\x00\xff")
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0  # stat only: same size
    plan = run_cli(["-C", str(root), "plan", "--verify", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert f"{unw.name}: checksum differs" in plan.output
    corr = next(folder.glob("*_corr.tif"))
    corr.write_bytes(b"")
    cheap = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert cheap.code == ExitCode.PENDING and f"{corr.name}: size differs" in cheap.output
    repaired = run_cli(["-C", str(root), "apply", "--yes", "--verify"])
    assert repaired.code == 0, repaired.output
    assert unw.read_bytes() == original and corr.stat().st_size > 0
    assert_converged(run_cli, root, "--verify")


def test_product_manifest_hash_is_in_state_and_checked(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    converge(run_cli, root)
    folder = first_product(root)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["files"] and all(set(v) == {"size", "sha256"} for v in manifest["files"].values())
    record = next(r for r in records(root, "product").values() if folder.name in r["attributes"]["path"])
    assert record["attributes"]["manifest"]["files"] == len(manifest["files"])
    assert "files" not in record["attributes"]  # per-file detail lives in the manifest, not in state
    (folder / MANIFEST).unlink()
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING and "manifest" in plan.output


# -- defect 7: server-supplied names are never paths ------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_crafted_product_file_names_are_refused(tmp_path: Path, fast_hyp3, run_cli, absolute: bool) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p")
    victim = tmp_path / "victim"  # what ../../../../NAME reaches from data/products/<stack>/
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    crafted = str(tmp_path / "abs" / "victim.zip") if absolute else "../../../../victim.zip"
    fast_hyp3.set_faults(f"evil-name:filename={crafted}")
    before = sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(root))
    result = apply_wait(run_cli, root)
    assert result.code == ExitCode.ERROR, result.output
    assert "not a plain file name" in result.output and "Traceback" not in result.output
    assert (victim / "keep.txt").read_text() == "precious"
    assert sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(root)) == before
    assert records(root, "product") == {}  # nothing recorded as present
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING and "apply will refuse it" in plan.output
    assert "not a plain file name" in plan.output


# -- defect 11: apply --prune deletes product folders -----------------------------------------


def fewer_neighbors(root: Path) -> None:
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("neighbors = 2", "neighbors = 1"))


def test_prune_deletes_folders_of_products_that_left_the_network(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    converge(run_cli, root)
    before = sum(len(n) for n in product_folders(root).values())
    fewer_neighbors(root)
    result = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert result.code == 0, result.output
    assert "files deleted (--prune)" in result.output
    kept = len(records(root, "product"))
    assert 0 < kept < before
    assert product_folders(root) == recorded_folders(root)
    assert superseded_folders(root) == set()
    assert_converged(run_cli, root)


def test_a_saved_plan_deletes_only_what_it_said(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    """`apply PLANFILE` does what the reviewed plan says: --prune is decided by `plan --prune`."""
    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    converge(run_cli, root)
    fewer_neighbors(root)
    kept_plan, pruned_plan = tmp_path / "kept.json", tmp_path / "pruned.json"
    shown = run_cli(["-C", str(root), "plan", "--out", str(kept_plan)])
    assert "moved to data/superseded/" in shown.output and "deleted" not in shown.output
    refused = run_cli(["-C", str(root), "apply", str(kept_plan), "--prune"])
    assert refused.code == ExitCode.USAGE and "--prune belong to `plan`" in refused.output
    assert run_cli(["-C", str(root), "apply", str(kept_plan)]).code == 0
    assert superseded_folders(root) and product_folders(root) == recorded_folders(root)
    shown = run_cli(["-C", str(root), "plan", "--prune", "--out", str(pruned_plan)])
    assert "files deleted (--prune)" in shown.output
    assert run_cli(["-C", str(root), "apply", str(pruned_plan)]).code == 0
    assert superseded_folders(root) == set()
    assert_converged(run_cli, root)


def test_forgotten_products_move_aside_until_prune(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    converge(run_cli, root)
    fewer_neighbors(root)
    plan = run_cli(["-C", str(root), "plan"])
    assert "moved to data/superseded/" in plan.output
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    assert product_folders(root) == recorded_folders(root)
    moved = superseded_folders(root)
    assert moved
    assert_converged(run_cli, root)
    pruned = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert pruned.code == 0 and "deleted (--prune)" in pruned.output, pruned.output
    assert superseded_folders(root) == set()


def test_prune_never_deletes_outside_the_data_folder(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_put

    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    converge(run_cli, root)
    outside = tmp_path / "x"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    fewer_neighbors(root)
    plan = json.loads(run_cli(["-C", str(root), "plan", "--json"]).stdout)
    forgotten = [a["address"] for a in plan["actions"] if a["kind"] == "product" and a["op"] == "forget"]
    assert forgotten
    address = forgotten[0]
    record = records(root, "product")[address]
    tampered = {**record["attributes"], "path": "../../x"}
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.record([op_put(address, "product", "present", tampered)])
    result = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert result.code == ExitCode.ERROR, result.output
    assert address in result.output and "Traceback" not in result.output
    assert (outside / "keep.txt").read_text() == "precious"


def test_scene_prune_never_deletes_outside_the_data_folder(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_put

    root = write_project(tmp_path / "p", end="2021-01-10")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    outside = tmp_path / "x.zip"
    outside.write_text("precious")
    scenes = records(root, "scene")
    address, record = min(scenes.items())
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.record([op_put(address, "scene", "present", {**record["attributes"], "path": "../x.zip"})])
    toml = root / "project.toml"
    name = address.split(".", 1)[1]
    toml.write_text(toml.read_text().replace("[pairs]", f'exclude_scenes = ["{name}"]\n\n[pairs]'))
    result = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert result.code == ExitCode.ERROR, result.output
    assert address in result.output and "Traceback" not in result.output
    assert outside.read_text() == "precious"


def test_a_damaged_product_that_expired_on_hyp3_says_so(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_put

    root = hyp3_project(tmp_path / "p")
    converge(run_cli, root)
    folder = first_product(root)
    next(folder.glob("*_corr.tif")).write_bytes(b"")
    address = next(a for a, r in records(root, "product").items() if folder.name in r["attributes"]["path"])
    job_address = "hyp3_job." + address.split(".", 1)[1]
    job = records(root, "hyp3_job")[job_address]
    with StateStore(root / ".insarproj").open_writer() as writer:  # HyP3 deleted it two days ago
        writer.record(
            [
                op_put(
                    job_address,
                    "hyp3_job",
                    "succeeded",
                    {**job["attributes"], "expiration_time": "2021-03-01T00:00:00+00:00"},
                )
            ]
        )
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert "_corr.tif: size differs" in plan.output and "cannot be downloaded again" in plan.output
    # The job kind sees the product is not intact and plans the paid resubmission in the same plan.
    assert f"-/+ {job_address}  product expired 2021-03-01" in plan.output and "[10 credits]" in plan.output
    result = apply_wait(run_cli, root)
    assert result.code == 0 and "Traceback" not in result.output, result.output
    assert_converged(run_cli, root)
    fresh = root / "data" / records(root, "product")[address]["attributes"]["path"]
    assert next(fresh.glob("*_corr.tif")).stat().st_size > 0


def test_entries_no_record_names_leave_the_products_folder(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_delete

    root = hyp3_project(tmp_path / "p", end="2021-02-10")
    converge(run_cli, root)
    # What an older insarproj left: a forgotten record whose folder stayed, and a stray zip.
    address, record = min(records(root, "product").items())
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.record([op_delete(address)])
    stack_dir = (root / "data" / record["attributes"]["path"]).parent
    (stack_dir / "stray.zip").write_bytes(b"PK")
    (stack_dir / ".partial.zip.part").write_bytes(b"half")  # no pair waits for it: a stale leftover
    (stack_dir / ".notes").write_bytes(b"a user's hidden file")  # not insarproj's: left alone
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING and "are no recorded product" in plan.output, plan.output
    converge(run_cli, root)  # the pair's product is downloaded again; the strays move aside
    assert "stray.zip" in superseded_folders(root)
    assert not (stack_dir / ".partial.zip.part").exists() and (stack_dir / ".notes").exists()
    pruned = run_cli(["-C", str(root), "apply", "--yes", "--prune"])
    assert pruned.code == 0 and superseded_folders(root) == set(), pruned.output
