#!/usr/bin/env python3
"""Run the shared peer benchmark with the ``llmlens`` configuration beside
the peer instrumentations that are installed, when it is present.

The peer benchmark lives outside this repository, in ``shared/bench/``
beside the checkout (``../shared/bench/peer_overhead.py`` from the repo
root). Without it this prints why and exits 0, so ``tox -e bench`` still
reports llmlens' own figures. Extra arguments go to the peer benchmark.

    python bench/peers.py [--rounds 5] [--k 400] [--k-stream 100]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_SCRIPT = ROOT.parent / "shared" / "bench" / "peer_overhead.py"
DEFAULTS = ["--rounds", "5", "--k", "400", "--k-stream", "100", "--start-reps", "3"]


def main(argv: list[str]) -> int:
    if not PEER_SCRIPT.is_file():
        print(f"\nPeers: skipped, the peer benchmark is not present "
              f"(expected shared/bench/peer_overhead.py beside the repository: {PEER_SCRIPT})")
        return 0
    print("\nPeers (shared/bench/peer_overhead.py: llmlens beside the installed peers; "
          "configurations whose packages are missing are skipped by the script):", flush=True)
    with tempfile.TemporaryDirectory() as out:
        args = argv or DEFAULTS
        command = [sys.executable, str(PEER_SCRIPT), *args,
                   "--log-dir", str(Path(out) / "logs"),
                   "--json-out", str(Path(out) / "peers.json"),
                   "--md-out", str(Path(out) / "peers.md")]
        # the script prints its own tables
        done = subprocess.run(command, check=False)
    if done.returncode != 0:
        print(f"Peers: the peer benchmark exited with {done.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
