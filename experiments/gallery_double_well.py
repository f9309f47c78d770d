"""Gallery: the double well, three eigenvalues trained by a PINN against finite differences.

    -1/2 psi'' + 2.5 (x^2 - 1)^2 psi = E psi,  x in [-5, 5],  psi(-5) = psi(5) = 0.

The reference: second-order central differences on N interior points (a symmetric
tridiagonal matrix, ``scipy.linalg.eigh_tridiagonal``, the lowest three eigenvalues), at
N = 4000 and 2N; their Richardson extrapolation (4 E_2N - E_N) / 3 cancels the h^2 error.
The script prints the plain N and 2N values, the extrapolation, and the change of the
extrapolation from (N/2, N) to (N, 2N) as its convergence (it must be < 1e-6 relative).

The PINN: configs/gallery/double_well.yaml through the Python API
(``build_experiment(load_config(path))``, then ``pinnjax.solve``), each E_i printed against
the reference with its relative error (target: < 1e-3).

    python experiments/gallery_double_well.py [--adam 3000 --bfgs 3000] [--n 4000] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section  # noqa: E402

CONFIG = HERE.parent / "configs" / "gallery" / "double_well.yaml"
A, L, STATES = 2.5, 5.0, 3  # well depth, half-width of the box, states


def finite_differences(n: int, a: float = A, half: float = L, k: int = STATES) -> np.ndarray:
    """The ``k`` lowest eigenvalues of -1/2 d²/dx² + a (x² - 1)² with psi(±half) = 0, by
    second-order central differences on ``n`` interior points."""
    from scipy.linalg import eigh_tridiagonal

    x = np.linspace(-half, half, n + 2)[1:-1]
    h = x[1] - x[0]
    diagonal = 1.0 / h**2 + a * (x**2 - 1) ** 2
    off = np.full(n - 1, -0.5 / h**2)
    return eigh_tridiagonal(diagonal, off, eigvals_only=True, select="i", select_range=(0, k - 1))


def reference(n: int) -> dict:
    """Plain values at n and 2n, the Richardson extrapolation, and its relative change."""
    coarse, plain, fine = (finite_differences(m) for m in (n // 2, n, 2 * n))
    extrapolated = (4 * fine - plain) / 3
    previous = (4 * plain - coarse) / 3
    change = np.abs(extrapolated - previous) / np.abs(extrapolated)
    return {"n": n, "plain": plain, "fine": fine, "E": extrapolated, "change": change}


def train(adam: int | None, bfgs: int | None) -> tuple[dict, float, dict]:
    import jax

    import pinnjax as pj
    from pinnjax.config import build_experiment, load_config

    overrides = [f"training.phases.0.steps={adam}"] if adam else []
    overrides += [f"training.phases.1.steps={bfgs}"] if bfgs else []
    exp = build_experiment(load_config(CONFIG, overrides), base_dir=CONFIG.parent)
    with jax.enable_x64(exp.dtype == "float64"):
        t0 = time.perf_counter()
        result = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
        wall = time.perf_counter() - t0
    return result.coefficients, wall, result.final_losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adam", type=int, help="Adam steps (default: the config's)")
    parser.add_argument("--bfgs", type=int, help="BFGS steps (default: the config's)")
    parser.add_argument("--n", type=int, default=4000, help="finite-difference interior points")
    parser.add_argument("--write", action="store_true", help="write the section 'Gallery: double well' of RESULTS.md")
    args = parser.parse_args()

    ref = reference(args.n)
    print(f"finite differences, N = {ref['n']}: {np.array2string(ref['plain'], precision=8)}")
    print(f"finite differences, N = {2 * ref['n']}: {np.array2string(ref['fine'], precision=8)}")
    print(f"Richardson extrapolation: {np.array2string(ref['E'], precision=10)} "
          f"(relative change from N/2, N: {ref['change'].max():.1e})")
    if ref["change"].max() >= 1e-6:
        print(f"warning: the reference is not converged to 1e-6; raise --n (now {args.n})")

    coefficients, wall, losses = train(args.adam, args.bfgs)
    print(f"PINN trained in {wall:.0f} s; final losses: "
          + ", ".join(f"{k} {v:.1e}" for k, v in losses.items()))
    rows = ["| state | PINN E | finite differences E | relative error |", "|---|---|---|---|"]
    errors = []
    for i, exact in enumerate(ref["E"]):
        got = coefficients[f"E{i}"]
        errors.append(abs(got - exact) / abs(exact))
        rows.append(f"| {i} | {got:.6f} | {exact:.6f} | {errors[-1]:.1e} |")
        print(f"E{i}: PINN {got:.8f}   finite differences {exact:.8f}   relative error {errors[-1]:.2e}")
    verdict = "all within" if max(errors) < 1e-3 else "NOT all within"
    print(f"{verdict} 1e-3 relative (largest {max(errors):.1e}); wall {wall:.0f} s")
    if args.write:
        import yaml

        phases = yaml.safe_load(CONFIG.read_text())["training"]["phases"]
        steps = [args.adam or phases[0]["steps"], args.bfgs or phases[1]["steps"]]
        table = "\n".join(rows)
        write_section(
            "Gallery: double well",
            f"-½ψ'' + 2.5 (x² − 1)² ψ = E ψ on [−5, 5], ψ(±5) = 0: the three lowest eigenvalues as trainable "
            f"coefficients of configs/gallery/double_well.yaml (float64, Adam {steps[0]} + BFGS {steps[1]} steps, "
            f"{wall:.0f} s wall including compilation) against second-order finite differences at N = {args.n} "
            f"and {2 * args.n}, Richardson-extrapolated (converged to {ref['change'].max():.0e} relative).",
            table,
        )


if __name__ == "__main__":
    main()
