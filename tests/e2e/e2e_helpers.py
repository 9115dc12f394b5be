"""Helpers for end-to-end tests: a project pointed at a running sandbox, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from insarproj.sandbox.catalog import DEMO_BBOX

DOWNLOAD_TOML = """\
[project]
name = "{name}"

[aoi]
bbox = [{w}, {s}, {e}, {n}]

[search]
start = {start}
end = {end}
{search_extra}

[pairs]
method = "sbas"
neighbors = 2

[processor]
kind = "{kind}"
{processor_extra}

[download]
concurrency = 3
retries = {retries}

[paths]
data = "data"
{paths_extra}
"""


def write_project(
    root: Path,
    *,
    name: str = "e2e",
    kind: str = "download",
    start: str = "2021-01-01",
    end: str = "2021-02-15",
    search_extra: str = "",
    processor_extra: str = "",
    paths_extra: str = "",
    retries: int = 3,
) -> Path:
    from insarproj.state import StateStore

    root.mkdir(parents=True, exist_ok=True)
    w, s, e, n = DEMO_BBOX
    (root / "project.toml").write_text(
        DOWNLOAD_TOML.format(
            name=name,
            w=w,
            s=s,
            e=e,
            n=n,
            start=start,
            end=end,
            search_extra=search_extra,
            kind=kind,
            processor_extra=processor_extra,
            paths_extra=paths_extra,
            retries=retries,
        )
    )
    StateStore(root / ".insarproj").create()
    return root


def state_of(root: Path) -> dict:
    from insarproj.state import StateStore

    state = StateStore(root / ".insarproj").load()
    return {"resources": state.resources, "inputs": state.inputs, "serial": state.serial}


def cli_subprocess(args: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, "-m", "insarproj", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def run_cli_subprocess(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "insarproj", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def storage_gets(sandbox) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests() if r.path.startswith("/_storage/") and r.method == "GET"]


def dump(obj) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(obj, indent=1, default=str)[:3000]


class SandboxProcess:
    """`insarproj sandbox` as a subprocess: the way users and CI scripts run it."""

    def __init__(self, faults: str | None = None, seed: int = 0, extra: list[str] | None = None) -> None:
        args = [
            sys.executable,
            "-m",
            "insarproj",
            "sandbox",
            "--port",
            "0",
            "--seed",
            str(seed),
            *(extra or []),
        ]
        if faults:
            args += ["--faults", faults]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.env: dict[str, str] = {}
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(
                    "the sandbox exited: " + (self.proc.stderr.read() if self.proc.stderr else "")
                )
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                self.env[key] = value.strip("'\"")
            if "EARTHDATA_TOKEN" in self.env and all(
                k in self.env for k in ("INSARPROJ_CMR_URL", "INSARPROJ_HYP3_URL")
            ):
                break
        self.url = self.env["INSARPROJ_CMR_URL"]

    def request_log(self) -> list[dict]:
        import requests

        return requests.get(self.url + "/_sandbox/log", timeout=10).json()

    def set_faults(self, spec: str) -> None:
        import requests

        requests.post(self.url + "/_sandbox/faults", data=spec, timeout=10).raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def quiesce(sandbox, settle: float = 0.15, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the sandbox's request log stops growing: the server logs a request when it has
    finished answering it, which can be a moment after the client moved on."""
    import time

    deadline = time.monotonic() + timeout
    count = len(sandbox.requests())
    while time.monotonic() < deadline:
        time.sleep(settle)
        now = len(sandbox.requests())
        if now == count:
            return
        count = now


def apply_wait(run_cli, root: Path, *extra: str):  # type: ignore[no-untyped-def]
    """`apply --yes --wait` polling fast, bounded to a minute."""
    return run_cli(
        ["-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "60", *extra]
    )


def isce_project(
    tmp_path: Path,
    faults: str | None = None,
    extra: str = "",
    *,
    coregistration: str = "geometry",
    num_proc: int | None = 2,
) -> tuple[Path, Path]:
    """A one-track ISCE project (three dates) run by the stand-in topsStack installed into
    tmp_path; the project folder and the stand-in's folder. ``extra`` goes at the end of
    [processor.isce] (it may open sub-tables such as [processor.isce.slurm])."""
    from insarproj.sandbox.topsstack.install import install

    home = install(tmp_path / "topsstack", faults=faults)
    proc = f"num_proc = {num_proc}\n" if num_proc is not None else ""
    options = (
        f'[processor.isce]\ntopsstack_dir = "{home}"\n{proc}coregistration = "{coregistration}"\n{extra}'
    )
    root = write_project(
        tmp_path / "p",
        kind="isce",
        end="2021-01-20",
        search_extra="relative_orbits = [64]",
        processor_extra=options,
    )
    return root, home
