"""The base of every project.toml table model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A table of project.toml: strict types (TOML values are typed), unknown keys refused, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
