"""[processor.isce] of project.toml: ISCE2 topsStack (stackSentinel.py) options by readable names.

Each key maps to one stackSentinel.py flag; the table in docs/isce.md lists them. The command itself
is built by ``insarproj.isce.command.stacksentinel_args``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from insarproj.config.aoi import check_bbox
from insarproj.config.base import Section
from insarproj.config.problems import FieldProblem

__all__ = ["KEEPABLE_FOLDERS", "IonosphereConfig", "IsceConfig", "SlurmConfig", "SlurmStepConfig"]

MAX_ATTEMPTS = 100
MAX_LOOKS = 1000
MAX_PROCESSES = 4096
MAX_CONNECTIONS = 100

# The work folders a topsStack run makes (docs/isce.md "keep"); configs/ and run_files/ always stay.
KEEPABLE_FOLDERS = (
    "reference",
    "geom_reference",
    "secondarys",
    "coreg_secondarys",
    "baselines",
    "misreg",
    "ESD",
    "stack",
    "interferograms",
    "coarse_interferograms",
    "merged",
    "ion",
    "ion_dates",
    "ion_burst_ramp_dates",
    "ion_burst_ramp_merged_dates",
)
# What MintPy and topsStack's update mode need later; secondarys/ (unpacked SLCs, re-made from the
# zips) and the burst-level interferograms go by default.
DEFAULT_KEEP = (
    "reference",
    "geom_reference",
    "coreg_secondarys",
    "baselines",
    "misreg",
    "stack",
    "merged",
    "ion",
    "ion_dates",
)

_DATE_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "pattern": "^[0-9]{8}$"},
            {"type": "null"},
        ]
    }
)


class SlurmStepConfig(Section):
    """[processor.isce.slurm.steps."NN_name"]: one step's own sbatch resources."""

    time_limit: str | None = Field(
        None,
        pattern=r"^(\d+-)?\d{1,3}(:\d{2}){0,2}$",
        description="sbatch --time for this step. Default: [processor.isce.slurm] time_limit.",
    )
    mem: str | None = Field(
        None,
        pattern=r"^\d+[KMGT]?$",
        description="sbatch --mem for this step. Default: [processor.isce.slurm] mem.",
    )
    cpus_per_task: int | None = Field(
        None,
        ge=1,
        le=MAX_PROCESSES,
        description="sbatch --cpus-per-task for this step. Default: [processor.isce.slurm] cpus_per_task.",
    )


class SlurmConfig(Section):
    """[processor.isce.slurm]: how ISCE2 steps are submitted with sbatch."""

    partition: str | None = Field(None, description="sbatch --partition. Default: the cluster's default.")
    account: str | None = Field(None, description="sbatch --account. Default: your default account.")
    time_limit: str = Field(
        "04:00:00",
        pattern=r"^(\d+-)?\d{1,3}(:\d{2}){0,2}$",
        description='sbatch --time per step, e.g. "04:00:00" or "1-00:00:00". Default "04:00:00".',
    )
    cpus_per_task: int = Field(
        4, ge=1, le=MAX_PROCESSES, description=f"sbatch --cpus-per-task (1..{MAX_PROCESSES}). Default 4."
    )
    mem: str | None = Field(
        None, pattern=r"^\d+[KMGT]?$", description='sbatch --mem, e.g. "16G". Default: the partition default.'
    )
    extra_args: list[str] = Field([], description='More sbatch arguments, e.g. ["--qos=normal"]. Default [].')
    qos: str | None = Field(None, description="sbatch --qos. Default: your default QOS.")
    max_array_tasks: int | None = Field(
        None,
        ge=1,
        description="Tasks of one array running at once (sbatch --array=...%N). Default: no limit.",
    )
    max_queued_tasks: int | None = Field(
        None,
        ge=1,
        description="The most array tasks insarproj keeps queued for you at once; above it several commands "
        "run one after the other in one task. Default: the cluster's MaxJobCount and your association's "
        "MaxSubmitJobs (when accounting answers).",
    )
    sbatch_lines: list[str] = Field(
        [],
        description='Verbatim lines for the batch scripts, each starting "#SBATCH", e.g. '
        '["#SBATCH --constraint=skylake"]. Default [].',
    )
    env_setup: list[str] = Field(
        [],
        description='Shell lines run before each command, e.g. ["module load isce2", "conda activate isce"]. '
        "Default [].",
    )
    steps: dict[str, SlurmStepConfig] = Field(
        {},
        description='Per-step overrides by run-file name without "run_" (e.g. "11_unwrap") or step name '
        '("unwrap"): time_limit, mem, cpus_per_task. Default {}.',
    )

    @field_validator("steps")
    @classmethod
    def _step_names(cls, value: dict[str, SlurmStepConfig]) -> dict[str, SlurmStepConfig]:
        for name in value:
            if not re.fullmatch(r"(\d{2}_)?[A-Za-z][A-Za-z0-9_]*", name) or name.startswith("run_"):
                raise FieldProblem(
                    f'"{name}" is not a step name',
                    key=(name,),
                    hint='use a run file\'s name without "run_" ("11_unwrap") or the step\'s name ("unwrap")',
                )
        return value

    @field_validator("sbatch_lines")
    @classmethod
    def _sbatch_lines(cls, value: list[str]) -> list[str]:
        for index, line in enumerate(value):
            if not line.startswith("#SBATCH ") or "\n" in line:
                raise FieldProblem(
                    f'"{line}" is not one #SBATCH line', key=(index,), hint='write "#SBATCH --option=value"'
                )
        return value

    def sbatch_options(self, step: str) -> list[str]:
        """The sbatch options of one step (``NN_name``), its overrides applied (docs/slurm.md)."""
        override = (
            self.steps.get(step)
            or self.steps.get(step.split("_", 1)[-1])
            or SlurmStepConfig.model_validate({})
        )
        options = [f"--time={override.time_limit or self.time_limit}"]
        options.append(f"--cpus-per-task={override.cpus_per_task or self.cpus_per_task}")
        mem = override.mem or self.mem
        named = (
            ("--partition", self.partition),
            ("--account", self.account),
            ("--qos", self.qos),
            ("--mem", mem),
        )
        options += [f"{flag}={value}" for flag, value in named if value]
        return options + list(self.extra_args)


class IonosphereConfig(Section):
    """[processor.isce.ionosphere]: topsStack's ionosphere estimation (the --param_ion file)."""

    num_connections: int = Field(
        3,
        ge=1,
        le=MAX_CONNECTIONS,
        description="stackSentinel --num_connections_ion: ionosphere pairs per date "
        f"(1..{MAX_CONNECTIONS}). Default 3.",
    )
    consider_burst_properties: bool = Field(
        False,
        description="param_ion `consider burst properties in ionosphere computation`; needs "
        'coregistration = "NESD". Default false.',
    )
    layer_height_km: float = Field(
        200.0,
        gt=0,
        le=2000,
        allow_inf_nan=False,
        description="param_ion `height of ionosphere layer in km` (above 0, at most 2000). Default 200.",
    )
    max_window_phase: int = Field(
        200,
        ge=1,
        le=10_000,
        description="param_ion `maximum window size for filtering ionosphere phase`. Default 200.",
    )
    min_window_phase: int = Field(
        100,
        ge=1,
        le=10_000,
        description="param_ion `minimum window size for filtering ionosphere phase`. Default 100.",
    )
    max_window_azimuth_shift: int = Field(
        150,
        ge=1,
        le=10_000,
        description="param_ion `maximum window size for filtering ionosphere azimuth shift`. Default 150.",
    )
    min_window_azimuth_shift: int = Field(
        75,
        ge=1,
        le=10_000,
        description="param_ion `minimum window size for filtering ionosphere azimuth shift`. Default 75.",
    )


class _StackOptions(Section):
    """The [processor.isce] keys that shape the stackSentinel.py command (one flag each)."""

    workflow: Literal["slc", "correlation", "interferogram", "offset"] = Field(
        "interferogram",
        description='stackSentinel -W: "slc", "correlation", "interferogram" or "offset". '
        'Default "interferogram".',
    )
    swaths: list[Annotated[int, Field(ge=1, le=3)]] = Field(
        [1, 2, 3], min_length=1, description="stackSentinel -n: IW sub-swaths, each 1..3. Default [1, 2, 3]."
    )
    polarization: Literal["vv", "vh", "hh", "hv"] = Field(
        "vv", description='stackSentinel -p: "vv", "vh", "hh" or "hv". Default "vv".'
    )
    coregistration: Literal["NESD", "geometry"] = Field(
        "NESD", description='stackSentinel -C: "NESD" or "geometry". Default "NESD".'
    )
    azimuth_looks: int = Field(
        3, ge=1, le=MAX_LOOKS, description=f"stackSentinel -z, azimuth looks (1..{MAX_LOOKS}). Default 3."
    )
    range_looks: int = Field(
        9, ge=1, le=MAX_LOOKS, description=f"stackSentinel -r, range looks (1..{MAX_LOOKS}). Default 9."
    )
    filter_strength: float = Field(
        0.5,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="stackSentinel -f, Goldstein filter strength 0..1. Default 0.5.",
    )
    unwrap_method: Literal["snaphu", "icu"] = Field(
        "snaphu", description='stackSentinel -u: "snaphu" or "icu". Default "snaphu".'
    )
    rm_filter: bool = Field(
        False, description="stackSentinel -rmFilter: also unwrap with the filter removed. Default false."
    )
    reference_date: Annotated[date | None, _DATE_SCHEMA] = Field(
        None,
        description='stackSentinel -m: the reference date, a TOML date (2021-01-13) or "YYYYMMDD"; it must '
        "be a pinned acquisition date of every stack. Default: the first date of each stack "
        "(always passed with -m, so it never shifts when dates leave).",
    )
    bbox: list[float] | None = Field(
        None,
        description="stackSentinel -b, [west, south, east, north] in degrees (insarproj passes it in "
        "topsStack's S N W E order). Default: the bounds of [aoi].",
    )
    snr_misreg_threshold: float = Field(
        10.0,
        ge=0,
        le=1000,
        allow_inf_nan=False,
        description="stackSentinel --snr_misreg_threshold (0..1000). Default 10.",
    )
    esd_coherence_threshold: float = Field(
        0.85,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="stackSentinel -e, ESD coherence threshold 0..1. Default 0.85.",
    )
    num_overlap_connections: int = Field(
        3,
        ge=1,
        le=MAX_CONNECTIONS,
        description="stackSentinel -O, NESD overlap interferograms per date "
        f"(1..{MAX_CONNECTIONS}). Default 3.",
    )
    virtual_merge: bool | None = Field(
        None,
        description="stackSentinel -V: merge as virtual files. Default: topsStack's (true for "
        "interferogram and correlation, false for slc and offset).",
    )
    use_gpu: bool = Field(False, description="stackSentinel -useGPU. Default false.")
    topo_processes: int = Field(
        1,
        ge=1,
        le=MAX_PROCESSES,
        description=f"stackSentinel --num_proc4topo: processes inside the topo step (1..{MAX_PROCESSES}). "
        "Default 1.",
    )
    text_cmd: str = Field(
        "",
        description='stackSentinel -t: a prefix for every command, e.g. "source ~/isce.env;". Default "".',
    )
    ionosphere: IonosphereConfig | None = Field(
        None,
        description="Optional [processor.isce.ionosphere] table: estimate the ionosphere "
        "(stackSentinel --param_ion). Default: no ionosphere estimation.",
    )


class IsceConfig(_StackOptions):
    """[processor.isce]: ISCE2 topsStack (stackSentinel.py) options by readable names, and how
    insarproj runs the commands."""

    executor: Literal["local", "slurm"] = Field(
        "local",
        description='Run the steps here ("local") or as SLURM jobs ("slurm", see [processor.isce.slurm]). '
        'Default "local".',
    )
    num_proc: int = Field(
        4,
        ge=1,
        le=MAX_PROCESSES,
        description=f"Commands of one step run at once by insarproj (1..{MAX_PROCESSES}); topsStack's own "
        "--num_proc is always 1. Default 4.",
    )
    max_attempts: int = Field(
        2,
        ge=1,
        le=MAX_ATTEMPTS,
        description=f"Runs per command at most (1..{MAX_ATTEMPTS}), the first included. Default 2.",
    )
    topsstack_dir: str | None = Field(
        None,
        description="Folder holding stackSentinel.py (ISCE2's contrib/stack/topsStack, e.g. "
        '"~/miniforge3/envs/isce/share/isce2/topsStack"; relative to the project folder). '
        "Default: stackSentinel.py on PATH.",
    )
    keep: list[str] = Field(
        list(DEFAULT_KEEP),
        description="topsStack work folders kept once the stack is done; apply --prune removes the "
        f"others of: {', '.join(KEEPABLE_FOLDERS)}. configs/ and run_files/ always stay. "
        "Default: what MintPy and topsStack's update mode read (all but secondarys, ESD, "
        "interferograms, coarse_interferograms and the ion_burst_ramp folders); docs/isce.md.",
    )
    slurm: SlurmConfig | None = Field(
        None, description='SLURM settings; only with executor = "slurm" (defaults apply when omitted).'
    )

    @field_validator("swaths")
    @classmethod
    def _unique_swaths(cls, value: list[int]) -> list[int]:
        for index, swath in enumerate(value):
            if swath in value[:index]:
                raise FieldProblem(
                    f"swath {swath} is listed twice", key=(index,), hint="list each of 1, 2, 3 once"
                )
        return value

    @field_validator("keep")
    @classmethod
    def _known_folders(cls, value: list[str]) -> list[str]:
        for index, folder in enumerate(value):
            if folder not in KEEPABLE_FOLDERS:
                raise FieldProblem(
                    f'"{folder}" is not a topsStack work folder',
                    key=(index,),
                    hint=f"use names from {', '.join(KEEPABLE_FOLDERS)}",
                )
        return value

    @field_validator("reference_date", mode="before")
    @classmethod
    def _compact_date(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not re.fullmatch(r"\d{8}", value):
            raise FieldProblem(
                f'"{value}" is not a date', hint='write a TOML date (2021-01-13) or "YYYYMMDD" ("20210113")'
            )
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise FieldProblem(f'"{value}" is not a calendar date', hint="check the month and day") from None

    @model_validator(mode="before")
    @classmethod
    def _superseded_and_slurm(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "num_connections" in data:
            raise FieldProblem(
                "`num_connections` is superseded by [pairs]: insarproj makes exactly the [pairs] network",
                key=("num_connections",),
                hint='remove it; [pairs] method = "sequential" or "sbas" with neighbors = N '
                "does what -c N did",
            )
        executor = data.get("executor", "local")
        if "slurm" in data and executor != "slurm":
            raise FieldProblem(
                f'[processor.isce.slurm] is set but executor = "{executor}"',
                key=("slurm",),
                hint='set executor = "slurm", or remove the [processor.isce.slurm] table',
            )
        if executor == "slurm" and "slurm" not in data:
            return {**data, "slurm": {}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> IsceConfig:
        if self.bbox is not None:
            check_bbox(self.bbox)
        ion = self.ionosphere
        if ion is not None and ion.consider_burst_properties and self.coregistration != "NESD":
            raise FieldProblem(
                'consider_burst_properties needs coregistration = "NESD"',
                key=("ionosphere", "consider_burst_properties"),
                hint='set coregistration = "NESD", or consider_burst_properties = false',
            )
        return self
