"""The built-in resource kinds (scenes, pairs, HyP3 jobs, products) wired into the engine."""
