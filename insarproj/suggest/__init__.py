"""`insarproj suggest`: which flight direction and relative orbit (and which bursts) suit an AOI.

Read-only: one scene search through a :class:`~insarproj.suggest.sources.SceneSource` (ASF's CMR
today; a second source plugs in by implementing the same protocol), per-track statistics
(``stats``), ranking (``rank``) and, on request, a surgical edit of project.toml's ``[search]``
(``write``). See docs/suggest.md.
"""
