"""How long `pinnjax run` takes to start training, without and with JAX's persistent
compilation cache (issue 21 item 3).

The CLI keeps the cache in ``$PINNJAX_CACHE_DIR`` (default ``~/.cache/pinnjax/xla``;
``PINNJAX_NO_CACHE=1`` turns it off). Each round runs configs/burgers.yaml (Adam then BFGS,
float64) cut to 100 + 100 steps, so the wall time is launch + build + compile + two
chunks: (a) without the cache, (b) with an empty cache directory (compiles and writes it),
(c) again with that directory (reads it). Rounds interleave the three; medians over rounds.

    python experiments/compile_cache.py [--rounds 3] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import write_section

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "pinnjax.cli", "run", str(ROOT / "configs" / "burgers.yaml"),
           "training.phases.0.steps=100", "training.phases.1.steps=100", "--quiet"]


def timed(env: dict, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(COMMAND + ["--out", str(out)], env={**os.environ, **env}, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    walls = {"no cache": [], "empty cache (first run)": [], "warm cache (second run)": []}
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            walls["no cache"].append(timed({"PINNJAX_NO_CACHE": "1"}, tmp / "a"))
            cache = {"PINNJAX_CACHE_DIR": str(tmp / "cache")}
            walls["empty cache (first run)"].append(timed(cache, tmp / "b"))
            walls["warm cache (second run)"].append(timed(cache, tmp / "c"))
    base = statistics.median(walls["no cache"])
    rows = [f"| {k} | {statistics.median(v):.1f} | {', '.join(f'{w:.1f}' for w in v)} | {base / statistics.median(v):.2f} |"
            for k, v in walls.items()]
    table = "\n".join(["| pinnjax run | wall s (median) | rounds | speed-up vs no cache |", "|---|---|---|---|", *rows])
    print(table)
    if args.write:
        write_section("Speed: start-up with the compilation cache",
                      "`pinnjax run configs/burgers.yaml` cut to 100 Adam + 100 BFGS steps (float64, 2 chunks of "
                      "training): launch to exit without JAX's persistent compilation cache, filling an empty one, "
                      "and reading it on the second run.", table)


if __name__ == "__main__":
    main()
