"""A stand-in smallbaselineApp.py for the run's e2e tests (the real MintPy has its own test,
test_mintpy_real_e2e.py): it reads the cfg's unwFile glob, and like MintPy's update mode reuses an
existing inputs/ifgramStack.h5, so a run that is not a clean load shows stale inputs."""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPT = r"""
import glob, hashlib, json, os, re, sys, time
cfg = sys.argv[1]
end = sys.argv[sys.argv.index("--end") + 1]
print("fake smallbaselineApp.py", cfg, "--end", end, "pid", os.getpid(), flush=True)
if os.environ.get("FAKE_MINTPY_FAIL"):
    print("ValueError: the fake was told to fail", flush=True)
    sys.exit(1)
unw = re.search(r"^mintpy.load.unwFile = (.+)$", open(cfg).read(), re.M).group(1)
os.makedirs("inputs", exist_ok=True)
if not os.path.exists("inputs/ifgramStack.h5"):
    files = sorted(glob.glob(unw))
    digest = hashlib.sha256(b"".join(open(f, "rb").read() for f in files)).hexdigest()
    with open("inputs/ifgramStack.h5", "w") as out:
        out.write(json.dumps({"files": [os.path.basename(f) for f in files], "digest": digest}))
for _ in range(int(float(os.environ.get("FAKE_MINTPY_SLEEP", "0")) * 20)):
    time.sleep(0.05)
stack = open("inputs/ifgramStack.h5").read()
open("timeseries.h5", "w").write("timeseries " + stack)
open("velocity.h5", "w").write("velocity " + stack)
print("fake MintPy done", flush=True)
"""


def write_fake_mintpy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "smallbaselineApp.py"
    path.write_text(f"#!{sys.executable}\n{SCRIPT}")
    path.chmod(0o755)
    return path
