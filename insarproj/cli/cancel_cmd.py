"""`insarproj cancel`: stop the project's SLURM arrays (docs/slurm.md "Cancelling")."""

from __future__ import annotations

import click

from insarproj.cli.context import AppContext


@click.command()
@click.option(
    "--target", "targets", multiple=True, help="Only these steps (address or prefix, e.g. isce_step.A064)."
)
@click.option(
    "--lock-timeout", type=float, default=0.0, show_default=True, help="Seconds to wait for the lock."
)
@click.pass_obj
def cancel(app: AppContext, targets: tuple[str, ...], lock_timeout: float) -> int:
    """Cancel the project's queued and running SLURM jobs (scancel by job id) and record it.

    A later `insarproj apply` submits again what they had not finished."""
    from insarproj.kinds.isce_slurm_cancel import cancel_arrays
    from insarproj.lock import ProjectLock

    workspace = app.workspace()
    lock = ProjectLock(workspace.state_dir, command="insarproj cancel", timeout=lock_timeout)
    with lock, workspace.store.open_writer() as writer:
        result = cancel_arrays(writer, targets)
    if not result.steps:
        app.info("No SLURM job of this project is queued or running.")
        return 0
    for address, jobs in result.steps.items():
        more = f" and {len(jobs) - 5} more" if len(jobs) > 5 else ""
        app.info(f"cancelled {address}: SLURM job(s) {', '.join(jobs[:5])}{more}")
    count = sum(len(jobs) for jobs in result.steps.values())
    app.info(f"Cancelled {count} SLURM job(s) of {len(result.steps)} step(s); `insarproj apply` resumes.")
    return 0


COMMANDS = [cancel]
