"""The ionosphere steps stackSentinel appends when the `--param_ion` file exists.

Names, order, config names and the files they name follow `Stack.py`; the numeric parameters
of each section are abbreviated to those that name files or looks (docs/sandbox.md).
"""

from __future__ import annotations

import os
from argparse import Namespace
from dataclasses import dataclass

from insarproj.sandbox.topsstack.pairs import Pair
from insarproj.sandbox.topsstack.runfiles import RunFiles, Section, Step
from insarproj.sandbox.topsstack.steps_slc import at

SUBBANDS = ("lower", "upper")


@dataclass
class IonParams:
    consider_burst_properties: bool = False
    range_looks: int = 200
    azimuth_looks: int = 50

    @classmethod
    def read(cls, path: str) -> IonParams:
        """The keys of the real `ionParamUsr` that shape the run files."""
        params = cls()
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.strip().partition(":")
                if not key or key.startswith("#"):
                    continue
                key, value = key.strip(), value.strip()
                if key == "consider burst properties in ionosphere computation":
                    params.consider_burst_properties = value.capitalize() == "True"
                elif key == "total number of range looks in the ionosphere processing":
                    params.range_looks = int(value)
                elif key == "total number of azimuth looks in the ionosphere processing":
                    params.azimuth_looks = int(value)
        return params


def _ion(inps: Namespace, pair: Pair, *parts: str) -> str:
    return at(inps, "ion", f"{pair[0]}_{pair[1]}", *parts)


def _merged(inps: Namespace, pair: Pair, subband: str, swath: str | None) -> str:
    return _ion(inps, pair, subband, "merged" if swath is None else f"merged_IW{swath}")


def _per_merge(
    inps: Namespace, pair: Pair, swaths: list[str | None]
) -> tuple[list[Section], list[Section], list[Section]]:
    """mergeBurstsIon, unwrap_ion and look_ion sections of one pair (per swath when needed)."""
    merges: list[Section] = []
    unwraps: list[Section] = []
    looks: list[Section] = []
    for swath in swaths:
        for sub in SUBBANDS:
            merged = _merged(inps, pair, sub, swath)
            merges.append(
                (
                    "mergeBurstsIon",
                    {
                        "reference": at(inps, "reference"),
                        "stack": at(inps, "stack"),
                        "dirname": _ion(inps, pair, sub, "interferograms"),
                        "name_pattern": "fine*int",
                        "outfile": merged + "/fine.int",
                    }
                    | ({"swath": swath} if swath else {}),
                )
            )
            unwraps.append(
                (
                    "unwrap",
                    {
                        "ifg": merged + "/fine.int",
                        "unw": merged + "/fine.unw",
                        "coh": _merged(inps, pair, "lower", swath) + "/fine.cor",
                        "method": "snaphu",
                    },
                )
            )
            looks.append(
                (
                    "lookUnwIon",
                    {
                        "unw": merged + "/fine.unw",
                        "cor": _merged(inps, pair, "lower", swath) + "/fine.cor",
                        "output": merged + "/fine_look.unw",
                    },
                )
            )
        lower = _merged(inps, pair, "lower", swath)
        merges.append(
            (
                "coherenceIon",
                {
                    "lower": lower + "/fine.int",
                    "upper": _merged(inps, pair, "upper", swath) + "/fine.int",
                    "coherence": lower + "/fine.cor",
                },
            )
        )
        looks.append(
            (
                "coherenceIon",
                {
                    "lower": lower + "/fine.int",
                    "upper": _merged(inps, pair, "upper", swath) + "/fine.int",
                    "coherence": lower + "/fine_look.cor",
                },
            )
        )
    return merges, unwraps, looks


def _compute_ion(
    inps: Namespace, step: Step, pair: Pair, swaths: list[str | None], params: IonParams
) -> None:
    for swath in swaths:
        cal = _ion(inps, pair, "ion_cal" if swath is None else f"ion_cal_IW{swath}")
        lower, upper = _merged(inps, pair, "lower", swath), _merged(inps, pair, "upper", swath)
        step.command(
            f"computeIon.py --lower {lower}/fine_look.unw --upper {upper}/fine_look.unw --coherence "
            f"{lower}/fine_look.cor --ionosphere {cal}/raw_no_projection.ion "
            f"--coherence_output {cal}/raw_no_projection.cor"
        )
    if swaths != [None]:
        step.command(
            f"mergeSwathIon.py --reference {at(inps, 'reference')} --stack {at(inps, 'stack')} --input "
            f"{_ion(inps, pair)} --output {_ion(inps, pair, 'ion_cal')} --nrlks {params.range_looks} "
            f"--nalks {params.azimuth_looks} --remove_ramp 0"
        )


def _invert(inps: Namespace, params: IonParams, out: str, extra: str = "") -> str:
    return (
        f"invertIon.py --idir {at(inps, 'ion')}{extra} --odir {at(inps, out)} --nrlks1 {params.range_looks} "
        f"--nalks1 {params.azimuth_looks} --nrlks2 {inps.rangeLooks} --nalks2 {inps.azimuthLooks} "
        f"--merged_geom {at(inps, 'merged/geom_reference/hgt.rdr')} --interp --msk_overlap"
    )


def _per_pair_steps(
    inps: Namespace, runs: RunFiles, same: list[Pair], diff: list[Pair], params: IonParams
) -> None:
    multi = len(inps.swath_num.split()) > 1
    groups = [(p, [None]) for p in (same if multi else same + diff)]
    groups += [(p, sorted(inps.swath_num.split())) for p in (diff if multi else [])]
    sections = {p: _per_merge(inps, p, swaths) for p, swaths in groups}  # type: ignore[arg-type]
    for index, name, config in (
        (0, "mergeBurstsIon", "config_mergeBurstsIon_{}-{}"),
        (1, "unwrap_ion", "config_unwrap_ion_{}-{}"),
        (2, "look_ion", "config_look_ion_{}-{}"),
    ):
        step = runs.step(name)
        for pair, _ in groups:
            step.config(config.format(*pair), sections[pair][index], parallel=False)
        runs.write(step)
    step = runs.step("computeIon")
    for pair, swaths in groups:
        _compute_ion(inps, step, pair, swaths, params)  # type: ignore[arg-type]
    runs.write(step)


def ionosphere_stack(
    inps: Namespace,
    runs: RunFiles,
    dates: list[str],
    all_dates: list[str],
    same: list[Pair],
    diff: list[Pair],
) -> None:
    params = IonParams.read(inps.param_ion)
    ref = inps.reference_date
    step = runs.step("subband_and_resamp")
    for date in dates:
        values = {
            "reference": at(inps, "reference"),
            "secondary": at(inps, "secondarys", date),
            "coregdir": at(inps, "coreg_secondarys", date),
        }
        function = "subband" if date == ref else "subband_and_resamp"
        step.config(f"config_subband_and_resamp_{date}", [(function, values)])
    runs.write(step)
    step = runs.step("generateIgram_ion")
    for pair in same + diff:
        slcs = [at(inps, "reference") if d == ref else at(inps, "coreg_secondarys", d) for d in pair]
        step.config(
            f"config_generateIgram_ion_{pair[0]}_{pair[1]}",
            [
                (
                    "generateIgram",
                    {
                        "reference": slcs[0],
                        "secondary": slcs[1],
                        "interferogram": _ion(inps, pair, sub, "interferograms"),
                        "flatten": "False",
                        "interferogram_prefix": "fine",
                        "overlap": "False",
                    },
                )
                for sub in SUBBANDS
            ],
        )
    runs.write(step)
    _per_pair_steps(inps, runs, same, diff, params)
    _filter_and_invert(inps, runs, same + diff, all_dates, params)


def _filter_and_invert(
    inps: Namespace, runs: RunFiles, pairs: list[Pair], all_dates: list[str], params: IonParams
) -> None:
    step = runs.step("filtIon")
    for pair in pairs:
        cal = _ion(inps, pair, "ion_cal")
        values = {
            "input": cal + "/raw_no_projection.ion",
            "coherence": cal + "/raw_no_projection.cor",
            "output": cal + "/filt.ion",
        }
        step.config(f"config_filtIon_{pair[0]}_{pair[1]}", [("filtIon", values)], parallel=False)
    runs.write(step)
    step = runs.step("invertIon")
    step.command(_invert(inps, params, "ion_dates"))
    runs.write(step)
    if not params.consider_burst_properties:
        return
    step = runs.step("filtIonShift")
    for pair in pairs:
        cal = _ion(inps, pair, "ion_cal")
        values = {
            "reference_stack": at(inps, "reference"),
            "input": cal + "/filt.ion",
            "output": cal + "/azshift.ion",
        }
        step.config(f"config_filtIonShift_{pair[0]}_{pair[1]}", [("filtIonShift", values)], parallel=False)
    runs.write(step)
    step = runs.step("invertIonShift")
    step.command(_invert(inps, params, "ion_azshift_dates", " --filename azshift.ion"))
    runs.write(step)
    step = runs.step("burstRampIon")
    for date in all_dates:
        values = {
            "reference_stack": at(inps, "reference"),
            "input": at(inps, "ion_azshift_dates", date + ".ion"),
            "output": at(inps, "ion_burst_ramp_dates", date),
        }
        step.config(f"config_burstRampIon_{date}", [("burstRampIon", values)], parallel=False)
    runs.write(step)
    step = runs.step("mergeBurstRampIon")
    for date in all_dates:
        values = {
            "dirname": at(inps, "ion_burst_ramp_dates", date),
            "name_pattern": "burst*float",
            "outfile": at(inps, "ion_burst_ramp_merged_dates", date + ".float"),
            "multilook": "True",
        }
        step.config(f"config_mergeBurstRampIon_{date}", [("mergeBursts", values)], parallel=False)
    runs.write(step)


def ion_file_usable(path: str | None) -> bool:
    if path is None:
        print("Ion parameter file is not specified. Ionospheric estimation will not be done.")
        return False
    if not os.path.isfile(path):
        print("Ion parameter file is missing. Ionospheric estimation will not be done.")
        return False
    return True
