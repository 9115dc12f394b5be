"""Typed shapes of what the state holds in memory: the record envelope, journal operations and
the attributes of the kinds whose records carry money or files.

Why TypedDicts and not pydantic models or dataclasses: a project's state is read on every plan
(tens of thousands of records), and the on-disk JSON must stay byte-identical. A TypedDict is the
plain dict that `json.loads` already produced — typing it costs nothing at run time, needs no
conversion on read or on write, and mypy checks every key the code reads. The on-disk shape is
still validated once per file by the pydantic models in `state/model.py`.

Per-kind attributes are `total=False`: records written by older versions may lack newer keys, so
readers use `.get()` for those — now with the key's name and type checked.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class Record(TypedDict):
    """One resource's durable record (the value under its address in `resources`)."""

    kind: str
    status: str
    attributes: dict[str, Any]
    updated_at: str


class PutOp(TypedDict):
    op: Literal["put"]
    address: str
    record: Record


class DeleteOp(TypedDict):
    op: Literal["del"]
    address: str


class InputOp(TypedDict):
    op: Literal["input"]
    name: str
    value: Any


class PlanAppliedOp(TypedDict):
    op: Literal["plan_applied"]
    plan_id: str


JournalOp = PutOp | DeleteOp | InputOp | PlanAppliedOp


class Hyp3Attempt(TypedDict):
    """One charged HyP3 job of a record: counted once, whether submitted or adopted."""

    job_id: str
    identity: str
    submitted_at: str | None
    credit_cost: float | None
    adopted: bool


class Hyp3File(TypedDict):
    filename: str
    url: str
    size: int


class Hyp3JobAttributes(TypedDict, total=False):
    """A `hyp3_job` record's attributes (docs/safety.md, the HyP3 protocol)."""

    pair: str
    identity: str
    request: dict[str, Any]
    attempts: list[Hyp3Attempt]
    intent_at: str
    # The record an open intent replaced, restored if the POST surely did not happen.
    previous: Record | None
    job_id: str
    status_code: str | None
    expiration_time: str | None
    files: list[Hyp3File]
    credit_cost: float | None
    logs: list[str]


# The typed views below are called per record per plan (≈ 540,000 times at 20,000 scenes):
# `typing.cast` is a function call at run time, a type-ignore is not.


def hyp3_attributes(record: Record) -> Hyp3JobAttributes:
    """The attributes of a `hyp3_job` record, typed (no copy, no validation: see the module doc)."""
    return record["attributes"]  # type: ignore[return-value]  # a typed view (see above)


class SceneAttributes(TypedDict, total=False):
    """A `scene` record's attributes: the verified file (a burst's own size and MD5, not CMR's)."""

    path: str
    size: int
    md5: str | None
    url: str
    stack: str
    date: str
    source: Literal["adopted", "downloaded"]
    origin: Literal["cdse"]  # verified against CDSE's checksum; absent: ASF's (docs/cdse.md)


class PairAttributes(TypedDict, total=False):
    """A `pair` record's attributes: the pair as planned (the spec it was created from)."""

    stack: str
    reference_date: str
    secondary_date: str
    reference: list[str]
    secondary: list[str]
    temporal_baseline: int
    bperp: float | None
    origin: str


class ManifestSummary(TypedDict):
    """What a product record keeps of the folder's manifest: its own hash, file count and bytes."""

    sha256: str
    files: int
    bytes: int


class ProductAttributes(TypedDict, total=False):
    """A `product` record's attributes: the extracted folder and the job that made it."""

    path: str
    product: str
    job_id: str
    zip_size: int | None
    manifest: ManifestSummary
    orbit_quality: str | None
    keep_layers: str | None  # the layers kept, comma-separated; None: all (docs/safety.md, "Kept layers")
    layout: str  # the files the plan stats, by suffix after `product` (hyp3/products.py, quick_check)
    sizes: str  # a digest of their sizes and the manifest's


def scene_attributes(record: Record) -> SceneAttributes:
    return record["attributes"]  # type: ignore[return-value]  # a typed view (see above)


def pair_attributes(record: Record) -> PairAttributes:
    return record["attributes"]  # type: ignore[return-value]  # a typed view (see above)


def product_attributes(record: Record) -> ProductAttributes:
    return record["attributes"]  # type: ignore[return-value]  # a typed view (see above)
