"""Gallery: Schrödinger–Poisson, two occupied states and their own potential, by a PINN
against a self-consistent finite-difference solver.

    -1/2 psi_i'' + phi psi_i = E_i psi_i   (i = 0, 1),     -phi'' = 10 (psi0^2 + psi1^2),

on x in [0, 1], psi_i = phi = 0 at both ends, ∫ psi_i^2 = 1, ∫ psi0 psi1 = 0. The density is
positive, so phi > 0 and raises both levels above the bare box's (n + 1)^2 pi^2 / 2.

The reference (this script, independent of pinnjax): second-order central differences on N
interior points, h = 1 / (N + 1). A self-consistent-field iteration: start from phi = 0; solve
the tridiagonal eigenproblem -1/2 D2 + diag(phi) (``scipy.linalg.eigh_tridiagonal``, the two
lowest states); normalize each state with the FD quadrature h sum psi^2 = 1 (the trapezoid
rule with zero end values); solve the Poisson problem -D2 phi_new = 10 (psi0^2 + psi1^2)
(``scipy.linalg.solve_banded``); mix, phi <- (1 - m) phi + m phi_new (m = 1/2); repeat until
max |phi_new - phi| < 1e-12, then one last eigensolve with the converged phi. Done at N/2, N
and 2N; the Richardson extrapolation (4 E_2N - E_N) / 3 cancels the h^2 error of both the
Laplacian and the quadrature, and the change of the extrapolation from (N/2, N) to (N, 2N) is
reported as its convergence (it must be < 1e-6 relative, far under the 1e-3 target).

The PINN: configs/gallery/schrodinger_poisson.yaml through the Python API
(``build_experiment(load_config(path))``, then ``pinnjax.solve``); E0, E1 printed against the
reference with their relative errors (target: < 1e-3 each), and the fields phi, psi0, psi1
(signs aligned to the reference's) as relative L2 against the FD fields on the 2N grid.

    python experiments/gallery_schrodinger_poisson.py [--adam 3000 --bfgs 2000] [--n 2000] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results import write_section

CONFIG = HERE.parent / "configs" / "gallery" / "schrodinger_poisson.yaml"
Q, STATES = 10.0, 2  # coupling (-phi'' = Q * density), occupied states


def laplacian_bands(n: int, h: float) -> np.ndarray:
    """-d²/dx² with zero end values, second-order, in ``solve_banded``'s (1, 1) layout."""
    ab = np.empty((3, n))
    ab[0, :] = -1.0 / h**2
    ab[1, :] = 2.0 / h**2
    ab[2, :] = -1.0 / h**2
    return ab


def lowest_states(phi: np.ndarray, h: float, k: int = STATES) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` lowest eigenpairs of -1/2 D2 + diag(phi), states normalized to h sum psi² = 1."""
    from scipy.linalg import eigh_tridiagonal

    off = np.full(phi.size - 1, -0.5 / h**2)
    energies, vectors = eigh_tridiagonal(1.0 / h**2 + phi, off, select="i", select_range=(0, k - 1))
    vectors = vectors / np.sqrt(h * np.sum(vectors**2, axis=0))
    return energies, vectors


def self_consistent(n: int, q: float = Q, mix: float = 0.5, tol: float = 1e-12, max_iter: int = 1000) -> dict:
    """Self-consistent field on ``n`` interior points of [0, 1]: energies, states, phi, x, iterations."""
    from scipy.linalg import solve_banded

    h = 1.0 / (n + 1)
    x = h * np.arange(1, n + 1)
    bands = laplacian_bands(n, h)
    phi = np.zeros(n)
    for iteration in range(1, max_iter + 1):
        _, psi = lowest_states(phi, h)
        new = solve_banded((1, 1), bands, q * np.sum(psi**2, axis=1))
        change = np.max(np.abs(new - phi))
        phi = (1 - mix) * phi + mix * new
        if change < tol:
            break
    else:
        raise RuntimeError(f"self-consistent field: no convergence in {max_iter} iterations (change {change:.1e})")
    energies, psi = lowest_states(phi, h)
    return {"E": energies, "psi": psi, "phi": phi, "x": x, "h": h, "iterations": iteration}


def reference(n: int) -> dict:
    """Plain values at n and 2n, the Richardson extrapolation, its relative change, and the fine fields."""
    coarse, plain, fine = (self_consistent(m) for m in (n // 2, n, 2 * n))
    extrapolated = (4 * fine["E"] - plain["E"]) / 3
    previous = (4 * plain["E"] - coarse["E"]) / 3
    change = np.abs(extrapolated - previous) / np.abs(extrapolated)
    return {"n": n, "plain": plain["E"], "fine_E": fine["E"], "E": extrapolated, "change": change,
            "iterations": [r["iterations"] for r in (coarse, plain, fine)], "fine": fine}


def train(adam: int | None, bfgs: int | None):
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
    return result, wall


def field_errors(result, fine: dict) -> dict[str, float]:
    """Relative L2 of phi, psi0, psi1 on the fine FD grid (each psi's sign aligned to the FD one's)."""
    predicted = result.predict(fine["x"])
    errors = {"phi": np.linalg.norm(predicted["phi"] - fine["phi"]) / np.linalg.norm(fine["phi"])}
    for i in range(STATES):
        exact, got = fine["psi"][:, i], predicted[f"psi{i}"]
        got = got * np.sign(np.dot(got, exact))
        errors[f"psi{i}"] = np.linalg.norm(got - exact) / np.linalg.norm(exact)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adam", type=int, help="Adam steps (default: the config's)")
    parser.add_argument("--bfgs", type=int, help="BFGS steps (default: the config's)")
    parser.add_argument("--n", type=int, default=2000, help="finite-difference interior points")
    parser.add_argument("--write", action="store_true",
                        help="write the section 'Gallery: Schrödinger–Poisson' of RESULTS.md")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ref = reference(args.n)
    ref_wall = time.perf_counter() - t0
    print(f"self-consistent FD, N = {ref['n']}: {np.array2string(ref['plain'], precision=8)}")
    print(f"self-consistent FD, N = {2 * ref['n']}: {np.array2string(ref['fine_E'], precision=8)}")
    print(f"Richardson extrapolation: {np.array2string(ref['E'], precision=10)} "
          f"(relative change from N/2, N: {ref['change'].max():.1e}; SCF iterations at N/2, N, 2N: "
          f"{ref['iterations']}; {ref_wall:.1f} s)")
    if ref["change"].max() >= 1e-6:
        print(f"warning: the reference is not converged to 1e-6; raise --n (now {args.n})")

    result, wall = train(args.adam, args.bfgs)
    coefficients = result.coefficients
    print(f"PINN trained in {wall:.0f} s; final losses: "
          + ", ".join(f"{k} {v:.1e}" for k, v in result.final_losses.items()))
    rows = ["| state | PINN E | finite differences E | relative error |", "|---|---|---|---|"]
    errors = []
    for i, exact in enumerate(ref["E"]):
        got = coefficients[f"E{i}"]
        errors.append(abs(got - exact) / abs(exact))
        rows.append(f"| {i} | {got:.6f} | {exact:.6f} | {errors[-1]:.1e} |")
        print(f"E{i}: PINN {got:.8f}   finite differences {exact:.8f}   relative error {errors[-1]:.2e}")
    fields = field_errors(result, ref["fine"])
    print("fields, relative L2 against FD at N = " + f"{2 * args.n}: "
          + ", ".join(f"{k} {v:.1e}" for k, v in fields.items()))
    verdict = "both within" if max(errors) < 1e-3 else "NOT both within"
    print(f"{verdict} 1e-3 relative (largest {max(errors):.1e}); wall {wall:.0f} s")
    if args.write:
        import yaml

        phases = yaml.safe_load(CONFIG.read_text())["training"]["phases"]
        steps = [args.adam or phases[0]["steps"], args.bfgs or phases[1]["steps"]]
        field_text = ", ".join(f"{k} {v:.1e}" for k, v in fields.items())
        write_section(
            "Gallery: Schrödinger–Poisson",
            "-½ψᵢ'' + φψᵢ = Eᵢψᵢ (i = 0, 1), −φ'' = 10 (ψ₀² + ψ₁²) on [0, 1], all zero at both ends, "
            "∫ψᵢ² = 1, ∫ψ₀ψ₁ = 0: the two eigenvalues as trainable coefficients of "
            f"configs/gallery/schrodinger_poisson.yaml (float64, Adam {steps[0]} + BFGS {steps[1]} steps, "
            f"{wall:.0f} s wall including compilation) against a self-consistent second-order "
            f"finite-difference solver at N = {args.n} and {2 * args.n}, Richardson-extrapolated (converged to "
            f"{ref['change'].max():.0e} relative). Fields, relative L2 against FD: {field_text}.",
            "\n".join(rows),
        )


if __name__ == "__main__":
    main()
