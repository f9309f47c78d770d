"""Gallery: an equation of state E(V) from noisy energy-volume data, with the equilibrium
volume V0 as a trainable point where the pressure vanishes and the bulk modulus is known.

Truth: the third-order Birch-Murnaghan curve, with eta = (V0/V)^(2/3),

    E(V) = E0 + 9 V0 B0 / 16 * ( (eta - 1)^3 B0' + (eta - 1)^2 (6 - 4 eta) ),

in reduced units of an aluminium-like solid (V0 = 16.5 A^3/atom, B0 = 76 GPa, B0' = 4.5,
cohesive energy 3.4 eV): volume in units of V0 and energy in units of B0 V0 = 7.8 eV, so
V0 = 1, B0 = 1, B0' = 4.5, E0 = -0.43. The data: 25 volumes evenly on [0.9, 1.1] V0 with
Gaussian noise of standard deviation SIGMA = 1e-4 (0.8 meV/atom, a typical DFT convergence
noise), drawn with ``numpy.random.default_rng(seed)``; seed 0 is the committed
configs/gallery/data/equation_of_state.csv (the script checks it, or writes it with
--write-data). The energy varies by only 6e-3 over the data range and by 0.09 over the
fitting domain [0.7, 1.4] V0.

Four fits per noise seed (seeds 0-4 unless --seeds):
  constrained    configs/gallery/equation_of_state.yaml: the data term; -E_V = 0 at V = V0,
                 V0 a trainable coefficient (the point moves with it); V E_VV = B0 there,
                 B0 = 1 a constant (the bulk modulus taken as known).
  constrained + stability  the same, plus E_VV >= 0 on 256 points of the domain (mechanical
                 stability; true on [0.7, 1.4], the Birch-Murnaghan spinodal is at 1.58 V0).
  data only      the same network, seed and phases, the data term alone.
  Birch-Murnaghan  scipy.optimize.curve_fit of the four parameters (E0, V0, B0, B0'),
                 started from a parabola fit.
For each: V0 as the argmin of the fitted curve in the data range (a grid of step 1e-5, then
Newton steps on E_V / E_VV), whether the argmin on the whole domain [0.7, 1.4] is the same
point, B0 as V0 E''(V0) of the fitted curve there, and the largest |E - E_true| on [0.7, 0.9]
(compression), [0.9, 1.1] (the data) and [1.1, 1.4] (expansion), on 2,001 points each. The
table gives the median, smallest and largest over seeds; the targets: V0 and B0 of the
constrained fit within 1% of the truth.

    python experiments/gallery_equation_of_state.py [--seeds 0 1 2 3 4] [--adam N --bfgs N] [--write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import median, write_section

CONFIG = HERE.parent / "configs" / "gallery" / "equation_of_state.yaml"
DATA = CONFIG.parent / "data" / "equation_of_state.csv"
TRUTH = {"E0": -0.43, "V0": 1.0, "B0": 1.0, "B0p": 4.5}
SIGMA = 1e-4  # noise, in units of B0 V0
N_DATA, DATA_RANGE, DOMAIN = 25, (0.9, 1.1), (0.7, 1.4)
REGIONS = {"compression [0.7, 0.9]": (0.7, 0.9), "data [0.9, 1.1]": (0.9, 1.1), "expansion [1.1, 1.4]": (1.1, 1.4)}


def birch_murnaghan(v, e0, v0, b0, b0p):
    """Third-order Birch-Murnaghan energy at volume ``v``."""
    eta = (v0 / np.asarray(v, dtype=float)) ** (2.0 / 3.0)
    return e0 + 9.0 * v0 * b0 / 16.0 * ((eta - 1) ** 3 * b0p + (eta - 1) ** 2 * (6 - 4 * eta))


def true_energy(v):
    return birch_murnaghan(v, TRUTH["E0"], TRUTH["V0"], TRUTH["B0"], TRUTH["B0p"])


def make_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The noisy data of one seed: volumes evenly on DATA_RANGE, E_true + N(0, SIGMA^2)."""
    v = np.linspace(*DATA_RANGE, N_DATA)
    return v, true_energy(v) + np.random.default_rng(seed).normal(0.0, SIGMA, N_DATA)


def write_csv(path: Path, v: np.ndarray, e: np.ndarray) -> None:
    path.write_text("V,E\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(v.tolist(), e.tolist())))


def check_committed_data() -> None:
    v, e = make_data(0)
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    if table.shape != (N_DATA, 2) or not np.array_equal(table, np.column_stack([v, e])):
        raise SystemExit(f"{DATA} differs from make_data(0); rewrite it with --write-data")


def fit_birch_murnaghan(v, e) -> dict:
    """Least squares of the four parameters, started from a parabola through the data."""
    from scipy.optimize import curve_fit

    c2, c1, c0 = np.polyfit(v, e, 2)
    v0 = -c1 / (2 * c2)
    start = [c0 - c1**2 / (4 * c2), v0, 2 * c2 * v0, 4.0]
    p, _ = curve_fit(birch_murnaghan, v, e, p0=start, maxfev=20000)
    return dict(zip(("E0", "V0", "B0", "B0p"), p))


def bm_derivatives(v, p):
    """E_V and E_VV of a Birch-Murnaghan curve, by the closed form in eta."""
    v0, b0, b0p = p["V0"], p["B0"], p["B0p"]
    eta = (v0 / v) ** (2.0 / 3.0)
    deta = -2.0 / 3.0 * eta / v
    d2eta = 10.0 / 9.0 * eta / v**2
    k = 9.0 * v0 * b0 / 16.0
    f1 = 3 * (eta - 1) ** 2 * b0p + 2 * (eta - 1) * (6 - 4 * eta) - 4 * (eta - 1) ** 2  # d/d eta
    f2 = 6 * (eta - 1) * b0p + 2 * (6 - 4 * eta) - 16 * (eta - 1)  # d2/d eta2
    return k * f1 * deta, k * (f2 * deta**2 + f1 * d2eta)


STABILITY = {"type": "inequality", "name": "stability", "constraint": "E_VV >= 0", "points": 256}
VARIANTS = ("constrained", "constrained + stability", "data only")


def overrides_for(csv: Path, variant: str, adam: int | None, bfgs: int | None) -> list[str]:
    """The config's terms with the data file ``csv``: all of them (constrained), plus the
    stability inequality E_VV >= 0 on the domain, or the data term alone (and no V0)."""
    import yaml

    terms = yaml.safe_load(CONFIG.read_text())["terms"]
    for t in terms:
        if t["type"] == "data":
            t["file"] = str(csv)
    if variant == "constrained + stability":
        terms.append(STABILITY)
    elif variant == "data only":
        terms = [t for t in terms if t["type"] == "data"]
    out = ["terms=" + yaml.safe_dump(terms, default_flow_style=True, width=10_000).strip()]
    out += ["coefficients={}"] if variant == "data only" else []
    out += [f"training.phases.0.steps={adam}"] if adam else []
    out += [f"training.phases.1.steps={bfgs}"] if bfgs else []
    return out


def train(csv: Path, variant: str, adam: int | None = None, bfgs: int | None = None):
    import jax

    import pinnjax as pj
    from pinnjax.config import build_experiment, load_config

    exp = build_experiment(load_config(CONFIG, overrides_for(csv, variant, adam, bfgs)), base_dir=CONFIG.parent)
    with jax.enable_x64(exp.dtype == "float64"):
        t0 = time.perf_counter()
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
        wall = time.perf_counter() - t0
    return result, wall


def network_curve(result):
    """(E, E_V, E_VV) of the trained network as functions of a 1-D array of volumes."""
    def f(v):
        out = result.predict(np.asarray(v, dtype=float)[:, None], ["E", "E_V", "E_VV"])
        return out["E"], out["E_V"], out["E_VV"]
    return f


def bm_curve(p):
    def f(v):
        d1, d2 = bm_derivatives(np.asarray(v, dtype=float), p)
        return birch_murnaghan(v, p["E0"], p["V0"], p["B0"], p["B0p"]), d1, d2
    return f


def assess(curve) -> dict:
    """The fitted curve against the truth: V0 as the minimum in the data range (a grid of
    step 1e-5, then Newton steps on E_V / E_VV) and as the minimum on the whole domain (a
    grid of step 1e-5), B0 = V0 E''(V0) at the first, and the largest |E - E_true| on each
    region (2,001 points)."""
    grid = np.linspace(*DATA_RANGE, 20_001)
    v0 = grid[int(np.argmin(curve(grid)[0]))]
    for _ in range(5):
        _, d1, d2 = curve(np.array([v0]))
        if d2[0] > 0 and DATA_RANGE[0] < v0 - d1[0] / d2[0] < DATA_RANGE[1]:
            v0 = v0 - d1[0] / d2[0]
    _, d1, d2 = curve(np.array([v0]))
    wide = np.linspace(*DOMAIN, 70_001)
    out = {"V0": float(v0), "B0": float(v0 * d2[0]), "slope_at_V0": float(d1[0]),
           "global V0": float(wide[int(np.argmin(curve(wide)[0]))])}
    for name, (a, b) in REGIONS.items():
        v = np.linspace(a, b, 2001)
        out[name] = float(np.max(np.abs(curve(v)[0] - true_energy(v))))
    return out


def run_seed(seed: int, tmp: Path, adam, bfgs) -> dict:
    v, e = make_data(seed)
    csv = tmp / f"eos_seed{seed}.csv"
    write_csv(csv, v, e)
    rows = {}
    for label in VARIANTS:
        result, wall = train(csv, label, adam, bfgs)
        rows[label] = {**assess(network_curve(result)), "wall": wall,
                       "coefficient V0": result.coefficients.get("V0", float("nan")),
                       "losses": result.final_losses}
    t0 = time.perf_counter()
    p = fit_birch_murnaghan(v, e)
    rows["Birch-Murnaghan fit"] = {**assess(bm_curve(p)), "wall": time.perf_counter() - t0, "B0p": p["B0p"]}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="noise seeds")
    parser.add_argument("--adam", type=int, help="Adam steps (default: the config's)")
    parser.add_argument("--bfgs", type=int, help="BFGS steps (default: the config's)")
    parser.add_argument("--write-data", action="store_true", help=f"(re)write {DATA.name} from seed 0 and stop")
    parser.add_argument("--write", action="store_true",
                        help="write the section 'Gallery: equation of state' of RESULTS.md")
    args = parser.parse_args()

    if args.write_data:
        write_csv(DATA, *make_data(0))
        print(f"wrote {DATA}")
        return
    check_committed_data()
    print(f"truth: {TRUTH}; data: {N_DATA} points on {DATA_RANGE}, noise sigma {SIGMA:g}")

    per_seed = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            per_seed[seed] = run_seed(seed, Path(tmp), args.adam, args.bfgs)
            for label, r in per_seed[seed].items():
                extra = f", coefficient V0 {r['coefficient V0']:.6f}" if "coefficient V0" in r else ""
                extra += f", B0' {r['B0p']:.3f}" if "B0p" in r else ""
                print(f"seed {seed} {label:<24} V0 {r['V0']:.6f} (whole domain {r['global V0']:.4f})  B0 {r['B0']:.5f}  "
                      + "  ".join(f"{k.split()[0]} {r[k]:.1e}" for k in REGIONS)
                      + f"  ({r['wall']:.0f} s{extra})")
                if "losses" in r:
                    print("    final losses: " + ", ".join(f"{k} {v:.1e}" for k, v in r["losses"].items()))

    labels = list(per_seed[args.seeds[0]])
    keys = ("V0", "B0", "wall", *REGIONS)
    med = {lab: {k: median([per_seed[s][lab][k] for s in args.seeds]) for k in keys} for lab in labels}
    at_v0 = {lab: sum(abs(per_seed[s][lab]["global V0"] - per_seed[s][lab]["V0"]) < 1e-3 for s in args.seeds)
             for lab in labels}
    cons = [per_seed[s]["constrained"] for s in args.seeds]
    rel = {"V0 (coefficient)": [abs(r["coefficient V0"] - TRUTH["V0"]) / TRUTH["V0"] for r in cons],
           "V0 (minimum in the data range)": [abs(r["V0"] - TRUTH["V0"]) / TRUTH["V0"] for r in cons],
           "B0": [abs(r["B0"] - TRUTH["B0"]) / TRUTH["B0"] for r in cons]}
    worst = max(max(v) for v in rel.values())
    verdict = "within" if worst < 0.01 else "NOT within"
    n = len(args.seeds)
    print("constrained, largest relative error over seeds: " + ", ".join(f"{k} {max(v):.1e}" for k, v in rel.items())
          + f"; every seed {verdict} 1%; the minimum on the whole domain [0.7, 1.4] is the one at V0 in "
          f"{at_v0['constrained']} of {n} seeds")
    for lab in labels:
        m = med[lab]
        print(f"median {lab:<24} V0 {m['V0']:.5f}  B0 {m['B0']:.4f}  global minimum at V0 {at_v0[lab]}/{n}  "
              + "  ".join(f"{k} {m[k]:.1e}" for k in REGIONS) + f"  wall {m['wall']:.1f} s")

    if args.write:
        import yaml

        phases = yaml.safe_load(CONFIG.read_text())["training"]["phases"]
        steps = [args.adam or phases[0]["steps"], args.bfgs or phases[1]["steps"]]

        def cell(lab, k, fmt):
            values = [per_seed[s][lab][k] for s in args.seeds]
            return f"{fmt.format(median(values))} [{fmt.format(min(values))} – {fmt.format(max(values))}]"

        rows = [("| fit | V0: minimum in [0.9, 1.1] | minimum on [0.7, 1.4] at V0 | B0 = V0 E''(V0) "
                 "| max abs error on [0.7, 0.9] | on [0.9, 1.1] (data) | on [1.1, 1.4] | wall |"),
                "|---|---|---|---|---|---|---|---|"]
        for lab in labels:
            rows.append(f"| {lab} | {cell(lab, 'V0', '{:.4f}')} | {at_v0[lab]} of {n} | {cell(lab, 'B0', '{:.3f}')} | "
                        + " | ".join(cell(lab, k, "{:.1e}") for k in REGIONS) + f" | {med[lab]['wall']:.0f} s |")
        rows.append(f"| truth | {TRUTH['V0']:.4f} | | {TRUTH['B0']:.3f} | 0 | 0 | 0 | |")
        write_section(
            "Gallery: equation of state",
            f"Energy-volume data from a Birch-Murnaghan curve (reduced units, V0 = 1, B0 = 1, B0' = 4.5; {N_DATA} "
            f"volumes on [0.9, 1.1], Gaussian noise σ = {SIGMA:g}, noise seeds {', '.join(map(str, args.seeds))}) "
            f"fitted on [0.7, 1.4]. *constrained*: configs/gallery/equation_of_state.yaml (float64, Adam {steps[0]} + "
            f"BFGS {steps[1]}): the data, -E_V = 0 at the trainable point V = V0 and V E_VV = B0 there; *+ stability*: "
            f"also E_VV >= 0 on the domain; *data only*: the same network and budget on the data alone; "
            f"*Birch-Murnaghan fit*: scipy curve_fit of E0, V0, B0, B0'. Median [smallest – largest] over the seeds. "
            f"Constrained fit, largest error over seeds: trained coefficient V0 {max(rel['V0 (coefficient)']):.1e}, "
            f"minimum {max(rel['V0 (minimum in the data range)']):.1e}, B0 {max(rel['B0']):.1e} relative: "
            f"{verdict} the 1% target; but its curve has a lower minimum elsewhere on [0.7, 1.4] in "
            f"{n - at_v0['constrained']} of {n} seeds, and none of the networks extrapolates like the 4-parameter fit.",
            "\n".join(rows),
        )


if __name__ == "__main__":
    main()
