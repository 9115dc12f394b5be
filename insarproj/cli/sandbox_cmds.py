"""`sandbox` and `demo`: the whole job against loopback stand-ins of every service."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from insarproj.cli.main import AppContext


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--faults", metavar="SPEC", help="Faults to inject, e.g. '5xx:0.2,drop:0.1' (see the README).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the catalog and the faults.")
@click.pass_obj
def sandbox(app: AppContext, port: int, faults: str | None, seed: int) -> None:
    """Serve stand-ins of CMR, Earthdata login, ASF downloads, HyP3, orbits and DEM on 127.0.0.1.

    Prints `export INSARPROJ_..._URL=...` lines once listening, so `eval "$(insarproj sandbox &)"`
    style use works; serves until interrupted.
    """
    from insarproj.sandbox.server import serve_forever

    serve_forever(port=port, faults=faults, seed=seed, out=sys.stdout)


COMMANDS = [sandbox]
