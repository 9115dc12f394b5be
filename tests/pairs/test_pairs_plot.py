"""plot_network: draws every stack, and explains how to get matplotlib when it is missing."""

from __future__ import annotations

import sys

import pytest
from pairs_helpers import day, make_dates

from insarproj.errors import InsarprojError
from insarproj.pairs import NetworkSettings, build_network
from insarproj.pairs.plot import plot_network


def _networks():
    a_dates = make_dates([0, 12, 24, 36, 365, 377, 600], [0, 40, None, -30, 15, 60, 10])
    a = build_network(
        "A064",
        a_dates,
        NetworkSettings(
            bridges=(365,), include_pairs=((day(12), day(365)),), exclude_pairs=((day(0), day(12)),)
        ),
    )
    d_dates = make_dates([5, 17, 29])
    d = build_network("D087", d_dates, NetworkSettings(method="sequential"))
    return [a, d], {"A064": a_dates, "D087": d_dates}


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml")])
def test_plot_writes_the_file(tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    networks, dates = _networks()
    assert {p.origin for p in networks[0].pairs} >= {"sbas", "bridge", "include"}
    assert networks[0].isolated == (day(600),)
    path = tmp_path / f"network{suffix}"
    plot_network(networks, dates, path)
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # written atomically, no leftovers


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    networks, dates = _networks()
    with pytest.raises(InsarprojError, match=r"install the plot extra: pip install 'insarproj\[plot\]'"):
        plot_network(networks, dates, tmp_path / "network.png")
    assert not (tmp_path / "network.png").exists()


def test_plot_of_nothing_is_refused(tmp_path):
    pytest.importorskip("matplotlib")
    with pytest.raises(InsarprojError, match="no pair network to plot"):
        plot_network([], {}, tmp_path / "network.png")
