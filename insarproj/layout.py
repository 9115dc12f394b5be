"""The names of a project folder's fixed parts, spelled once (docs/project-folder.md).

A ground module: it imports nothing of insarproj, so every layer (config, state, workspace, the CLI)
can take the names from here instead of spelling them again.
"""

from __future__ import annotations

# The machine-managed folder: state.json, the journal, observations, the lock.
STATE_DIR = ".insarproj"
# The declaration the user edits.
PROJECT_FILE = "project.toml"
# Data folders the kinds write under the project's data directory.
SLC_DIR = "slc"
BURST_DIR = "bursts"
PRODUCTS_DIR = "products"
