"""The library matrices a discovery's selections read, saved for studying selection rules.

Runs the first half of the default recipe (fit -> select-fit -> smooth -> select) on one
benchmark case and writes both screens' (Θ, lhs), the term names, the truth and the
data-only fit's held-out error to ``OUT/{case}_{noise}_{seed}.npz``. A selection rule can
then be compared on many cases in seconds instead of re-running hour-long discoveries.

    python experiments/selection_probe.py --cases heat_reaction,burgers --noise 0.1 --out /tmp/probe
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from discover_multiscale import MULTISCALE
from discovery_cases import CASES

from pinnjax.discovery.discover import make_setup
from pinnjax.discovery.recipe import Recipe
from pinnjax.discovery.stages import FitData, Screen, Smooth

ALL = {**CASES, **MULTISCALE}


def probe(case, noise: float, seed: int) -> dict:
    data = case.scattered(noise, seed)
    recipe = Recipe((FitData(case.fit_phases, 0.2), Screen(0.05, name="select-fit"), Smooth(case.physics_phases),
                     Screen(0.05)))
    setup = make_setup(case.domain, data, case.network(seed), case.library, recipe, seed=seed, n_collocation=2000)
    state = recipe.run(setup)
    out = {"terms": np.array(case.library.terms), "truth_terms": np.array(list(case.truth)),
           "truth_values": np.array(list(case.truth.values())), "validation_mse": state.validation_mse,
           "n_held": state.n_held, "n_data": len(data)}
    for name, (matrix, _) in zip(("fit", "smooth"), state.screens):
        out[f"theta_{name}"], out[f"y_{name}"] = matrix
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", required=True)
    ap.add_argument("--noise", default="0.1")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--out", default="/tmp/probe")
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    for name in args.cases.split(","):
        for noise in map(float, args.noise.split(",")):
            for seed in map(int, args.seeds.split(",")):
                path = Path(args.out) / f"{name}_{noise:g}_{seed}.npz"
                if path.exists():
                    continue
                t0 = time.perf_counter()
                np.savez(path, **probe(ALL[name], noise, seed))
                print(f"{path.name}: {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
