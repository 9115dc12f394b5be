"""The sandbox catalog the isce input tests make their scenes from (deterministic, seed 0)."""

from __future__ import annotations

import pytest

from insarproj.sandbox.catalog import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog(seed=0)
