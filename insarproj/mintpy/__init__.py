"""The MintPy hand-off of a stack's HyP3 products (docs/mintpy.md): pure logic and rasterio."""
