"""`insarproj show --plots DIR`: pictures and GeoJSON of the recorded project (docs/plots.md).

Read-only and offline: everything comes from state, the pinned search, the observed cache and
files already on disk; nothing is written outside DIR and no request is made. matplotlib (the
`plot` extra) is imported only here, when plots are asked for.
"""
