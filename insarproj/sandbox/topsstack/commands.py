"""The commands topsStack's run files hold, as stand-ins that write each step's outputs.

`SentinelWrapper.py -c <config>` reads the config as the real wrapper does (configparser, one
`[Function-N]` section per function) and, for each function, checks its inputs (a missing one ends
in the FileNotFoundError ISCE raises) and writes its outputs as small files at the real paths
(`outputs.py`). The other commands (`subsetReference.py`, `invertMisreg.py`,
`extractCommonValidRegion.py`, `computeIon.py`, `mergeSwathIon.py`, `invertIon.py`) do the same
for what they make; `fetchOrbit.py` fails, as the sandbox is offline. Faults: `faults.py`.
"""

from __future__ import annotations

import argparse
import configparser
import glob
import hashlib
import os
import signal
import sys
import time

from insarproj.sandbox.topsstack import faults, outputs
from insarproj.sandbox.topsstack.safe import unpack_failure


class CommandFailed(Exception):
    """Ends the command as ISCE would: its traceback's last line, exit status 1."""


def read_config(path: str) -> list[tuple[str, dict[str, str]]]:
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    functions = []
    for section in parser.sections()[1:]:
        items = dict(parser.items(section))
        name = next(iter(items))
        del items[name]
        functions.append((name, items))
    return functions


def _baseline_text(path: str) -> str:
    """computeBaseline.py's format (MintPy reads `Bperp (average)`), a value fixed by the pair."""
    seed = int(hashlib.md5(os.path.basename(path).encode()).hexdigest()[:6], 16)
    bperp = (seed % 3000) / 10 - 150
    return "".join(
        f"swath: IW{n}\nBperp (average): {bperp + n:.4f}\nBpar (average): {bperp / 7:.4f}\n"
        for n in (1, 2, 3)
    )


def write_outputs(paths: list[str], label: str) -> None:
    for path in paths:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            if "/baselines/" in path and path.endswith(".txt"):
                handle.write(_baseline_text(path))
            elif path.endswith(".xml"):
                handle.write(
                    f'<imageFile><property name="file_name"><value>{os.path.basename(path[:-4])}</value>'
                    f"</property><!-- insarproj sandbox stand-in: {label} --></imageFile>\n"
                )
            else:
                handle.write(f"insarproj sandbox stand-in output of {label}\n")


def _require(paths: list[str], function: str, values: dict[str, str]) -> None:
    for path in paths:
        if not os.path.exists(path):
            raise CommandFailed(f"FileNotFoundError: [Errno 2] No such file or directory: '{path}'")
    if function == "Sentinel1_TOPS":
        failure = unpack_failure(values["dirname"], values["swaths"], values["pol"])
        if failure:
            raise CommandFailed(failure)


def sentinel_wrapper(argv: list[str]) -> list[tuple[str, dict[str, str]]]:
    parser = argparse.ArgumentParser(prog="SentinelWrapper.py", description="Sentinel Processing Wrapper")
    parser.add_argument("-c", dest="config", required=True)
    parser.add_argument("-s", dest="start", default=None)
    parser.add_argument("-e", dest="end", default=None)
    args = parser.parse_args(argv)
    print("Completed Parsing the Configuration file")
    work: list[tuple[str, dict[str, str]]] = []
    for function, values in read_config(args.config):
        if function not in outputs.MAKES:
            raise CommandFailed(f"ModuleNotFoundError: No module named '{function}'")
        work.append((function, values))
    return work


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _pair_dates(directory: str) -> list[str]:
    """Dates of the `<d1>_<d2>` folders an inversion reads; none is ISCE's FileNotFoundError."""
    names = [os.path.basename(p.rstrip("/")) for p in glob.glob(os.path.join(directory, "*_*"))]
    dates = sorted({d for n in names for d in n.split("_")[:2]})
    if not dates:
        raise CommandFailed(f"FileNotFoundError: [Errno 2] No such file or directory: '{directory}'")
    return dates


def other_command(name: str, argv: list[str]) -> list[str]:
    """Outputs of the commands that are not SentinelWrapper configs."""
    if name == "subsetReference.py":
        ref, geom = _flag(argv, "-m"), _flag(argv, "-g")
        swaths = outputs.swaths_in(ref)
        return [
            p
            for n in swaths
            for p in (
                f"{ref}/overlap/IW{n}_top.xml",
                f"{ref}/overlap/IW{n}_bottom.xml",
                f"{geom}/overlap/IW{n}/hgt_top.rdr",
            )
        ]
    if name == "invertMisreg.py":
        return [os.path.join(_flag(argv, "-o"), d + ".txt") for d in _pair_dates(_flag(argv, "-i"))]
    if name == "extractCommonValidRegion.py":
        ref = _flag(argv, "-m")
        return [
            os.path.join(os.path.dirname(ref.rstrip("/")), "stack", f"IW{n}.xml")
            for n in outputs.swaths_in(ref)
        ]
    if name == "computeIon.py":
        return [_flag(argv, "--ionosphere"), _flag(argv, "--coherence_output")]
    if name == "mergeSwathIon.py":
        out = _flag(argv, "--output")
        return [f"{out}/raw_no_projection.ion", f"{out}/raw_no_projection.cor"]
    if name == "invertIon.py":
        return [os.path.join(_flag(argv, "--odir"), d + ".ion") for d in _pair_dates(_flag(argv, "--idir"))]
    if name == "fetchOrbit.py":
        raise CommandFailed(
            "requests.exceptions.ConnectionError: the insarproj sandbox is offline (no orbit download)"
        )
    raise CommandFailed(f"{name}: not a topsStack command the sandbox stands in for")


def _target(name: str, argv: list[str]) -> str:
    return os.path.basename(_flag(argv, "-c")) if name == "SentinelWrapper.py" and "-c" in argv else name


def _plan_work(name: str, argv: list[str]) -> list[tuple[str, dict[str, str]]]:
    """(function, parameters) in order: a config's sections, or the command itself."""
    if name == "SentinelWrapper.py":
        return sentinel_wrapper(argv)
    return [(name, {})]


def _produce(name: str, argv: list[str], function: str, values: dict[str, str]) -> list[str]:
    if name != "SentinelWrapper.py":
        return other_command(name, argv)
    _require(outputs.needs(function, values), function, values)
    return outputs.makes(function, values)


def _execute(home: str, name: str, argv: list[str], target: str) -> None:
    chosen = faults.faults_for(home, target)
    if "slow" in chosen:
        time.sleep(float(chosen["slow"].arg or 2))
    work = _plan_work(name, argv)
    if "fail" in chosen:
        missing = os.path.join(os.getcwd(), "secondarys", "IW1.xml")
        raise CommandFailed(f"FileNotFoundError: [Errno 2] No such file or directory: '{missing}'")
    if "empty" in chosen:
        print(f"Running: {name} (sandbox fault 'empty': no output written)")
        return
    for index, (function, values) in enumerate(work):
        print(f"Running: {function}")
        made = _produce(name, argv, function, values)  # after the previous function wrote its files
        if "crash" in chosen and index == len(work) - 1:
            write_outputs(made[: len(made) // 2], target)
            faults.log_event(home, "crash", name, target)
            os.kill(os.getpid(), signal.SIGKILL)
        write_outputs(made, target)


def _stack_sentinel(home: str, argv: list[str]) -> None:
    from insarproj.sandbox.topsstack.stacksentinel import run

    faults.log_event(home, "start", "stackSentinel.py", "stackSentinel.py", argv=argv, cwd=os.getcwd())
    try:
        run(argv)
    except SystemExit as stop:
        faults.log_event(home, "end", "stackSentinel.py", "stackSentinel.py", status=stop.code)
        raise
    except Exception:
        faults.log_event(home, "end", "stackSentinel.py", "stackSentinel.py", status=1)
        raise  # Python prints the traceback and exits 1, as the real program does
    faults.log_event(home, "end", "stackSentinel.py", "stackSentinel.py", status=0)


def run_command(home: str, name: str, argv: list[str]) -> int:
    """Run one installed command in this process (tests do this); its exit status."""
    target = _target(name, argv)
    faults.log_event(home, "start", name, target, argv=argv)
    try:
        _execute(home, name, argv, target)
    except CommandFailed as failure:
        print("Traceback (most recent call last):", file=sys.stderr)
        print(f'  File "{name}", line 1, in <module>', file=sys.stderr)
        print(str(failure), file=sys.stderr)
        faults.log_event(home, "end", name, target, outcome="failed", status=1)
        return 1
    faults.log_event(home, "end", name, target, outcome="ok", status=0)
    return 0


def main(script: str) -> None:
    """Entry of every installed command; `script` is the installed file (its folder is home)."""
    home, name, argv = os.path.dirname(os.path.abspath(script)), os.path.basename(script), sys.argv[1:]
    if name == "stackSentinel.py":
        _stack_sentinel(home, argv)
        return
    sys.exit(run_command(home, name, argv))
