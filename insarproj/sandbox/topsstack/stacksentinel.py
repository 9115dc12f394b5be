"""`stackSentinel.py` stand-in: the real options, refusals, pairs, update mode and run files.

Refusals as the real program: `run_files` exists (exit 1); no SAFE / only one SAFE (Exception,
exit 1); no acquisition in the date range and bbox (exit 1); update mode with no new date (exit 1);
update mode without the original SAFEs of the dates it reprocesses (Exception); burst-property
ionosphere without NESD (Exception). Exceptions end in a traceback and exit status 1, as there.
"""

from __future__ import annotations

import os
import sys
from argparse import Namespace

from insarproj.sandbox.topsstack.dates import get_dates
from insarproj.sandbox.topsstack.options import parse
from insarproj.sandbox.topsstack.pairs import (
    existing_ion_pairs,
    ionosphere_pairs,
    neighbor_pairs,
    update_status,
)
from insarproj.sandbox.topsstack.runfiles import RunFiles
from insarproj.sandbox.topsstack.safe import SafeSLC, read_starting_ranges
from insarproj.sandbox.topsstack.steps_ifg import after_slc_stack
from insarproj.sandbox.topsstack.steps_ion import IonParams, ion_file_usable, ionosphere_stack
from insarproj.sandbox.topsstack.steps_slc import slc_stack


def _refuse_existing_run_files(work_dir: str) -> None:
    run_files = os.path.join(work_dir, "run_files")
    if os.path.exists(run_files):
        print("")
        print("**************************")
        print("run_files folder exists.")
        print(run_files, " already exists.")
        print("Please remove or rename this folder and try again.")
        print("")
        print("**************************")
        sys.exit(1)


def _ionosphere(inps: Namespace, runs: RunFiles) -> None:
    if not ion_file_usable(inps.param_ion):
        return
    if IonParams.read(inps.param_ion).consider_burst_properties and inps.coregistration != "NESD":
        raise Exception(
            "Coregistration options '-C', '--coregistration' must be NESD when "
            "'consider burst properties in ionosphere computation' is True"
        )
    reference = inps.reference_date
    _, _, _, by_date = get_dates(inps)  # the real code reads the whole SAFE set again
    inps.reference_date = reference
    for slc in by_date.values():
        read_starting_ranges(slc)
    same, diff = ionosphere_pairs(by_date, inps.num_connections_ion)
    all_dates = sorted({d for pair in same + diff for d in pair})
    done = existing_ion_pairs(inps.work_dir)
    same, diff = [p for p in same if p not in done], [p for p in diff if p not in done]
    _write_pair_report(same + diff, diff, by_date)
    ionosphere_stack(inps, runs, sorted({d for pair in same + diff for d in pair}), all_dates, same, diff)


def _write_pair_report(
    pairs: list[tuple[str, str]], diff: list[tuple[str, str]], by_date: dict[str, SafeSLC]
) -> None:
    text = "ionosphere phase estimation pairs with different swath starting ranges\n"
    text += "".join(f"{a}_{b}\n" for a, b in diff)
    text += "\nionosphere phase estimation pairs with different platforms\n"
    text += "".join(f"{a}_{b}\n" for a, b in pairs if by_date[a].platform != by_date[b].platform)
    with open("pairs_diff_starting_ranges.txt", "w", encoding="utf-8") as handle:
        handle.write(text)


def run(argv: list[str]) -> None:
    inps = parse(argv)
    _refuse_existing_run_files(inps.work_dir)
    dates, reference, secondaries, by_date = get_dates(inps)
    dates, secondaries, by_date, update = update_status(inps, dates, reference, secondaries, by_date)
    pairs = (
        []
        if inps.workflow == "slc"
        else neighbor_pairs(dates, reference, secondaries, inps.num_connections, update)
    )
    print("*****************************************")
    print("Coregistration method: ", inps.coregistration)
    print("Workflow: ", inps.workflow)
    print("*****************************************")
    runs = RunFiles(inps)
    slc_stack(inps, runs, dates, secondaries, by_date, update)
    after_slc_stack(inps, runs, secondaries, pairs)
    _ionosphere(inps, runs)


def main() -> None:
    run(sys.argv[1:])
