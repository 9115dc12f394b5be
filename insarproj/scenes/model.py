"""What a scene search asks for and what it pins in state.

``SearchRequest`` is the search slice of project.toml as the search needs it (so the search can be
tested on its own); its rules are those of the config's ``[search]`` table, applied when
project.toml is loaded, so a request built from a loaded project is not checked twice. Its
fingerprint decides whether a pin is still valid (docs/cli.md).
``ScenePin`` is the durable record of one search: the kept scenes with everything later steps need
(download URL, size, MD5, footprint, state vectors for baselines), the stacks built from them and
every scene, date and stack left out with the reason. Models stay compact: state of a 2,000-scene
project must remain a file people can commit and diff.
"""

from __future__ import annotations

import hashlib
from dataclasses import InitVar, dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insarproj.fsutil import canonical_json

if TYPE_CHECKING:
    from insarproj.config.model import SearchConfig

Product = Literal["SLC", "BURST"]
PIN_FORMAT_VERSION = 1

# Fields that are sets in meaning: their order in project.toml must not change the fingerprint.
_SET_FIELDS = ("polarizations", "relative_orbits", "frames", "season", "exclude_dates", "exclude_scenes")


@dataclass(frozen=True)
class SearchRequest:
    """The search part of the desired state (``[search]`` of docs/configuration.md plus the AOI)."""

    aoi_wkt: str
    start: date
    end: date
    product: Product = "SLC"
    beam_mode: str = "IW"
    polarizations: tuple[str, ...] = ("VV+VH",)
    flight_direction: str | None = None
    relative_orbits: tuple[int, ...] | None = None
    frames: tuple[int, ...] | None = None
    season: tuple[int, ...] | None = None
    min_coverage: float | None = None
    min_scenes: int | None = None
    exclude_dates: tuple[date, ...] = ()
    exclude_scenes: tuple[str, ...] = ()
    max_results: int | None = None
    source: str = "asf"  # "asf" or "cdse" (docs/cdse.md)
    # True when built from a loaded project.toml, whose rules were applied then (from_config).
    validated: InitVar[bool] = False

    def __post_init__(self, validated: bool) -> None:
        # Callers may hand lists (from TOML) and ISO strings: store tuples and dates, so the request
        # stays hashable and fingerprints alike whichever form it came in.
        for name in (
            "polarizations",
            "relative_orbits",
            "frames",
            "season",
            "exclude_dates",
            "exclude_scenes",
        ):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        object.__setattr__(
            self,
            "exclude_dates",
            tuple(date.fromisoformat(d) if isinstance(d, str) else d for d in self.exclude_dates),
        )
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, date.fromisoformat(value))
        # Normalise spelling so "ascending" and "ASCENDING" fingerprint alike.
        if self.flight_direction is not None:
            object.__setattr__(self, "flight_direction", self.flight_direction.strip().upper())
        object.__setattr__(self, "beam_mode", self.beam_mode.strip().upper())
        object.__setattr__(self, "polarizations", tuple(p.strip().upper() for p in self.polarizations))
        object.__setattr__(self, "aoi_wkt", self.aoi_wkt.strip())
        if not validated:
            self._check()

    def _check(self) -> None:
        """Apply the rules of project.toml's [search] table: one rule set, written in the config model.

        ``exclude_scenes`` is left to the stack builder: as a library argument it also accepts CMR
        file ids (``<name>-SLC``), which the config, written by people, refuses.
        """
        from pydantic import ValidationError

        from insarproj.config.messages import table_error
        from insarproj.config.model import SearchConfig

        table: dict[str, Any] = {}
        for name, key in _CONFIG_KEYS.items():
            value = getattr(self, name)
            if value is not None and name != "exclude_scenes":
                table[key] = list(value) if isinstance(value, tuple) else value
        try:
            SearchConfig.model_validate(table)
        except ValidationError as exc:
            raise table_error(exc, table="search") from None

    @classmethod
    def from_config(cls, aoi_wkt: str, search: SearchConfig) -> SearchRequest:
        """The request of a [search] table validated when project.toml was loaded (not checked again).

        An empty list of an optional filter (``relative_orbits = []``) means no filter, as its
        default does.
        """
        values: dict[str, Any] = {}
        for name, key in _CONFIG_KEYS.items():
            value = getattr(search, key)
            values[name] = None if value == [] and _FIELD_DEFAULTS[name] is None else value
        return cls(aoi_wkt=aoi_wkt, **values, validated=True)

    def scene_polarizations(self) -> tuple[str, ...]:
        """Polarizations a scene may carry: a burst holds one channel, so "VV+VH" asks for VV bursts."""
        if self.product == "BURST":
            return tuple(dict.fromkeys(p.split("+")[0] for p in self.polarizations))
        return self.polarizations

    def canonical(self) -> dict[str, Any]:
        """The request as plain JSON values, set-like fields sorted."""
        out: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                items = [v.isoformat() if isinstance(v, date) else v for v in value]
                value = sorted(set(items)) if spec.name in _SET_FIELDS else items
            out[spec.name] = value
        if out.get("source") == "asf":
            del out["source"]  # the default: pins made before sources existed keep their fingerprint
        return out

    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the request (the endpoint is deliberately not part of it)."""
        text = canonical_json(self.canonical(), indent=None)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# The one conversion between a request and its [search] table: request field -> config key
# (the AOI is the project's, not part of [search]).
_CONFIG_KEYS = {
    spec.name: "polarization" if spec.name == "polarizations" else spec.name
    for spec in fields(SearchRequest)
    if spec.name != "aoi_wkt"
}
_FIELD_DEFAULTS = {spec.name: spec.default for spec in fields(SearchRequest)}


def coverage_rule(single_scene_processor: str | None) -> str:
    """How a date's AOI coverage is judged: on what the processor will really process."""
    if single_scene_processor:
        return f"judged on the one scene {single_scene_processor} processes per date"
    return "judged on the union of each date's scenes"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class PinnedScene(_Model):
    """One SLC scene or burst as found by the search (only what later steps need)."""

    name: str = Field(description="sceneName (for bursts the burst granule name).")
    file_id: str = Field(description="CMR GranuleUR, e.g. <name>-SLC.")
    url: str = Field(description="Download URL as CMR returned it.")
    bytes: int
    md5: str | None = Field(default=None, description="MD5 advertised by ASF (None for bursts).")
    footprint_wkt: str
    flight_direction: str
    relative_orbit: int
    frame: int | None = Field(default=None, description="ASF frame number (FRAME_NUMBER); None for bursts.")
    start_time: str = Field(description="UTC, YYYY-MM-DDTHH:MM:SSZ.")
    stop_time: str
    platform: str
    polarization: str
    processing_date: str | None = None
    pge_version: str | None = None
    beam_mode: str
    center_lat: float | None = None
    center_lon: float | None = None
    burst_id_full: str | None = None
    burst_index: int | None = None
    subswath: str | None = None
    absolute_burst_id: int | None = None
    state_vectors: dict[str, str] | None = Field(
        default=None,
        description="Orbit state vectors of asf_search's baseline block, one 'x,y,z,time' string per "
        "position_pre, position_post, velocity_pre, velocity_post (as CMR's SV_* attributes: compact).",
    )
    asc_node_time: str | None = None
    bperp: float | None = Field(
        default=None, description="Perpendicular baseline (m) to the stack reference."
    )
    source: str | None = Field(
        default=None, description='"cdse" for a CDSE product (url, bytes, md5 are CDSE\'s); absent: ASF.'
    )

    @property
    def start_date(self) -> date:
        return date.fromisoformat(self.start_time[:10])

    @property
    def relative_burst_id(self) -> int | None:
        if self.burst_id_full is None:
            return None
        return int(self.burst_id_full.split("_")[1])


class StackDate(_Model):
    date: date
    scenes: list[str]
    representative: str = Field(
        description="Scene covering the most of the AOI (one-scene-per-date processors)."
    )
    coverage: float = Field(
        description="Share of the AOI the date covers as the processor uses it: "
        "the union of the date's scenes, or the representative alone when the pin's "
        "single_scene_processor is set."
    )
    bperp: float | None = Field(default=None, description="Perpendicular baseline of the representative (m).")


class DroppedDate(_Model):
    date: date
    reason: str
    scenes: list[str] = Field(default_factory=list)


class Stack(_Model):
    id: str = Field(description="A064 / D071, or A064_136231_IW1_6b for a burst group (docs/addresses.md).")
    flight_direction: str
    relative_orbit: int
    burst_ids: list[str] | None = Field(
        default=None, description="Full burst ids of a burst group, in order."
    )
    reference: str | None = Field(default=None, description="Scene the baselines are relative to.")
    dates: list[StackDate] = Field(default_factory=list)
    dropped: list[DroppedDate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def date_of(self, scene: str) -> date | None:
        for item in self.dates:
            if scene in item.scenes:
                return item.date
        return None


class DroppedScene(_Model):
    name: str
    reason: str


class DroppedStack(_Model):
    id: str
    reason: str
    dates: list[date] = Field(default_factory=list, description="Dates the stack had before it was dropped.")


class ScenePin(_Model):
    """The pinned result of one search: reused by plan/apply while the request fingerprint holds."""

    format_version: int = PIN_FORMAT_VERSION
    fingerprint: str
    searched_at: str = Field(description="UTC time of the search, YYYY-MM-DDTHH:MM:SSZ.")
    cmr_host: str = Field(
        description="The CMR endpoint searched (redacted); for source cdse the CDSE catalogue."
    )
    source: str | None = Field(
        default=None, description='Where the scenes were found: "cdse"; absent: "asf" (CMR + ASF).'
    )
    product: Product = "SLC"
    found: int = Field(description="Products CMR returned before any local filter.")
    single_scene_processor: str | None = Field(
        default=None,
        description="The processor taking one scene per date (INSAR_GAMMA) whose rule judged each date's AOI "
        "coverage on its representative scene alone; absent: judged on the union of the date's scenes.",
    )
    scenes: dict[str, PinnedScene] = Field(default_factory=dict, description="Kept scenes by name.")
    stacks: list[Stack] = Field(default_factory=list)
    dropped_stacks: list[DroppedStack] = Field(default_factory=list)
    dropped_scenes: list[DroppedScene] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # None-valued optional fields are left out: burst fields on SLCs, missing bperp and the
        # like would otherwise add kilobytes per hundred scenes to a committed state file.
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self, *, indent: int | None = 2) -> str:
        return canonical_json(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenePin:
        return cls.model_validate(data)

    @classmethod
    def from_json(cls, text: str) -> ScenePin:
        return cls.model_validate_json(text)

    @property
    def coverage_rule(self) -> str:
        """How each date's AOI coverage was judged, in words (plan notes and `show`)."""
        return coverage_rule(self.single_scene_processor)

    def stack_of(self, scene: str) -> Stack | None:
        for stack in self.stacks:
            if stack.date_of(scene) is not None:
                return stack
        return None

    def dropped_reason(self, scene: str) -> str | None:
        for item in self.dropped_scenes:
            if item.name == scene:
                return item.reason
        return None


# The search returns the pin it would store; one model, two names for readability at call sites.
SearchResult = ScenePin
