"""The planner refuses two desired resources of one kind at one address, naming the first."""

from __future__ import annotations

import pytest

from insarproj.engine.planner import PlanError, _unique_addresses

ROWS = [
    ("none", [], None),
    ("distinct", ["pair.A.1", "pair.A.2", "pair.B.1"], None),
    ("one twice", ["pair.A.1", "pair.A.2", "pair.A.1"], "pair.A.1"),
    ("the first repeated is named", ["pair.A.2", "pair.A.1", "pair.A.1", "pair.A.2"], "pair.A.1"),
]


@pytest.mark.parametrize(("addresses", "shared"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_addresses_are_unique_or_the_shared_one_is_named(addresses: list[str], shared: str | None) -> None:
    if shared is None:
        assert _unique_addresses("pair", addresses) == set(addresses)
    else:
        with pytest.raises(PlanError, match=f"two pair resources share the address {shared}$"):
            _unique_addresses("pair", addresses)
