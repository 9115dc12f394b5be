"""Products are as declared *now* (docs/safety.md, "Kept layers"): a changed `keep_layers` is
planned and applied, stale hidden downloads leave, messages name the real data folder, and a
plain plan checks products by stat without reading their manifests — through the real CLI
against the sandbox."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import apply_wait, write_project
from test_trust_products import (
    GAMMA,
    assert_converged,
    converge,
    fewer_neighbors,
    product_folders,
    records,
    superseded_folders,
)

from insarproj.errors import ExitCode


def layers_project(root: Path, keep: list[str], *, end: str = "2021-01-20") -> Path:
    listed = ", ".join(f'"{layer}"' for layer in keep)
    return write_project(root, kind="hyp3", end=end, processor_extra=GAMMA + f"keep_layers = [{listed}]\n")


def set_keep(root: Path, keep: list[str] | None) -> None:
    toml = root / "project.toml"
    lines = [line for line in toml.read_text().splitlines() if not line.startswith("keep_layers")]
    text = "\n".join(lines) + "\n"
    if keep is not None:
        listed = ", ".join(f'"{layer}"' for layer in keep)
        text = text.replace(GAMMA, GAMMA + f"keep_layers = [{listed}]\n")
    toml.write_text(text)


def storage_gets(sandbox) -> list:  # type: ignore[no-untyped-def]
    """Product zips served by the sandbox's HyP3 so far."""
    return [r for r in sandbox.requests() if r.path.startswith("/_hyp3products/") and r.method == "GET"]


def product_files(root: Path) -> set[str]:
    return {p.name for p in (root / "data" / "products").glob("*/*/*") if p.is_file()}


def test_dropping_layers_deletes_exactly_their_files_in_place(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = layers_project(tmp_path / "p", ["amp", "corr", "unw_phase", "water_mask"])
    converge(run_cli, root)
    before = product_files(root)
    assert any(n.endswith("_amp.tif") for n in before) and any(n.endswith("_water_mask.tif") for n in before)
    downloads = len(storage_gets(fast_hyp3))
    set_keep(root, ["corr", "unw_phase"])
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert "keep_layers changed: remove 2 layers (amp, water_mask)" in plan.output
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    dropped = {n for n in before if n.endswith(("_amp.tif", "_water_mask.tif"))}
    assert product_files(root) == before - dropped  # those files, never more
    assert len(storage_gets(fast_hyp3)) == downloads  # nothing downloaded again
    assert_converged(run_cli, root)
    assert_converged(run_cli, root, "--verify")
    # Keeping every layer again needs the zip (deleted after unzipping): downloaded again.
    set_keep(root, None)
    plan = run_cli(["-C", str(root), "plan"])
    assert "keep_layers changed: keep every layer" in plan.output and "downloaded again" in plan.output
    converge(run_cli, root)
    assert len(storage_gets(fast_hyp3)) > downloads
    assert before <= product_files(root)


def test_adding_a_layer_downloads_the_product_again(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = layers_project(tmp_path / "p", ["corr", "unw_phase"])
    converge(run_cli, root)
    assert not any(n.endswith("_amp.tif") for n in product_files(root))
    pairs = len(records(root, "product"))
    set_keep(root, ["amp", "corr", "unw_phase"])
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert "keep_layers changed: add amp; the zip was deleted after unzipping" in plan.output
    downloads = len(storage_gets(fast_hyp3))
    converge(run_cli, root)
    assert len(storage_gets(fast_hyp3)) == downloads + pairs
    assert sum(n.endswith("_amp.tif") for n in product_files(root)) == pairs


def test_a_trim_cut_short_finishes_without_downloading(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = layers_project(tmp_path / "p", ["amp", "corr", "unw_phase"])
    converge(run_cli, root)
    set_keep(root, ["corr", "unw_phase"])
    # What a kill -9 in the middle of the trim leaves: one file of the dropped layer gone, the
    # record not yet written. The files that stay are intact: no download is needed.
    next((root / "data" / "products").glob("*/*/*_amp.tif")).unlink()
    downloads = len(storage_gets(fast_hyp3))
    plan = run_cli(["-C", str(root), "plan"])
    assert "remove 1 layers (amp)" in plan.output and "missing" not in plan.output, plan.output
    converge(run_cli, root)
    assert len(storage_gets(fast_hyp3)) == downloads
    assert not any(n.endswith("_amp.tif") for n in product_files(root))


def test_records_of_an_older_insarproj_are_completed_from_the_manifest(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_put

    root = layers_project(tmp_path / "p", ["amp", "corr", "unw_phase"])
    converge(run_cli, root)
    old = {a: {k: v for k, v in r["attributes"].items() if k not in ("keep_layers", "layout", "sizes")}
           for a, r in records(root, "product").items()}  # fmt: skip
    with StateStore(root / ".insarproj").open_writer() as writer:
        writer.record([op_put(a, "product", "present", attrs) for a, attrs in old.items()])
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING and "recorded by an older insarproj" in plan.output, plan.output
    set_keep(root, ["corr", "unw_phase"])  # narrower than what the manifests list: trimmed
    plan = run_cli(["-C", str(root), "plan"])
    assert "files of layers keep_layers leaves out; they are deleted" in plan.output, plan.output
    downloads = len(storage_gets(fast_hyp3))
    converge(run_cli, root)
    assert len(storage_gets(fast_hyp3)) == downloads
    assert not any(n.endswith("_amp.tif") for n in product_files(root))
    assert all(r["attributes"]["keep_layers"] == "corr,unw_phase" for r in records(root, "product").values())


def test_stale_hidden_downloads_leave_with_their_pair(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-02-10", processor_extra=GAMMA)
    converge(run_cli, root)
    fewer_neighbors(root)
    plan = run_cli(["-C", str(root), "plan", "--json"])
    leaving = [
        records(root, "product")[a]["attributes"]["path"]
        for a in (x["address"] for x in __import__("json").loads(plan.stdout)["actions"])
        if a in records(root, "product")
    ]
    assert leaving
    # What an apply killed while downloading (or unzipping) such a product leaves behind.
    stack_dir = (root / "data" / leaving[0]).parent
    name = Path(leaving[0]).name
    partial = stack_dir / f".{name}.zip.part"
    partial.write_bytes(b"half a zip")
    staging = stack_dir / f".{name}.k3j2x9.extracting"
    staging.mkdir()
    (stack_dir / ".notes").write_text("a user's hidden file")  # not insarproj's: left alone
    plan = run_cli(["-C", str(root), "plan"])
    assert "unfinished downloads or unzips" in plan.output, plan.output
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    assert not partial.exists() and not staging.exists()
    assert (stack_dir / ".notes").exists()
    assert_converged(run_cli, root)


def test_messages_name_the_data_folder_of_the_project(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-02-10", processor_extra=GAMMA)
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace('data = "data"', 'data = "elsewhere"'))
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    assert (root / "elsewhere" / "products").is_dir() and not (root / "data").exists()
    fewer_neighbors(root)
    plan = run_cli(["-C", str(root), "plan"])
    assert "moved to elsewhere/superseded/" in plan.output and ": elsewhere/products/" in plan.output
    assert "data/" not in plan.output, plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    plan = run_cli(["-C", str(root), "plan"])
    assert "wait in elsewhere/superseded/" in plan.output and "data/" not in plan.output, plan.output
    assert superseded_folders(root) == set()  # the helper looks in data/: nothing went there


def test_a_plain_plan_reads_no_manifest_yet_sees_every_damage(  # type: ignore[no-untyped-def]
    tmp_path: Path, fast_hyp3, run_cli, monkeypatch
) -> None:
    import insarproj.hyp3.products as products

    root = write_project(tmp_path / "p", kind="hyp3", end="2021-01-20", processor_extra=GAMMA)
    converge(run_cli, root)
    reads = []
    real = products._read_small_file
    monkeypatch.setattr(products, "_read_small_file", lambda path: reads.append(path) or real(path))
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    assert reads == []  # stat only: no manifest read per product
    assert run_cli(["-C", str(root), "plan", "--verify", "--detailed-exitcode"]).code == 0
    assert len(reads) == len(records(root, "product"))  # --verify reads every manifest
    folders = sorted(p for names in product_folders(root).values() for p in names)
    base = root / "data" / "products"
    first, second, third = (next(base.glob(f"*/{name}")) for name in folders[:3])
    next(first.glob("*_corr.tif")).unlink()
    with open(next(second.glob("*_unw_phase.tif")), "r+b") as handle:
        handle.truncate(10)
    import shutil

    shutil.rmtree(third)
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert "_corr.tif: missing" in plan.output and "_unw_phase.tif: size differs" in plan.output
    assert "folder missing on disk" in plan.output
    converge(run_cli, root)


def test_adding_a_layer_to_an_expired_product_says_what_to_do(tmp_path: Path, fast_hyp3, run_cli) -> None:  # type: ignore[no-untyped-def]
    from insarproj.state import StateStore, op_put

    root = layers_project(tmp_path / "p", ["corr", "unw_phase"])
    converge(run_cli, root)
    jobs = records(root, "hyp3_job")
    with StateStore(root / ".insarproj").open_writer() as writer:  # HyP3 deleted them on 1 March
        writer.record(
            [
                op_put(
                    a,
                    "hyp3_job",
                    "succeeded",
                    {**r["attributes"], "expiration_time": "2021-03-01T00:00:00+00:00"},
                )
                for a, r in jobs.items()
            ]
        )
    set_keep(root, ["corr"])  # dropping a layer needs no download: still done in place
    assert "remove 1 layers (unw_phase)" in run_cli(["-C", str(root), "plan"]).output
    set_keep(root, ["amp", "corr", "unw_phase"])
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == ExitCode.PENDING, plan.output
    assert (
        "add amp" in plan.output and "cannot be downloaded again until its job is resubmitted" in plan.output
    )
    assert "or set keep_layers back" in plan.output
    assert "product expired 2021-03-01" in plan.output and "credits" in plan.output  # the paid way, priced


def test_a_trimmed_product_is_adopted_from_disk_after_the_state_is_lost(
    tmp_path: Path, fast_hyp3, run_cli
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root = layers_project(tmp_path / "p", ["amp", "corr", "unw_phase"])
    converge(run_cli, root)
    set_keep(root, ["corr", "unw_phase"])
    converge(run_cli, root)  # trimmed in place: the manifests still list the amp files
    pairs = len(records(root, "product"))
    shutil.rmtree(root / ".insarproj")
    assert run_cli(["-C", str(root), "init", "--state-only"]).code == 0
    downloads = len(storage_gets(fast_hyp3))
    plan = run_cli(["-C", str(root), "plan"])
    assert f"{pairs} products to adopt from disk" in plan.output, plan.output
    assert "to download" not in plan.output, plan.output
    converge(run_cli, root)
    assert len(storage_gets(fast_hyp3)) == downloads
