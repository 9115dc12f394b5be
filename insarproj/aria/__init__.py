"""ARIA Sentinel-1 GUNW products as a processor (docs/aria.md): names, catalogue search, the
choice of products per stack, the netCDF-4 layout check and the long-term-storage protocol.

No engine or CLI imports here: the resource kinds in insarproj/kinds/aria*.py use this package.
"""
