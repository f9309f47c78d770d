"""Discover Burgers' equation with the shipped config, configs/discovery/burgers.yaml.

2,000 scattered points of the exact (Hopf-Cole) solution; library u^p times spatial
derivatives up to 3rd order (p <= 2), 12 candidates; the config's recipe (the library's
default stages: fit -> select-fit -> smooth -> select -> physics -> polish -> widen).
Reports the selected terms, the coefficient errors (truth: u_t = -u u_x + 0.01/pi u_xx) and
what ``PDEDiscovery.print`` shows (the output the README quotes). Noise and seed are the
config's ``data.noise`` and ``seeds``; experiments/discover_noise.py runs the noise study.

    python experiments/discover_burgers.py [--noise 0.0] [--seed 0] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section  # noqa: E402

from pinnjax.config import load_discovery  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "discovery" / "burgers.yaml"
TRUTH = {"u*u_x": -1.0, "u_xx": 0.01 / math.pi}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--noise", type=float, default=0.0, help="Gaussian noise, fraction of std(u)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    exp = load_discovery(CONFIG, [f"data.noise={args.noise}", f"seeds=[{args.seed}]"])
    model = exp.estimator()
    t0 = time.perf_counter()
    model.fit(exp.data)
    wall = time.perf_counter() - t0
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        model.print()
    print(shown.getvalue())
    found = model.coefficients()
    right = set(found) == set(TRUTH)
    errors = ", ".join(f"{t}: {abs(found[t] - c) / abs(c) * 100:.3f}%" for t, c in TRUTH.items() if t in found)
    row = (f"| {args.noise:.0%} | {args.seed} | {model.equations()[0]} | {'yes' if right else 'no'} | {errors} "
           f"| {wall:.0f} |")
    table = "| noise | seed | discovered | right terms | coefficient errors | wall s |\n|---|---|---|---|---|---|\n" + row
    print(f"recipe: {exp.recipe}\n{table}")
    if args.write:
        write_section(
            "Discovery: Burgers",
            "Burgers' equation (truth u_t = -u u_x + 0.01/pi u_xx) discovered by configs/discovery/burgers.yaml "
            f"(recipe {exp.recipe}) from 2,000 random points of the Hopf-Cole solution, {len(exp.library)}-term "
            "library (u^p x derivatives to 3rd order, p <= 2); errors in % of the true coefficients.",
            table,
        )


if __name__ == "__main__":
    main()
