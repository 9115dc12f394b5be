"""The interferometric pair network: pure functions from dates and [pairs] settings to pairs.

No I/O here (``plot`` writes the one file it is asked for, and imports matplotlib lazily).
"""

from __future__ import annotations

from insarproj.pairs.network import (
    METHODS,
    Network,
    NetworkDate,
    NetworkSettings,
    Pair,
    build_network,
)
from insarproj.pairs.order import connect_early_order
from insarproj.pairs.validate import (
    BurstName,
    contiguity_problems,
    parse_burst_name,
    validate_burst_pair,
    validate_pair,
)

__all__ = [
    "METHODS",
    "BurstName",
    "Network",
    "NetworkDate",
    "NetworkSettings",
    "Pair",
    "build_network",
    "connect_early_order",
    "contiguity_problems",
    "parse_burst_name",
    "validate_burst_pair",
    "validate_pair",
]
