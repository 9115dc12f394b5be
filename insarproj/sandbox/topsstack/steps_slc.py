"""The steps of stackSentinel's `slcStack`, shared by every workflow: unpack, baselines, NESD
misregistration (new stacks also extract burst overlaps), full-burst geo2rdr and resampling,
the common valid region; config names, paths and keys as `Stack.py` writes them."""

from __future__ import annotations

import os
from argparse import Namespace

from insarproj.sandbox.topsstack.pairs import overlap_pairs
from insarproj.sandbox.topsstack.runfiles import RunFiles, Section, Step
from insarproj.sandbox.topsstack.safe import SafeSLC


def at(inps: Namespace, *parts: str) -> str:
    return os.path.join(inps.work_dir, *parts)


def _sentinel1_tops(inps: Namespace, slc: SafeSLC, out_dir: str) -> Section:
    values = {"dirname": slc.safe_file, "swaths": inps.swath_num}
    if slc.orbit_type == "precise":
        values["orbitdir"] = inps.orbit_dirname
    else:
        values["orbit"] = slc.orbit
    values |= {"outdir": out_dir, "auxdir": inps.aux_dirname}
    if inps.bbox is not None:
        values["bbox"] = inps.bbox
    values["pol"] = inps.polarization
    return ("Sentinel1_TOPS", values)


def unpack_reference(inps: Namespace, step: Step, by_date: dict[str, SafeSLC]) -> None:
    topo = {
        "reference": at(inps, "reference"),
        "dem": inps.dem,
        "geom_referenceDir": at(inps, "geom_reference"),
        "numProcess": str(inps.numProcess4topo),
    }
    sections = [_sentinel1_tops(inps, by_date[inps.reference_date], at(inps, "reference")), ("topo", topo)]
    step.config("config_reference", sections, parallel=False)


def unpack_secondaries(
    inps: Namespace, step: Step, secondaries: list[str], by_date: dict[str, SafeSLC]
) -> None:
    for date in secondaries:
        step.config(
            f"config_secondary_{date}", [_sentinel1_tops(inps, by_date[date], at(inps, "secondarys", date))]
        )


def average_baseline(inps: Namespace, step: Step, secondaries: list[str]) -> None:
    ref = inps.reference_date
    for date in secondaries:
        values = {
            "reference": at(inps, "reference/"),
            "secondary": at(inps, "secondarys", date),
            "baseline_file": at(inps, "baselines", f"{ref}_{date}", f"{ref}_{date}.txt"),
        }
        step.config(f"config_baseline_{date}", [("computeBaseline", values)])


def _geo2rdr(inps: Namespace, step: Step, secondaries: list[str], full: bool) -> None:
    for date in secondaries:
        values = {
            "secondary": at(inps, "secondarys", date),
            "reference": at(inps, "reference"),
            "geom_referenceDir": at(inps, "geom_reference"),
            "coregSLCdir": at(inps, "coreg_secondarys", date),
            "overlap": "False" if full else "True",
            "useGPU": "True" if inps.useGPU else "False",
        }
        if full:
            values["azimuth_misreg"] = at(inps, "misreg/azimuth/dates", date + ".txt")
            values["range_misreg"] = at(inps, "misreg/range/dates", date + ".txt")
        kind = "fullBurst" if full else "overlap"
        step.config(f"config_{kind}_geo2rdr_{date}", [("geo2rdr", values)])


def _resample(inps: Namespace, step: Step, secondaries: list[str], full: bool) -> None:
    for date in secondaries:
        values = {
            "secondary": at(inps, "secondarys", date),
            "reference": at(inps, "reference"),
            "coregdir": at(inps, "coreg_secondarys", date),
            "overlap": "False" if full else "True",
        }
        if full:
            values["azimuth_misreg"] = at(inps, "misreg/azimuth/dates", date + ".txt")
            values["range_misreg"] = at(inps, "misreg/range/dates", date + ".txt")
        kind = "fullBurst" if full else "overlap"
        step.config(f"config_{kind}_resample_{date}", [("resamp_withCarrier", values)])


def pairs_misreg(inps: Namespace, step: Step, dates: list[str]) -> None:
    def slc(date: str) -> str:
        return at(inps, "reference") if date == inps.reference_date else at(inps, "coreg_secondarys", date)

    for a, b in overlap_pairs(dates, inps.num_overlap_connections):
        pair = f"{a}_{b}"
        igram = at(inps, "coarse_interferograms", pair)
        common = {"reference": slc(a), "secondary": slc(b)}
        sections: list[Section] = [
            (
                "generateIgram",
                {
                    **common,
                    "interferogram": igram,
                    "flatten": "False",
                    "interferogram_prefix": "int",
                    "overlap": "True",
                },
            ),
            (
                "overlap_withDEM",
                {
                    "interferogram": igram,
                    "reference_dir": slc(a),
                    "secondary_dir": slc(b),
                    "overlap_dir": at(inps, "ESD", pair),
                },
            ),
            (
                "estimateAzimuthMisreg",
                {
                    "overlap_dir": at(inps, "ESD", pair),
                    "out_azimuth": at(inps, "misreg/azimuth/pairs", pair, pair + ".txt"),
                    "coh_threshold": inps.esdCoherenceThreshold,
                    "plot": "False",
                },
            ),
            (
                "estimateRangeMisreg",
                {
                    **common,
                    "out_range": at(inps, "misreg/range/pairs", pair, pair + ".txt"),
                    "snr_threshold": inps.snrThreshold,
                },
            ),
        ]
        step.config(f"config_misreg_{pair}", sections)


def _nesd(inps: Namespace, runs: RunFiles, dates: list[str], secondaries: list[str], update: bool) -> None:
    if not update:
        step = runs.step("extract_burst_overlaps")
        step.command(f"subsetReference.py -m {at(inps, 'reference')} -g {at(inps, 'geom_reference')}")
        runs.write(step)
    for name, full, writer in (("overlap_geo2rdr", False, _geo2rdr), ("overlap_resample", False, _resample)):
        step = runs.step(name)
        writer(inps, step, secondaries, full)
        runs.write(step)
    step = runs.step("pairs_misreg")
    pairs_misreg(inps, step, secondaries if update else dates)
    runs.write(step)
    step = runs.step("timeseries_misreg")
    for kind in ("azimuth", "range"):
        step.command(
            f"invertMisreg.py -i {at(inps, 'misreg', kind, 'pairs/')} -o {at(inps, 'misreg', kind, 'dates/')}"
        )
    runs.write(step)


def slc_stack(
    inps: Namespace,
    runs: RunFiles,
    dates: list[str],
    secondaries: list[str],
    by_date: dict[str, SafeSLC],
    update: bool,
) -> None:
    if not update:
        step = runs.step("unpack_topo_reference")
        unpack_reference(inps, step, by_date)
        runs.write(step)
    step = runs.step("unpack_secondary_slc")
    unpack_secondaries(inps, step, secondaries, by_date)
    runs.write(step)
    step = runs.step("average_baseline")
    average_baseline(inps, step, secondaries)
    runs.write(step)
    if inps.coregistration in ("NESD", "nesd"):
        _nesd(inps, runs, dates, secondaries, update)
    for name, writer in (("fullBurst_geo2rdr", _geo2rdr), ("fullBurst_resample", _resample)):
        step = runs.step(name)
        writer(inps, step, secondaries, True)
        runs.write(step)
    step = runs.step("extract_stack_valid_region")
    step.command(f"extractCommonValidRegion.py -m {at(inps, 'reference')} -s {at(inps, 'coreg_secondarys')}")
    runs.write(step)
