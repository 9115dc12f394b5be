"""Pair selection and update mode, as stackSentinel's `selectNeighborPairs`,
`selectNeighborPairsIonosphere` and `checkCurrentStatus` do them."""

from __future__ import annotations

import glob
import os
import sys
from argparse import Namespace

from insarproj.sandbox.topsstack.safe import SafeSLC

Pair = tuple[str, str]


def neighbor_pairs(
    dates: list[str], reference: str, secondaries: list[str], connections: str, update: bool
) -> list[Pair]:
    """Each date with the next `connections` dates; in update mode only among the secondaries
    being (re)processed plus the reference, minus the earliest of those."""
    if update:
        print("\nUpdating an existing stack ...\n")
        dates = sorted([*secondaries, reference])[1:]
    count = len(dates) - 1 if connections == "all" else int(connections)
    pairs = [
        (dates[i], dates[j])
        for i in range(len(dates) - 1)
        for j in range(i + 1, i + count + 1)
        if j < len(dates)
    ]
    print(f"selecting pairs with {count} nearest neighbor connections: {len(pairs)}")
    return pairs


def overlap_pairs(dates: list[str], connections: str) -> list[Pair]:
    """NESD's overlap interferograms (`pairs_misregistration`)."""
    n = int(connections) + 1
    return [
        (dates[i], dates[j]) for i in range(len(dates) - 1) for j in range(i + 1, i + n) if j < len(dates)
    ]


def ionosphere_pairs(by_date: dict[str, SafeSLC], connections: str) -> tuple[list[Pair], list[Pair]]:
    """(pairs within a group of equal swath starting ranges, pairs linking consecutive groups)."""
    dates = sorted(by_date)
    groups: list[list[str]] = []
    keys: list[list[float]] = []
    for date in dates:
        ranges = by_date[date].starting_ranges
        if ranges not in keys:
            keys.append(ranges)
            groups.append([])
        groups[keys.index(ranges)].append(date)
    n = len(dates) - 1 if connections == "all" else int(connections)
    group_of = {d: k for k, group in enumerate(groups) for d in group}
    linking = [
        (dates[i], dates[j])
        for i in range(len(dates) - 1)
        for j in range(i + 1, i + n + 1)
        if j < len(dates) and group_of[dates[i]] != group_of[dates[j]]
    ]
    same = [
        (g[i], g[j]) for g in groups for i in range(len(g)) for j in range(i + 1, i + n + 1) if j < len(g)
    ]
    diff: list[Pair] = []
    for k in range(len(groups) - 1):
        between = [p for p in linking if {group_of[p[0]], group_of[p[1]]} == {k, k + 1}]
        diff += between[:n]
    return same, diff


def existing_ion_pairs(work_dir: str) -> set[Pair]:
    ion = os.path.join(work_dir, "ion")
    if not os.path.isdir(ion):
        return set()
    print("previous ionosphere estimation directory found")
    print("exclude already processed pairs for ionosphere estimation")
    names = [os.path.basename(p) for p in glob.glob(os.path.join(ion, "*")) if os.path.isdir(p)]
    return {(n.split("_")[0], n.split("_")[1]) for n in names if n.count("_") == 1}


def _no_new_acquisition(coreg_dir: str) -> None:
    print("Warning:")
    print(f"The stack already exists in: {coreg_dir}.")
    print("No new acquisition found to update the stack.")
    sys.exit(1)


def update_status(
    inps: Namespace, dates: list[str], reference: str, secondaries: list[str], by_date: dict[str, SafeSLC]
) -> tuple[list[str], list[str], dict[str, SafeSLC], bool]:
    """Update mode when `<work>/coreg_secondarys/` exists: the new dates plus the latest
    coregistered ones (2 x num_overlap_connections for NESD, num_connections for geometry)."""
    coreg_dir = os.path.join(inps.work_dir, "coreg_secondarys")
    if not os.path.exists(coreg_dir):
        print("No existing stack was identified. A new stack will be generated.")
        return dates, secondaries, by_date, False
    coregistered = sorted(
        os.path.basename(p) for p in glob.glob(os.path.join(coreg_dir, "[0-9]???[0-9]?[0-9]?"))
    )
    print("\nAn existing stack with following coregistered SLCs was found:")
    print(coregistered)
    new = sorted(set(secondaries) - set(coregistered))
    if not new:
        _no_new_acquisition(coreg_dir)
    print("\nNew acquisitions was found: ")
    print(new)
    nesd = inps.coregistration in ("NESD", "nesd")
    reprocess = min(
        2 * int(inps.num_overlap_connections) if nesd else int(inps.num_connections), len(secondaries)
    )
    latest = coregistered[-reprocess:]  # as the real code: [-0:] would keep them all
    if len(set(secondaries) & set(latest)) < reprocess:
        raise Exception(f"The original SAFE files for latest {reprocess} coregistered SLCs is needed")
    print(f"Last {reprocess} coregistred SLCs to be updated: ", latest)
    secondaries = sorted(latest + new)
    dates = sorted([*secondaries, reference])
    print("acquisitions used in this update: ")
    print(dates)
    return dates, secondaries, {d: by_date[d] for d in dates}, True
