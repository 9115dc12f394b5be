"""Writing `run_files/run_NN_<name>` and `configs/config_*` as topsStack's `Stack.py` does.

A config file is an INI file: `[Common]`, then one `[Function-N]` section per processing function
whose first key is the function's name and the rest its parameters (`key : value`). A run-file line
is `<text_cmd>SentinelWrapper.py -c <work>/configs/<config>`; for the steps that take `--num_proc`,
N > 1 appends ` &` and writes `wait` after every N lines (none after a last, shorter block, as in
the real code). Some steps hold other commands (`subsetReference.py`, `invertMisreg.py`, ...).
"""

from __future__ import annotations

import os
from argparse import Namespace
from dataclasses import dataclass, field

Section = tuple[str, dict[str, str]]
RULE = "##########################\n"


def write_config(path: str, sections: list[Section]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[Common]\n" + RULE)
        for number, (function, values) in enumerate(sections, start=1):
            handle.write(RULE + f"[Function-{number}]\n{function} : \n")
            handle.writelines(f"{key} : {value}\n" for key, value in values.items())


@dataclass
class Step:
    inps: Namespace
    name: str  # run_NN_<name>
    lines: list[str] = field(default_factory=list)
    _block: int = 0

    def config(self, config_name: str, sections: list[Section], parallel: bool = True) -> None:
        path = os.path.join(self.inps.work_dir, "configs", config_name)
        write_config(path, sections)
        line = self.inps.text_cmd + "SentinelWrapper.py -c " + path
        processes = self.inps.numProcess if parallel else 1
        if processes == 1:
            self.lines.append(line + "\n")
            return
        self.lines.append(line + " &\n")
        self._block += 1
        if self._block == processes:
            self.lines.append("wait\n\n")
            self._block = 0

    def command(self, text: str) -> None:
        self.lines.append(self.inps.text_cmd + text + "\n")

    def reset_block(self) -> None:
        """Each of Stack.py's writers counts its own lines from zero."""
        self._block = 0


class RunFiles:
    """Numbers the steps as stackSentinel's running counter does and writes each file."""

    def __init__(self, inps: Namespace) -> None:
        self.inps = inps
        self.count = 0
        self.written: list[str] = []
        os.makedirs(os.path.join(inps.work_dir, "run_files"), exist_ok=True)
        os.makedirs(os.path.join(inps.work_dir, "configs"), exist_ok=True)

    def step(self, name: str) -> Step:
        self.count += 1
        return Step(self.inps, f"run_{self.count:02d}_{name}")

    def write(self, step: Step) -> None:
        path = os.path.join(self.inps.work_dir, "run_files", step.name)
        print("writing ", path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(step.lines)
        self.written.append(step.name)
