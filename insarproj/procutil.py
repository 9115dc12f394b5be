"""Processes insarproj deals with: whether a process id is in use (one answer for the sandbox's pid
file and the ISCE executor), and the environment the programs it starts get."""

from __future__ import annotations

import os
from collections.abc import Mapping

# Every secret insarproj reads from the environment (transfer/credentials.py, cdse/auth.py; a test
# keeps the lists equal). Kept out of the programs it starts: sbatch hands its environment to the
# job and slurmctld keeps a copy; topsStack and MintPy need none of them.
SECRET_ENV_VARS = frozenset({"EARTHDATA_TOKEN", "EARTHDATA_PASSWORD", "CDSE_PASSWORD", "CDSE_TOTP"})


def env_without_secrets(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's environment) minus every secret insarproj reads."""
    return {k: v for k, v in (os.environ if env is None else env).items() if k not in SECRET_ENV_VARS}


def pid_exists(pid: int) -> bool:
    """True while some process has ``pid`` (signal 0 probes without signalling; a process of
    another user answers PermissionError, which still means it exists). Callers that must know it
    is *their* process check more (the ISCE executor compares the kernel's start time)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
