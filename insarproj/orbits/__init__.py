"""Sentinel-1 orbit files (docs/orbits.md): which file serves a scene, listing the bucket, checking a file.

`select` is pure (sentineleof's naming and selection rule), `listing` reads the S3 bucket of
`INSARPROJ_ORBITS_URL` page by page and only as far as the scenes need, `verify` checks a
downloaded EOF before it is recorded.
"""
