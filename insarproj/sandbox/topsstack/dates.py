"""Which SAFEs and dates stackSentinel uses (its `get_dates`), with the real quirks kept:

* `--start_date`/`--stop_date` are compared with the acquisition's start time at 00:00 of the
  given day, so scenes on the stop date itself are dropped;
* an orbit is looked up for every SAFE inside the date range, excluded dates too;
* with `--bbox`, a SAFE is kept when its KML quad intersects the box, but a *date* is kept only when
  its slices span the box's whole latitude range; `-i` keeps dates that fail that latitude check
  (it does not select dates);
* `SAFE_files.txt` (the SAFEs kept) goes to the current directory, not the work folder;
* without `-m` the first date becomes the reference, and a `-m` date that was dropped ends in
  `list.remove`'s ValueError.
"""

from __future__ import annotations

import glob
import os
import sys
from argparse import Namespace
from datetime import datetime

from shapely.geometry import Polygon, box

from insarproj.sandbox.topsstack.safe import SafeSLC, find_orbit, kml_quad, read_footprint

FAR_PAST = datetime(1958, 1, 31)
FAR_FUTURE = datetime(2158, 1, 31)


def safe_files(slc_dirname: str) -> list[str]:
    if os.path.isfile(slc_dirname):
        print("reading SAFE files from: " + slc_dirname)
        with open(slc_dirname, encoding="utf-8") as handle:
            files = [line.replace("\n", "").strip() for line in handle]
    else:
        files = sorted(glob.glob(os.path.join(slc_dirname, "S1*_IW_SLC*zip")))
        if not files:
            files = sorted(glob.glob(os.path.join(slc_dirname, "S1*_IW_SLC*SAFE")))
    if len(files) == 0:
        raise Exception("No SAFE file found")
    if len(files) == 1:
        raise Exception("At least two SAFE file is required. Only one SAFE file found.")
    print("Number of SAFE files found: " + str(len(files)))
    return files


def _bbox(inps: Namespace) -> list[float] | None:
    return None if inps.bbox is None else [float(v) for v in inps.bbox.split()]


def _window(inps: Namespace) -> tuple[datetime, datetime]:
    start = datetime.strptime(inps.startDate, "%Y-%m-%d") if inps.startDate else FAR_PAST
    stop = datetime.strptime(inps.stopDate, "%Y-%m-%d") if inps.stopDate else FAR_FUTURE
    return start, stop


def _select_safes(inps: Namespace, files: list[str], exclude: list[str]) -> dict[str, SafeSLC]:
    """SAFEs in the date window whose footprint meets the bbox, grouped by date; SAFE_files.txt."""
    bbox = _bbox(inps)
    start, stop = _window(inps)
    by_date: dict[str, SafeSLC] = {}
    count = 0
    with open("SAFE_files.txt", "w", encoding="utf-8") as listing:
        for safe in files:
            slc = SafeSLC(safe)
            if slc.start < start or slc.start > stop:
                exclude.append(slc.date)
                continue
            find_orbit(slc, inps.orbit_dirname, inps.work_dir)
            if slc.date not in exclude and bbox is not None:
                quad = Polygon(kml_quad(safe))
                if not quad.intersects(box(bbox[2], bbox[0], bbox[3], bbox[1])):
                    continue
            if slc.date not in by_date and slc.date not in exclude:
                by_date[slc.date] = slc
            elif slc.date not in exclude:
                by_date[slc.date].safe_file += " " + safe
            listing.write(safe + "\n")
            count += 1
    print("Number of SAFE files to be used (cover BBOX): " + str(count))
    return by_date


def _cover_latitudes(inps: Namespace, by_date: dict[str, SafeSLC], include: list[str]) -> list[str]:
    dates = sorted(by_date)
    print("date      south      north")
    for date in dates:
        read_footprint(by_date[date])
        print(date, by_date[date].snwe[0], by_date[date].snwe[1])
    south = [by_date[d].snwe[0] for d in dates]
    north = [by_date[d].snwe[1] for d in dates]
    print("The overlap region among all dates (based on the preview kml files):")
    print(max(south), min(north))  # as the real code: a ValueError when no date is left
    if max(south) > min(north):
        print("WARNING:\n           There might not be overlap between some dates")
    gaps = [d for d in dates if not by_date[d].frame_nogap]
    bbox = _bbox(inps)
    if bbox is not None:
        covering = [d for d in dates if by_date[d].snwe[0] <= bbox[0] and by_date[d].snwe[1] >= bbox[1]]
        print("dates covering the bbox (" + str(len(covering)) + ")")
        print(covering)
        forced = [d for d in dates if d not in covering and d in include]
        if forced:
            print("dates forced included (do not cover the bbox completely, " + str(len(forced)) + ")")
            print(forced)
        dates = sorted(covering + forced)
    if gaps:
        print("dates for which it looks like there are missing frames")
        print(gaps)
    return dates


def get_dates(inps: Namespace) -> tuple[list[str], str, list[str], dict[str, SafeSLC]]:
    exclude = inps.exclude_dates.split(",") if inps.exclude_dates is not None else []
    include = inps.include_dates.split(",") if inps.include_dates is not None else []
    by_date = _select_safes(inps, safe_files(inps.slc_dirname), exclude)
    dates = _cover_latitudes(inps, by_date, include)
    by_date = {d: by_date[d] for d in dates}
    if inps.reference_date is None:
        if len(dates) < 1:
            print("*************************************")
            print("Error:")
            print("No acquisition fulfills the temporal range and bbox requirement.")
            sys.exit(1)
        inps.reference_date = dates[0]
        print("The reference date was not chosen. The first date is considered as reference date.")
    print("All SLCs will be coregistered to : " + inps.reference_date)
    secondaries = sorted(by_date)
    secondaries.remove(inps.reference_date)
    return dates, inps.reference_date, secondaries, by_date
