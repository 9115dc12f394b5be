"""The SLURM executor of topsStack steps: each step a job array of its not-yet-done commands,
chained with afterok dependencies, adopted after a crash (docs/slurm.md)."""
