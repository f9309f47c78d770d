"""Cost per collocation point as the batch grows (issue 21 item 2: within 1.3x from 2,780 to 44,480).

The Burgers step of experiments/speed_burgers.py (2-20-20-20-1 tanh, Adam, float32,
100 steps per compiled call) with its points multiplied by 1, 4 and 16 (2,780, 11,120,
44,480 points), for the collapsed (default) and nested forward derivative modes. Each
(mode, size) runs in its own subprocess; rounds interleave them; the table gives the
median step time, the cost per point and step, and its ratio to the smallest batch.

    python experiments/speed_scaling.py [--rounds 3] [--write]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from results import median, write_section

FACTORS = (1, 4, 16)
MODES = ("collapsed", "forward")


def child(mode: str, factor: int, windows: int) -> dict:
    from speed_burgers import N_BC, N_IC, N_PDE, run_pinnjax

    out = run_pinnjax(mode, 100 * windows, "burgers", factor)
    return {"ms": out["ms_per_step"], "points": (N_PDE + N_BC + N_IC) * factor}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--windows", type=int, default=5, help="timed windows of 100 steps per run")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.windows)))
        return
    runs: dict = {(m, f): [] for m in MODES for f in FACTORS}
    for _ in range(args.rounds):
        for m, f in runs:
            cmd = [sys.executable, __file__, "--child", m, str(f), "--windows", str(args.windows)]
            out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
            runs[m, f].append(out)
            print(m, f, out, flush=True)
    rows = ["| mode | points | ms/step | µs per point | vs 2,780 points |", "|---|---|---|---|---|"]
    for m in MODES:
        base = None
        for f in FACTORS:
            ms = median([r["ms"] for r in runs[m, f]])
            per = ms * 1e3 / runs[m, f][0]["points"]
            base = base or per
            rows.append(f"| {m} | {runs[m, f][0]['points']:,} | {ms:.2f} | {per:.2f} | {per / base:.2f}x |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section("Speed: cost per point as the batch grows",
                      "Burgers Adam step (2-20-20-20-1 tanh, float32) with 1x, 4x, 16x the benchmark's points; "
                      f"median of {args.rounds} interleaved rounds, each in its own process. Target (issue 21): "
                      "per-point cost within 1.3x from 2,780 to 44,480 points.", table)


if __name__ == "__main__":
    main()
