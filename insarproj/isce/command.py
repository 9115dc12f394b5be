"""The exact stackSentinel.py command of one stack, built from [processor.isce] and the stack's inputs.

Pure functions: no file is read or written here (docs/isce.md "The stackSentinel command").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from insarproj.config.isce import IonosphereConfig, IsceConfig

__all__ = [
    "StackInputs",
    "bbox_snwe",
    "date_window_args",
    "ion_param_text",
    "resolve_reference",
    "stacksentinel_args",
]


@dataclass(frozen=True)
class StackInputs:
    """What one stack hands to stackSentinel.py besides the [processor.isce] options."""

    work_dir: Path
    slc_list: Path  # a folder of the stack's scene zips, or a text file listing them
    orbit_dir: Path  # exactly the selected .EOF per scene
    aux_dir: Path
    dem: Path  # the .wgs84 DEM (its .xml sidecar beside it)
    dates: tuple[date, ...]  # the stack's pinned acquisition dates
    aoi_bounds: tuple[float, float, float, float]  # W S E N, used when [processor.isce] bbox is unset
    num_connections: int = 1  # -c; the pair configs the [pairs] network needs are made by insarproj
    ion_param_file: Path | None = None  # written from ion_param_text() when ionosphere is configured


def resolve_reference(config: IsceConfig, dates: Sequence[date]) -> date:
    """The reference date: the configured one (which must be a stack date), else the first date."""
    if not dates:
        raise ValueError("a stack without dates has no reference date")
    if config.reference_date is None:
        return min(dates)
    if config.reference_date not in dates:
        raise ValueError(f"reference_date {config.reference_date} is not an acquisition date of the stack")
    return config.reference_date


def bbox_snwe(bbox: Sequence[float]) -> str:
    """topsStack's ``-b`` value: insarproj's ``[W, S, E, N]`` as ``"S N W E"``."""
    west, south, east, north = bbox
    return " ".join(f"{value:g}" for value in (south, north, west, east))


def date_window_args(first: date, last: date) -> list[str]:
    """``--start_date``/``--stop_date`` covering ``first``..``last`` inclusive.

    topsStack compares ``--stop_date`` as a time at 00:00, so scenes acquired on ``last`` would be
    dropped: the day after is passed. (``-i`` does not select dates, so it is never used.)
    """
    if last < first:
        raise ValueError(f"last date {last} is before first date {first}")
    return ["--start_date", first.isoformat(), "--stop_date", (last + timedelta(days=1)).isoformat()]


def ion_param_text(ion: IonosphereConfig) -> str:
    """The content of the ``--param_ion`` file (topsStack's ``key: value`` lines)."""
    lines = {
        "do ionosphere correction": "True",
        "consider burst properties in ionosphere computation": str(ion.consider_burst_properties),
        "height of ionosphere layer in km": f"{ion.layer_height_km:g}",
        "maximum window size for filtering ionosphere phase": str(ion.max_window_phase),
        "minimum window size for filtering ionosphere phase": str(ion.min_window_phase),
        "maximum window size for filtering ionosphere azimuth shift": str(ion.max_window_azimuth_shift),
        "minimum window size for filtering ionosphere azimuth shift": str(ion.min_window_azimuth_shift),
    }
    return "".join(f"{key}: {value}\n" for key, value in lines.items())


def stacksentinel_args(
    config: IsceConfig, inputs: StackInputs, program: str = "stackSentinel.py"
) -> list[str]:
    """The exact stackSentinel.py command (argv) of one stack.

    Always ``-m <reference>`` (else the first remaining date silently becomes the reference),
    always ``--num_proc 1`` (with more, topsStack writes ``&``/``wait`` lines: insarproj runs the
    commands in parallel itself), never ``-c all``.
    """
    reference = resolve_reference(config, inputs.dates)
    bbox = config.bbox if config.bbox is not None else inputs.aoi_bounds
    args = [
        program,
        *("-s", str(inputs.slc_list), "-o", str(inputs.orbit_dir), "-a", str(inputs.aux_dir)),
        *("-w", str(inputs.work_dir), "-d", str(inputs.dem)),
        *("-W", config.workflow, "-n", " ".join(str(s) for s in config.swaths), "-p", config.polarization),
        *("-b", bbox_snwe(bbox), "-m", reference.strftime("%Y%m%d")),
        *date_window_args(min(inputs.dates), max(inputs.dates)),
        *("-C", config.coregistration, "-c", str(inputs.num_connections)),
        *(
            "-O",
            str(config.num_overlap_connections),
            "--snr_misreg_threshold",
            f"{config.snr_misreg_threshold:g}",
        ),
        *("-e", f"{config.esd_coherence_threshold:g}"),
        *("-z", str(config.azimuth_looks), "-r", str(config.range_looks)),
        *("-f", f"{config.filter_strength:g}", "-u", config.unwrap_method),
        *("--num_proc", "1", "--num_proc4topo", str(config.topo_processes)),
    ]
    args += _optional_args(config, inputs)
    return args


def _optional_args(config: IsceConfig, inputs: StackInputs) -> list[str]:
    args: list[str] = []
    if config.text_cmd:
        args += ["-t", config.text_cmd]
    if config.virtual_merge is not None:
        args += ["-V", str(config.virtual_merge)]
    if config.rm_filter:
        args.append("--rmFilter")
    if config.use_gpu:
        args.append("--useGPU")
    if config.ionosphere is not None:
        if inputs.ion_param_file is None:
            raise ValueError("[processor.isce.ionosphere] is set but no --param_ion file was given")
        args += ["--param_ion", str(inputs.ion_param_file)]
        args += ["--num_connections_ion", str(config.ionosphere.num_connections)]
    return args
