"""How well can the discovery benchmark's data determine the coefficients at all?

Cramér–Rao lower bound on the standard deviation of any unbiased estimate of each true
coefficient, from the same data the benchmark gives pinnjax (``n_points`` random points of
the 256 x 101 grid, Gaussian noise of ``noise x std(u)``). The bound is optimistic: it
assumes the equation's form and the initial condition are known, so a real discovery (which
knows neither) can only do worse. Sensitivities ∂u/∂θ come from central differences of the
reference solvers in each coefficient:

- Burgers u_t = -a u u_x + nu u_xx (u0 = -sin(pi x)): u(x, t; a, nu) = U(x, a t; nu / a) with U
  the Hopf-Cole solution, so both coefficients are exact-solution sensitivities.
- Kuramoto-Sivashinsky u_t = -a u u_x - b u_xx - c u_xxxx: the benchmark's ETDRK4 solver and
  initial condition with those coefficients.

Fisher information I = Jᵀ J / σ² (J: (n_points, n_coefficients) sensitivities at the sampled
points); the bound on coefficient k is sqrt((I⁻¹)_kk), reported in percent of the true value
(median over 20 random subsamples). Notes: experiments/NOTES.md, 'Discovery: information
limit of the benchmark data'.

    python experiments/information_limit.py [--write]
"""

from __future__ import annotations

import argparse
import sys
from math import erf, sqrt
from pathlib import Path

import numpy as np

from pinnjax.reference import kuramoto_sivashinsky
from pinnjax.reference.burgers import NU, burgers_exact

sys.path.insert(0, str(Path(__file__).resolve().parent))
from discovery_cases import CASES
from results import write_section

NOISES = (0.01, 0.05, 0.1, 0.25, 0.5)
STEP = 1e-4  # relative step of the central differences


def burgers_field(theta: np.ndarray) -> np.ndarray:
    """u (256, 101) of u_t = -a u u_x + nu u_xx for theta = (a, nu)."""
    a, nu = theta
    x, t = np.linspace(-1.0, 1.0, 256), np.linspace(0.0, 1.0, 101)
    return burgers_exact(x[:, None], a * t[None, :], nu=nu / a)


def ks_field(theta: np.ndarray) -> np.ndarray:
    """u (256, 101) of u_t = -a u u_x - b u_xx - c u_xxxx for theta = (a, b, c)."""
    return kuramoto_sivashinsky(coefficients=tuple(theta)).fields["u"]


PROBLEMS = {
    "burgers": (burgers_field, np.array([1.0, NU]), ("u*u_x", "u_xx")),
    "ks": (ks_field, np.array([1.0, 1.0, 1.0]), ("u*u_x", "u_xx", "u_xxxx")),
}


def sensitivities(field, theta: np.ndarray) -> np.ndarray:
    """∂u/∂ln θ_k for each coefficient: (n_grid, n_coefficients)."""
    cols = []
    for k in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[k] *= 1 + STEP
        down[k] *= 1 - STEP
        cols.append(((field(up) - field(down)) / (2 * STEP)).ravel())
    return np.stack(cols, 1)


def bounds(pde: str, n_points: int, noises=NOISES, n_subsamples: int = 20) -> dict:
    """{noise: CR bound % per coefficient (median over subsamples)}."""
    field, theta, _ = PROBLEMS[pde]
    u = field(theta)
    jac = sensitivities(field, theta)
    out = {}
    for noise in noises:
        sigma = noise * np.std(u)
        per = []
        for seed in range(n_subsamples):
            rows = np.random.default_rng(seed).choice(u.size, n_points, replace=False)
            fisher = jac[rows].T @ jac[rows] / sigma**2
            per.append(np.sqrt(np.diag(np.linalg.inv(fisher))) * 100)
        out[noise] = np.median(per, axis=0)
    return out


def table() -> str:
    lines = [("| PDE | points | noise | CR bound on the std, % of the true value | "
              "chance of max error <= 2% at the bound |"),
             "|---|---|---|---|---|"]
    for pde, (_, _, names) in PROBLEMS.items():
        n = CASES[pde].n_points
        for noise, b in bounds(pde, n).items():
            text = ", ".join(f"{t} {v:.2f}" for t, v in zip(names, b))
            # the chance that a Gaussian error with the bound's std stays within 2%, for the
            # worst-determined coefficient (the target is on the maximum error)
            p = erf(2.0 / (max(b) * sqrt(2)))
            lines.append(f"| {pde} | {n:,} | {noise:.0%} | {text} | {p:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = table()
    print(text)
    if args.write:
        write_section(
            "Discovery: information limit of the benchmark data",
            "Cramér-Rao lower bound on the std of any unbiased coefficient estimate from the discovery "
            "benchmark's data (same points and noise), with the equation's form and initial condition known: "
            "real discovery can only do worse. Last column: the chance that the worst-determined coefficient "
            "lands within 2% for an estimator that attains the bound.",
            text,
        )


if __name__ == "__main__":
    main()
