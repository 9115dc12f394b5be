"""Derive insarproj/data/isce/stacksentinel_since.json: the first ISCE2 release whose
`stackSentinel.py` accepts each option insarproj may pass (docs/isce.md "Version-dependent options").

Usage (a clone of isce-framework/isce2; its sources are read, never committed):

    python tools/isce_option_history.py <isce2 clone> > insarproj/data/isce/stacksentinel_since.json

For every release tag `v*`, `git show <tag>:contrib/stack/topsStack/stackSentinel.py` is parsed with
`tools/isce_options.py` (syntax tree, nothing executed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from isce_options import options

SCRIPT = "contrib/stack/topsStack/stackSentinel.py"
# Every flag insarproj/isce/command.py may pass.
PASSED = [
    "-s",
    "-o",
    "-a",
    "-w",
    "-d",
    "-W",
    "-n",
    "-p",
    "-b",
    "-m",
    "--start_date",
    "--stop_date",
    "-C",
    "-c",
    "-O",
    "--snr_misreg_threshold",
    "-e",
    "-z",
    "-r",
    "-f",
    "-u",
    "--num_proc",
    "--num_proc4topo",
    "-t",
    "-V",
    "--rmFilter",
    "--useGPU",
    "--param_ion",
    "--num_connections_ion",
]


def _git(clone: str, *args: str) -> str:
    return subprocess.run(["git", "-C", clone, *args], capture_output=True, text=True, check=True).stdout


def main(clone: str) -> None:
    tags = _git(clone, "tag", "--list", "v*", "--sort=version:refname").split()
    since: dict[str, str] = {}
    checked = []
    for tag in tags:
        try:
            source = _git(clone, "show", f"{tag}:{SCRIPT}")
        except subprocess.CalledProcessError:
            continue
        checked.append(tag.removeprefix("v"))
        flags = {flag for option in options(source) for flag in option["flags"]}
        for flag in PASSED:
            if flag in flags and flag not in since:
                since[flag] = tag.removeprefix("v")
    head = _git(clone, "rev-parse", tags[-1]).strip()
    document = {
        "source": f"isce-framework/isce2 {SCRIPT}, createParser(), at every release tag",
        "releases_checked": checked,
        "newest": {"tag": tags[-1], "commit": head},
        "derived_by": "tools/isce_option_history.py",
        "since": {flag: since.get(flag) for flag in PASSED},
    }
    json.dump(document, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
