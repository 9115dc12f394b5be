"""A stand-in of ISCE2's topsStack (`contrib/stack/topsStack`) for the sandbox.

ISCE2 is installed from conda-forge only, so tests and `insarproj demo --processor isce` run against
this stand-in instead: `stackSentinel.py` with the real option list, the real refusals, pair
selection, update mode and run-file/config names and order, and the commands the run files hold
(`SentinelWrapper.py -c <config>`, `subsetReference.py`, ...) producing each step's outputs as small
files at the real paths. `install(folder)` writes those commands as executables into a folder that
stands where a real `topsStack` directory would (`topsstack_dir`, or put it on PATH).
Faults: see `faults.py`. Facts and their sources: docs/sandbox.md.
"""

from insarproj.sandbox.topsstack.install import COMMANDS, install

__all__ = ["COMMANDS", "install"]
