"""The steps after `slcStack`: merging, burst interferograms, filtering, unwrapping, dense offsets
and the baseline grid, per workflow (stackSentinel's interferogram/correlation/offset/slc stacks)."""

from __future__ import annotations

from argparse import Namespace

from insarproj.sandbox.topsstack.pairs import Pair
from insarproj.sandbox.topsstack.runfiles import RunFiles, Step
from insarproj.sandbox.topsstack.steps_slc import at

GEOMETRY = (
    ("lat", "gdal", "0"),
    ("lon", "gdal", "0"),
    ("los", "gdal", "0"),
    ("hgt", "gdal", None),
    ("shadowMask", "isce", None),
    ("incLocal", "gdal", "0"),
)


def _merge(
    inps: Namespace, reference: str, dirname: str, pattern: str, outfile: str, **flags: str
) -> dict[str, str]:
    values = {"stack": at(inps, "stack")} if flags.pop("with_stack", "True") == "True" else {}
    values |= {"inp_reference": reference, "dirname": dirname, "name_pattern": pattern, "outfile": outfile}
    values |= {"method": "top", "aligned": flags["aligned"], "valid_only": flags["valid_only"]}
    values |= {"use_virtual_files": flags["virtual"], "multilook": flags["multilook"]}
    values |= {"range_looks": inps.rangeLooks, "azimuth_looks": inps.azimuthLooks}
    for key in ("multilook_tool", "no_data_value"):
        if flags.get(key):
            values[key] = flags[key]
    return values


def merge_slcs(inps: Namespace, step: Step, secondaries: list[str], virtual: str) -> None:
    ref, reference = inps.reference_date, at(inps, "reference")
    flags = {"aligned": "False", "valid_only": "True", "virtual": virtual, "multilook": "False"}
    outfile = at(inps, "merged/SLC", ref, ref + ".slc")
    step.config(
        f"config_merge_{ref}",
        [("mergeBursts", _merge(inps, reference, reference, "burst*slc", outfile, **flags))],
        parallel=False,
    )
    for name, tool, no_data in GEOMETRY:
        flags = {
            "aligned": "False",
            "valid_only": "False",
            "virtual": virtual,
            "multilook": "True",
            "multilook_tool": tool,
            "no_data_value": no_data or "",
        }
        outfile = at(inps, "merged/geom_reference", name + ".rdr")
        values = _merge(inps, reference, at(inps, "geom_reference"), name + "*rdr", outfile, **flags)
        step.config(f"config_merge_{name}", [("mergeBursts", values)], parallel=False)
    for date in secondaries:
        coreg = at(inps, "coreg_secondarys", date)
        flags = {"aligned": "True", "valid_only": "True", "virtual": virtual, "multilook": "False"}
        values = _merge(inps, coreg, coreg, "burst*slc", at(inps, "merged/SLC", date, date + ".slc"), **flags)
        step.config(f"config_merge_{date}", [("mergeBursts", values)], parallel=False)


def _slc_dir(inps: Namespace, date: str) -> str:
    return at(inps, "reference") if date == inps.reference_date else at(inps, "coreg_secondarys", date)


def burst_igrams(inps: Namespace, step: Step, pairs: list[Pair]) -> None:
    for a, b in pairs:
        values = {
            "reference": _slc_dir(inps, a),
            "secondary": _slc_dir(inps, b),
            "interferogram": at(inps, "interferograms", f"{a}_{b}"),
            "flatten": "False",
            "interferogram_prefix": "fine",
            "overlap": "False",
        }
        step.config(f"config_generate_igram_{a}_{b}", [("generateIgram", values)])


def merge_igrams(inps: Namespace, step: Step, pairs: list[Pair]) -> None:
    for a, b in pairs:
        igram = at(inps, "interferograms", f"{a}_{b}")
        flags = {"aligned": "True", "valid_only": "True", "virtual": "True", "multilook": "True"}
        values = _merge(
            inps, igram, igram, "fine*int", at(inps, "merged/interferograms", f"{a}_{b}", "fine.int"), **flags
        )
        step.config(f"config_merge_igram_{a}_{b}", [("mergeBursts", values)])


def filter_coherence(inps: Namespace, step: Step, pairs: list[Pair]) -> None:
    for a, b in pairs:
        merged = at(inps, "merged/interferograms", f"{a}_{b}")
        complex_coh = (
            merged + "/fine.cor" + (".full" if int(inps.rangeLooks) * int(inps.azimuthLooks) == 1 else "")
        )
        values = {
            "input": merged + "/fine.int",
            "filt": merged + "/filt_fine.int",
            "coh": merged + "/filt_fine.cor",
            "strength": inps.filtStrength,
            "slc1": at(inps, "merged/SLC", a, a + ".slc.full"),
            "slc2": at(inps, "merged/SLC", b, b + ".slc.full"),
            "complex_coh": complex_coh,
            "range_looks": inps.rangeLooks,
            "azimuth_looks": inps.azimuthLooks,
        }
        step.config(f"config_igram_filt_coh_{a}_{b}", [("FilterAndCoherence", values)])


def unwrap(inps: Namespace, step: Step, pairs: list[Pair]) -> None:
    for a, b in pairs:
        merged = at(inps, "merged/interferograms", f"{a}_{b}")
        values = {
            "ifg": merged + "/filt_fine.int",
            "unw": merged + "/filt_fine.unw",
            "coh": merged + "/filt_fine.cor",
            "nomcf": "False",
            "reference": at(inps, "reference"),
            "defomax": "2",
            "rlks": inps.rangeLooks,
            "alks": inps.azimuthLooks,
            "rmfilter": "True" if inps.rmFilter else "False",
            "method": inps.unwMethod,
        }
        step.config(f"config_igram_unw_{a}_{b}", [("unwrap", values)])


def dense_offsets(inps: Namespace, step: Step, pairs: list[Pair]) -> None:
    for a, b in pairs:
        values = {
            "reference": at(inps, "merged/SLC", a, a + ".slc.full"),
            "secondary": at(inps, "merged/SLC", b, b + ".slc.full"),
            "outprefix": at(inps, "merged/dense_offsets", f"{a}_{b}", f"{a}_{b}"),
        }
        step.config(f"config_denseOffset_{a}_{b}", [("denseOffsets", values)], parallel=False)


def grid_baseline(inps: Namespace, step: Step, secondaries: list[str]) -> None:
    for date in [*secondaries, "reference"]:
        target = inps.reference_date if date == "reference" else date
        secondary = at(inps, "reference/") if date == "reference" else at(inps, "secondarys", date)
        values = {
            "reference": at(inps, "reference/"),
            "secondary": secondary,
            "baseline_file": at(inps, "merged/baselines", target, target),
        }
        step.config(f"config_baselinegrid_{date}", [("baselineGrid", values)], parallel=False)


def after_slc_stack(inps: Namespace, runs: RunFiles, secondaries: list[str], pairs: list[Pair]) -> None:
    """merge_reference_secondary_slc and what follows it, per `--workflow`."""
    workflow = inps.workflow
    default_virtual = "True" if workflow in ("interferogram", "correlation") else "False"
    virtual = inps.virtualMerge or default_virtual
    if workflow == "slc":
        virtual = "False"  # slcStack(mergeSLC=True) always writes real files
    step = runs.step("merge_reference_secondary_slc")
    merge_slcs(inps, step, secondaries, virtual)
    runs.write(step)
    if workflow == "slc":
        chain = [("grid_baseline", lambda s: grid_baseline(inps, s, secondaries))]
    elif workflow == "offset":
        chain = [("dense_offsets", lambda s: dense_offsets(inps, s, pairs))]
    else:
        chain = [
            ("generate_burst_igram", lambda s: burst_igrams(inps, s, pairs)),
            ("merge_burst_igram", lambda s: merge_igrams(inps, s, pairs)),
            ("filter_coherence", lambda s: filter_coherence(inps, s, pairs)),
        ]
        if workflow == "interferogram":
            chain.append(("unwrap", lambda s: unwrap(inps, s, pairs)))
    for name, fill in chain:
        step = runs.step(name)
        fill(step)
        runs.write(step)
