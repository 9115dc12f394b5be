"""Which layers of a product are kept (`[processor.hyp3] keep_layers`) and how a change is
applied: dropped layers are deleted in place, added ones need the zip again (docs/safety.md,
"Kept layers"). The product kind (kinds/products.py) asks these per recorded product."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.fsutil import fsync_dir, resolve_inside
from insarproj.hyp3.products import layer_filter
from insarproj.kinds.hyp3 import hyp3_config
from insarproj.state.records import ProductAttributes

LAYERS = "keep_layers changed"  # how a plan line about kept layers starts
UNRECORDED = object()  # the kept layers of a record written before insarproj recorded them


def keep_now(ctx: PlanContext | ApplyContext) -> list[str] | None:
    """`[processor.hyp3] keep_layers` as records keep it: sorted, once each (None: every layer);
    worked out once per plan (it is asked per product)."""
    cache = ctx.observations if isinstance(ctx, PlanContext) else {}
    if "products.keep" not in cache:
        keep = hyp3_config(ctx.project).keep_layers
        cache["products.keep"] = None if keep is None else sorted(set(keep))
    wanted: list[str] | None = cache["products.keep"]
    return wanted


def recorded_keep(attrs: ProductAttributes) -> list[str] | object | None:
    """The layers a record says were kept (None: all); UNRECORDED for a record written before
    insarproj recorded them."""
    if "keep_layers" not in attrs:
        return UNRECORDED
    text = attrs["keep_layers"]
    return None if text is None else [layer for layer in text.split(",") if layer]


def trim_files(data_dir: Path, rel: str, keep: list[str] | None) -> int:
    """Delete the files of the product folder ``rel`` that its manifest lists and ``keep`` does not
    keep (never a file the manifest does not list); how many were there to delete."""
    from insarproj.hyp3.products import ProductManifest

    folder = resolve_inside(data_dir, rel, what=f"the product folder {rel}")
    kept = layer_filter(folder.name, keep)
    if kept is None:
        return 0
    manifest, _digest = ProductManifest.read(folder)
    deleted = 0
    for name in sorted(manifest.files):
        if kept(name):
            continue
        path = resolve_inside(data_dir, f"{rel}/{name}", what=f"a file of the product folder {rel}")
        if path.exists() or path.is_symlink():
            path.unlink()
            deleted += 1
    fsync_dir(folder)
    return deleted


def deleted_note(deleted: int) -> str:
    return f"; {deleted} files of layers keep_layers leaves out deleted" if deleted else ""


@dataclass(frozen=True)
class Verdict:
    """Why a recorded product is not as declared: ``in_place`` when it is current and intact and
    only keep_layers dropped layers (their files are deleted) or the record lacks the kept layers
    (written by an older insarproj); otherwise it is downloaded again."""

    reason: str
    in_place: bool = False
    keep: list[str] | None = None


def layer_change(recorded: list[str] | None, wanted: list[str] | None) -> Verdict | None:
    """How ``keep_layers`` changed since the product was unzipped (None: all layers)."""
    if recorded == wanted:
        return None
    if wanted is None:
        return Verdict(
            f"{LAYERS}: keep every layer (was " + (", ".join(recorded or []) or "none") + ")"
            "; the zip was deleted after unzipping, so it is downloaded again"
        )
    if recorded is None:
        kept = ", ".join(wanted) or "no layer"
        return Verdict(
            f"{LAYERS}: keep only {kept}; the files of the other layers are deleted",
            in_place=True,
            keep=wanted,
        )
    added = [layer for layer in wanted if layer not in recorded]
    removed = [layer for layer in recorded if layer not in wanted]
    if added:
        return Verdict(
            f"{LAYERS}: add {', '.join(added)}"
            + (f", remove {', '.join(removed)}" if removed else "")
            + "; the zip was deleted after unzipping, so it is downloaded again"
        )
    return Verdict(
        f"{LAYERS}: remove {len(removed)} layers ({', '.join(removed)}); their files are deleted",
        in_place=True,
        keep=wanted,
    )


def older_record(folder: str, attrs: ProductAttributes, wanted: list[str] | None) -> Verdict:
    """A record written before insarproj recorded the kept layers (docs/safety.md, "Kept
    layers"): the manifest says what was unzipped; files keep_layers no longer keeps are deleted,
    and the record is completed either way (nothing is downloaded)."""
    from insarproj.hyp3.products import ProductManifest

    kept = layer_filter(attrs.get("product") or os.path.basename(folder), wanted)
    manifest, _digest = ProductManifest.read(folder)  # intact: just checked against it
    extra = sum(1 for name in manifest.files if kept is not None and not kept(name))
    if extra:
        reason = f"{extra} files of layers keep_layers leaves out; they are deleted"
    else:
        reason = (
            "recorded by an older insarproj: its kept layers and file sizes are recorded "
            "(nothing is downloaded)"
        )
    return Verdict(reason, in_place=True, keep=wanted)
