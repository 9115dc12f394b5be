"""[processor] of project.toml: the kind, and the tables of HyP3 and ISCE2 settings.

The keys of ``[processor.hyp3]`` depend on the job type: insarproj's own settings plus every user
parameter of that type's HyP3 job spec. ``Hyp3Config`` is therefore built from the job specs.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, create_model, field_validator, model_validator

from insarproj.config.base import Section
from insarproj.config.isce import IsceConfig, SlurmConfig
from insarproj.config.problems import FieldProblem
from insarproj.hyp3spec import (
    JobSpec,
    ParameterError,
    ParamSpec,
    format_value,
    job_types,
    load_job_spec,
    pair_job_types,
)

__all__ = [
    "DEFAULT_JOB_TYPE",
    "AriaConfig",
    "AriaJobSettings",
    "Hyp3Config",
    "Hyp3Settings",
    "IsceConfig",
    "ProcessorConfig",
    "SlurmConfig",
]

DEFAULT_JOB_TYPE = "INSAR_GAMMA"
# Upper bounds: far above any real setting, low enough that no later arithmetic overflows.
MAX_ATTEMPTS = 100
MAX_CREDITS = 1_000_000_000
MAX_HOLD_DAYS = 3650


# --------------------------------------------------------------------------- [processor.hyp3]


def _parameter_fields() -> dict[str, Any]:
    """One optional field per user parameter of every supported job type, described from the job specs."""
    found: dict[str, list[tuple[str, ParamSpec]]] = {}
    for job_type in pair_job_types():
        for name, spec in load_job_spec(job_type).user_parameters().items():
            found.setdefault(name, []).append((job_type, spec))
    python_types = {"boolean": bool, "string": str, "number": float, "integer": int}
    json_types = {"boolean": "boolean", "string": "string", "number": "number", "integer": "integer"}
    fields: dict[str, Any] = {}
    for name, owners in sorted(found.items()):
        kinds = {spec.type for _, spec in owners}
        kind = kinds.pop() if len(kinds) == 1 else None
        schema: dict[str, Any] = {"type": json_types[kind]} if kind in json_types else {}
        enums = [spec.enum for _, spec in owners]
        if all(enums):
            schema["enum"] = sorted({v for e in enums if e for v in e}, key=str)
        for bound in ("minimum", "maximum"):
            values = {getattr(spec, bound) for _, spec in owners}
            if len(values) == 1 and None not in values:
                schema[bound] = values.pop()
        defaults = {repr(spec.default) for _, spec in owners}
        extra: dict[str, Any] = {}
        if len(defaults) == 1 and owners[0][1].default is not None:
            extra["default"] = owners[0][1].default
        description = owners[0][1].description.strip().rstrip(".") + "."
        per_type = {job_type: _allowed_default(spec) for job_type, spec in owners}
        if len(set(per_type.values())) == 1:
            description += (
                f" HyP3 job parameter of {', '.join(per_type)} only: {next(iter(per_type.values()))}."
            )
        else:
            description += (
                " HyP3 job parameter of " + "; ".join(f"{t}: {a}" for t, a in per_type.items()) + "."
            )
        python_type = python_types.get(kind, Any) if kind else Any
        fields[name] = (
            Annotated[python_type | None, WithJsonSchema(schema)],
            Field(None, description=description, json_schema_extra=extra or None),
        )
    return fields


def _allowed_default(spec: ParamSpec) -> str:
    allowed = spec.allowed_text().removeprefix("use ").removeprefix("allowed values are ")
    return f"{allowed}, default {format_value(spec.default)}"


class Hyp3Settings(Section):
    """[processor.hyp3]: insarproj's own HyP3 settings (the job parameters are added per job spec)."""

    job_type: Annotated[str, WithJsonSchema({"type": "string", "enum": pair_job_types()})] = Field(
        DEFAULT_JOB_TYPE,
        description=f'HyP3 job type: {", ".join(pair_job_types())}. Default "{DEFAULT_JOB_TYPE}". '
        + "; ".join(
            f'{t} takes search.product = "{load_job_spec(t).input_product}"' for t in pair_job_types()
        )
        + ". The job parameters of the chosen type go in this same table.",
    )
    max_attempts: int = Field(
        2,
        ge=1,
        le=MAX_ATTEMPTS,
        description=f"Submissions per interferogram at most (1..{MAX_ATTEMPTS}), the first included; HyP3 "
        "charges failed jobs too. Default 2.",
    )
    max_credits: float | None = Field(
        None,
        gt=0,
        le=MAX_CREDITS,
        allow_inf_nan=False,
        description="Optional: spend at most this many credits per apply "
        f"(above 0, at most {MAX_CREDITS:,}); submissions beyond it stay planned for a later apply. "
        "Default: no limit beyond the account's credits.",
    )
    hold_recent_days: int = Field(
        21,
        ge=0,
        le=MAX_HOLD_DAYS,
        description="Do not submit pairs whose later date is younger than this many days "
        f"(0..{MAX_HOLD_DAYS:,}): precise orbits (POEORB) arrive about 21 days after acquisition, "
        "and a product made earlier uses restituted "
        "orbits. Plan names the pairs held. Default 21; 0 submits at once.",
    )
    keep_layers: list[str] | None = Field(
        None,
        description="Optional: product layers to keep after unzipping, by file suffix, e.g. "
        '["unw_phase", "corr", "dem", "lv_theta", "lv_phi", "water_mask"]. Default: keep everything.',
    )

    @model_validator(mode="before")
    @classmethod
    def _job_parameters_of_type(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        job_type = data.get("job_type", DEFAULT_JOB_TYPE)
        if not isinstance(job_type, str):
            return data  # the field check reports the type
        try:
            spec = load_job_spec(job_type)
        except ParameterError:
            close = difflib.get_close_matches(job_type, pair_job_types(), n=1)
            raise FieldProblem(
                f"unknown HyP3 job type {format_value(job_type)}",
                key=("job_type",),
                hint=(f"did you mean {close[0]}? " if close else "")
                + f"supported job types are {', '.join(pair_job_types())}",
            ) from None
        if job_type not in pair_job_types():
            raise FieldProblem(
                f"job_type = {format_value(job_type)} is not made from pairs of granules",
                key=("job_type",),
                hint='ARIA_S1_GUNW jobs come with [processor] kind = "aria" and [processor.aria] '
                f"on_demand = true; here use one of {', '.join(pair_job_types())}",
            )
        own = tuple(Hyp3Settings.model_fields)
        for name, value in data.items():
            if name not in own:
                _check_job_parameter(spec, name, value, own)
        return data

    @field_validator("keep_layers")
    @classmethod
    def _layer_names(cls, value: list[str] | None) -> list[str] | None:
        for index, layer in enumerate(value or []):
            if not re.fullmatch(r"[a-z0-9_]+", layer):
                raise FieldProblem(
                    f"{format_value(layer)} is not a product layer name",
                    key=(index,),
                    hint='use the suffix of the layer file, e.g. "unw_phase" for ..._unw_phase.tif',
                )
        return value

    def job_spec(self) -> JobSpec:
        return load_job_spec(self.job_type)

    def job_parameters(self) -> dict[str, Any]:
        """The job parameters sent to HyP3: those set here (checked when the file loaded), plus the
        job spec's defaults."""
        spec = self.job_spec()
        given = {name: getattr(self, name) for name in spec.user_parameters()}
        return spec.with_defaults({k: v for k, v in given.items() if v is not None})


def _check_job_parameter(spec: JobSpec, name: str, value: Any, own: tuple[str, ...]) -> None:
    """The load-time check of one job parameter of [processor.hyp3], as a FieldProblem at its key."""
    user = spec.user_parameters()
    job_type = spec.job_type
    if name not in user:
        owners = [t for t in job_types() if name in load_job_spec(t).user_parameters()]
        if owners:
            raise FieldProblem(
                f"`{name}` is a parameter of {' and '.join(owners)}, not of {job_type}",
                key=(name,),
                hint=f"remove it (the parameters of {job_type} are {', '.join(sorted(user))})",
            )
    try:
        spec.check_parameter(name, value, extra_names=own)
    except ParameterError as exc:
        if name not in user and exc.hint and any(f"`{key}`" in exc.hint for key in own):
            raise FieldProblem(f"unknown key `{name}`", key=(name,), hint=exc.hint) from None
        raise FieldProblem(exc.message, key=(name,), hint=exc.hint) from None


if TYPE_CHECKING:
    Hyp3Config = Hyp3Settings
else:
    # The parameter keys come from the job specs, so the class is built from them.
    Hyp3Config = create_model(
        "Hyp3Config",
        __base__=Hyp3Settings,
        __module__=__name__,
        __doc__="[processor.hyp3]: HyP3 settings and the job parameters of the chosen job type "
        "(names, enums and defaults from HyP3's job spec).",
        **_parameter_fields(),
    )


# --------------------------------------------------------------------------- [processor.isce]


# IsceConfig and SlurmConfig live in insarproj/config/isce.py (re-exported here).


# --------------------------------------------------------------------------- [processor.aria]


class AriaConfig(Section):
    """[processor.aria]: ready-made ARIA GUNW interferograms (docs/aria.md)."""

    min_coverage: float = Field(
        0.5,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Share of the AOI (0..1) a pair's products (all its ARIA frames together) must "
        "cover; pairs below it are dropped and plan says why. Default 0.5.",
    )
    frames: list[Annotated[int, Field(ge=0, le=27397)]] | None = Field(
        None, description="Optional: ARIA frame ids (0..27397) to keep. Default: every frame over the AOI."
    )
    on_demand: bool = Field(
        False,
        description="Submit HyP3 ARIA_S1_GUNW jobs (60 credits each) for network pairs without a "
        "published product, one per ARIA frame of the stack, and download their products into the "
        'same folder (docs/aria.md, "On demand"). Default false.',
    )
    max_attempts: int = Field(
        2,
        ge=1,
        le=MAX_ATTEMPTS,
        description=f"With on_demand: submissions per ARIA_S1_GUNW job at most (1..{MAX_ATTEMPTS}), the "
        "first included; HyP3 charges failed jobs too. Default 2.",
    )
    max_credits: float | None = Field(
        None,
        gt=0,
        le=MAX_CREDITS,
        allow_inf_nan=False,
        description="With on_demand: spend at most this many HyP3 credits per apply; submissions beyond "
        "it stay planned for a later apply. Default: no limit beyond the account's credits.",
    )

    def hyp3_settings(self) -> AriaJobSettings:
        """The HyP3 settings of the on-demand ARIA_S1_GUNW jobs (kinds/hyp3.py reads them)."""
        return AriaJobSettings(max_attempts=self.max_attempts, max_credits=self.max_credits)


class AriaJobSettings:
    """What the HyP3 job machinery needs of an on-demand ARIA_S1_GUNW job: the job type, no user
    parameters (reference date, secondary date and frame id are its inputs), the limits."""

    job_type = "ARIA_S1_GUNW"
    # The pairs' dates come from published products: they are past, precise orbits are in.
    hold_recent_days = 0

    def __init__(self, *, max_attempts: int, max_credits: float | None) -> None:
        self.max_attempts = max_attempts
        self.max_credits = max_credits

    def job_spec(self) -> JobSpec:
        return load_job_spec(self.job_type)

    def job_parameters(self) -> dict[str, Any]:
        return {}


# --------------------------------------------------------------------------- [processor]

_PROCESSOR_TABLES = ("hyp3", "isce", "aria")


class ProcessorConfig(Section):
    """[processor]: what makes the interferograms."""

    kind: Literal["hyp3", "isce", "download", "aria"] = Field(
        description='"hyp3" (ASF HyP3 in the cloud), "isce" (ISCE2 topsStack, locally or on SLURM), '
        '"download" (scenes, orbits and DEM only) or "aria" (ready-made ARIA GUNW interferograms); required.'
    )
    hyp3: Hyp3Config | None = Field(
        None, description='HyP3 settings; only with kind = "hyp3" (defaults apply).'
    )
    isce: IsceConfig | None = Field(
        None, description='ISCE2 settings; only with kind = "isce" (defaults apply).'
    )
    aria: AriaConfig | None = Field(
        None, description='ARIA GUNW settings; only with kind = "aria" (defaults apply).'
    )

    @model_validator(mode="before")
    @classmethod
    def _table_of_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kind = data.get("kind")
        if kind not in ("hyp3", "isce", "download", "aria"):
            return data  # the field check reports it
        for table in _PROCESSOR_TABLES:
            if table != kind and table in data:
                raise FieldProblem(
                    f'[processor.{table}] is set but kind = "{kind}"',
                    key=(table,),
                    hint=f'remove the [processor.{table}] table, or set kind = "{table}"',
                )
        if kind in _PROCESSOR_TABLES and kind not in data:
            return {**data, kind: {}}
        return data
