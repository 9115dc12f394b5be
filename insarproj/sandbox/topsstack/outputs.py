"""What each topsStack processing function reads and writes, at the real paths (docs/sandbox.md).

`needs(...)` lists inputs that must exist (a missing one fails as ISCE does, with a
FileNotFoundError naming it); `makes(...)` lists the files the function leaves. Paths come from
the config section's own keys, so the runner works for any work folder.
"""

from __future__ import annotations

import glob
import os

GEOMETRY = ("hgt", "lat", "lon", "los", "shadowMask", "incLocal")
Values = dict[str, str]


def swaths_in(directory: str) -> list[str]:
    found = sorted(os.path.basename(p)[2] for p in glob.glob(os.path.join(directory, "IW[123].xml")))
    return found or ["1"]


def image(path: str) -> list[str]:
    """An ISCE image: the raster and its .xml and .vrt sidecars."""
    return [path, path + ".xml", path + ".vrt"]


def _merge(v: Values) -> list[str]:
    looks_one = v.get("range_looks") == "1" and v.get("azimuth_looks") == "1"
    full = v["outfile"] + ("" if looks_one else ".full")
    made = [full + ".xml", full + ".vrt"] if v.get("use_virtual_files") == "True" else image(full)
    return made + (image(v["outfile"]) if v.get("multilook") == "True" and not looks_one else [])


def _unpack(v: Values) -> list[str]:
    out = v["outdir"]
    return [p for n in v["swaths"].split() for p in (f"{out}/IW{n}.xml", *image(f"{out}/IW{n}/burst_01.slc"))]


def _resample(v: Values) -> list[str]:
    coreg, swaths = v["coregdir"], swaths_in(v["reference"])
    if v.get("overlap") == "True":
        return [
            p for n in swaths for p in (f"{coreg}/overlap/IW{n}_top.xml", f"{coreg}/overlap/IW{n}_bottom.xml")
        ]
    return [p for n in swaths for p in (f"{coreg}/IW{n}.xml", *image(f"{coreg}/IW{n}/burst_01.slc"))]


def _geo2rdr(v: Values) -> list[str]:
    coreg, swaths = v["coregSLCdir"], swaths_in(v["reference"])
    where = f"{coreg}/overlap" if v.get("overlap") == "True" else coreg
    return [p for n in swaths for kind in ("range", "azimuth") for p in image(f"{where}/IW{n}/{kind}_01.off")]


def _igram(v: Values) -> list[str]:
    swaths = swaths_in(v["reference"]) if os.path.isdir(v["reference"]) else ["1"]
    return [
        p for n in swaths for p in image(f"{v['interferogram']}/IW{n}/{v['interferogram_prefix']}_01.int")
    ]


def _unwrap(v: Values) -> list[str]:
    conncomp = image(v["unw"] + ".conncomp") if v.get("method", "snaphu") == "snaphu" else []
    return image(v["unw"]) + conncomp


MAKES = {
    "Sentinel1_TOPS": _unpack,
    "topo": lambda v: [
        p
        for n in swaths_in(v["reference"])
        for g in GEOMETRY
        for p in image(f"{v['geom_referenceDir']}/IW{n}/{g}_01.rdr")
    ],
    "computeBaseline": lambda v: [v["baseline_file"]],
    "geo2rdr": _geo2rdr,
    "resamp_withCarrier": _resample,
    "generateIgram": _igram,
    "overlap_withDEM": lambda v: [f"{v['overlap_dir']}/IW1/int_01_02.int"],
    "estimateAzimuthMisreg": lambda v: [v["out_azimuth"]],
    "estimateRangeMisreg": lambda v: [v["out_range"]],
    "mergeBursts": _merge,
    "FilterAndCoherence": lambda v: image(v["filt"]) + image(v["coh"]) + image(v["complex_coh"]),
    "unwrap": _unwrap,
    "baselineGrid": lambda v: image(v["baseline_file"]),
    "denseOffsets": lambda v: image(v["outprefix"] + ".bil") + image(v["outprefix"] + "_snr.bil"),
    "subband": lambda v: [
        f"{v['reference']}/IW{n}_{s}.xml" for n in swaths_in(v["reference"]) for s in ("lower", "upper")
    ],
    "subband_and_resamp": lambda v: [
        f"{v['coregdir']}/IW{n}_{s}.xml" for n in swaths_in(v["reference"]) for s in ("lower", "upper")
    ],
    "mergeBurstsIon": lambda v: image(v["outfile"]),
    "coherenceIon": lambda v: image(v["coherence"]),
    "lookUnwIon": lambda v: image(v["output"]),
    "filtIon": lambda v: image(v["output"]),
    "filtIonShift": lambda v: image(v["output"]),
    "burstRampIon": lambda v: image(v["output"] + "/burst_01.float"),
}


def _secondary_inputs(v: Values) -> list[str]:
    return [f"{v['secondary']}/IW{n}.xml" for n in swaths_in(v["reference"])]


def _igram_inputs(v: Values) -> list[str]:
    ends = ("_top.xml",) if v.get("overlap") == "True" else (".xml",)
    where = "/overlap" if v.get("overlap") == "True" else ""
    return [
        f"{d}{where}/IW{n}{e}"
        for d in (v["reference"], v["secondary"])
        for n in swaths_in(v["reference"])
        for e in ends
    ]


NEEDS = {
    "Sentinel1_TOPS": lambda v: v["dirname"].split(),
    "topo": lambda v: [v["dem"], v["dem"] + ".xml"],
    "computeBaseline": _secondary_inputs,
    "geo2rdr": _secondary_inputs,
    "resamp_withCarrier": lambda v: [p for p in _secondary_inputs(v)],
    "generateIgram": _igram_inputs,
    "FilterAndCoherence": lambda v: [v["input"] + ".xml"],
    "unwrap": lambda v: [v["ifg"] + ".xml", v["coh"] + ".xml"],
}


def makes(function: str, values: Values) -> list[str]:
    return MAKES[function](values)


def needs(function: str, values: Values) -> list[str]:
    rule = NEEDS.get(function)
    return rule(values) if rule else []
