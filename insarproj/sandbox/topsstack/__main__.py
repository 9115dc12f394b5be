"""`python -m insarproj.sandbox.topsstack DIR [--faults SPEC]`: install the stand-in into DIR."""

from __future__ import annotations

import argparse

from insarproj.sandbox.topsstack.install import install


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m insarproj.sandbox.topsstack", description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--faults", default=None, help="fault plan written to DIR/faults.txt")
    args = parser.parse_args()
    print(install(args.folder, args.faults))


if __name__ == "__main__":
    main()
