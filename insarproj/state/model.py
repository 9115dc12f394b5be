"""The durable record's shape (`.insarproj/state.json`) and the journal line shape.

Records are kept as plain dicts in memory (a project of 10,000 resources must load and plan
fast); these pydantic models define and validate the on-disk shape and generate the schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 3
JOURNAL_FORMAT_VERSION = 1


class ResourceRecord(BaseModel):
    """What insarproj knows durably about one resource (address is the key in `resources`)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: str = Field(
        description="Resource kind: scene, orbit, dem, pair, hyp3_job, product, isce_stack, isce_step."
    )
    status: str = Field(
        description="Kind-specific durable status, e.g. present, submitted, succeeded, failed."
    )
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="Kind-specific attributes: paths relative to the data folder, sizes, checksums, job "
        "ids, provenance.",
    )
    updated_at: str = Field(description="UTC time of the action that wrote this record.")


class StateFile(BaseModel):
    """`.insarproj/state.json`: written only by insarproj, committed with the project."""

    model_config = ConfigDict(extra="forbid", title="insarproj state", defer_build=True)

    format_version: int = Field(
        description="Format of this file; newer formats are refused by older insarproj."
    )
    lineage: str = Field(
        description="UUID created by `insarproj init`; a state of another lineage is refused."
    )
    serial: int = Field(ge=0, description="Rises only when durable content changes.")
    insarproj_version: str = Field(description="Version of insarproj that last wrote this file.")
    journal_seq: int = Field(ge=0, description="Last journal sequence number folded into this file.")
    created_at: str
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description="Pinned inputs such as the scene search result, with their fingerprints.",
    )
    common: dict[str, Any] = Field(
        default_factory=dict,
        description="Format 2: per address group (the address up to its first dot), the scalar values "
        "every record of the group shares, at their place in the record; a record's own line leaves them "
        "out and reading fills them in (a record's own value wins).",
    )
    resources: dict[str, ResourceRecord] = Field(
        default_factory=dict,
        description="Records by resource address (format 2: one line each, without the values in `common`; "
        "format 3 also without the values a record repeats from itself, docs/project-folder.md).",
    )
    applied_plans: list[str] = Field(
        default_factory=list,
        description="Ids of the most recent saved plans applied (a plan is never applied twice).",
    )


class PutOp(BaseModel):
    """Record (or replace) the record of one resource."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    op: Literal["put"]
    address: str = Field(min_length=1)
    record: ResourceRecord


class DeleteOp(BaseModel):
    """Forget one resource's record."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    op: Literal["del"]
    address: str = Field(min_length=1)


class InputOp(BaseModel):
    """Pin an input (value null: unpin it)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    op: Literal["input"]
    name: str = Field(min_length=1)
    value: Any = None


class PlanAppliedOp(BaseModel):
    """A saved plan was applied (it is never applied twice)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    op: Literal["plan_applied"]
    plan_id: str = Field(min_length=1)


JournalOp = Annotated[PutOp | DeleteOp | InputOp | PlanAppliedOp, Field(discriminator="op")]
JOURNAL_OPS = ("put", "del", "input", "plan_applied")


class JournalLine(BaseModel):
    """One line of `.insarproj/journal.<first-seq>.jsonl` (the crc is checked before this model)."""

    model_config = ConfigDict(extra="forbid", title="insarproj journal line", defer_build=True)

    v: int = Field(
        JOURNAL_FORMAT_VERSION,
        ge=1,
        le=JOURNAL_FORMAT_VERSION,
        description="Format of this line; newer formats are refused.",
    )
    seq: int = Field(ge=1)
    serial: int = Field(ge=0)
    lineage: str
    at: str
    ops: list[JournalOp]
