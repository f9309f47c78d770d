"""Landscape and curvature diagnostics of a run directory (``pinnjax landscape`` / ``pinnjax hessian``).

Loads a finished run (or one member of an ensemble run, ``RUN_DIR/members/seed_<s>``),
computes with :mod:`pinnjax.diagnostics` on a batch of points drawn with ``seed`` and the
terms' last logged weights, and writes into ``RUN_DIR/diagnostics/`` (or ``out``):

    landscape.npz   alphas (betas), total, term_<name> for each term
    landscape.json  the slice's settings, the losses at the centre, the grid minimum, each term's range
    landscape.png   total and per-term losses (log scale where they span more than two decades)
    hessian.json    top eigenvalues (+ residual bounds), smallest Ritz value, trace ± SE, parameter count
    hessian.png     top eigenvalues and the Lanczos Ritz values weighted as a spectral density
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np

from ..diagnostics import curvature, landscape, objective
from .experiment import load_result, write_atomic

DIRECTORY = "diagnostics"
METHOD_RANDOM = ("filter-normalized Gaussian directions (Li et al. 2018): each weight-matrix row scaled to the "
                 "trained row's norm; biases and scalar parameters 0")
METHOD_NAMED = "named parameters: unit step of a scalar's raw value; a filter-normalized random direction in an array"


def load_run(run_dir: Path, warn=lambda message: None):
    """The Result of a finished run, or of one member ``RUN_DIR/members/seed_<s>`` of an ensemble run
    (FileNotFoundError when ``run_dir`` is neither)."""
    if run_dir.parent.name == "members" and not (run_dir / "config.yaml").exists():
        return _member_result(run_dir, warn)
    if (run_dir / "members").is_dir() and not (run_dir / "model.eqx").exists():
        seeds = sorted(p.name for p in (run_dir / "members").iterdir() if (p / "model.eqx").is_file())
        raise FileNotFoundError(f"{str(run_dir)!r} is an ensemble run; give one member's directory, e.g. "
                                f"{str(run_dir / 'members' / (seeds[0] if seeds else 'seed_0'))!r}")
    return load_result(run_dir, warn)


def _member_result(member: Path, warn):
    from ..config import build_experiment, load_config
    from ..engine.compiled import compile_problem
    from ..train.loop import History
    from ..train.result import Result
    from ..train.solve import DTYPES
    from .experiment import _model_params

    root = member.parent.parent
    if not (root / "config.yaml").is_file() or not (member / "model.eqx").is_file():
        raise FileNotFoundError(f"{str(member)!r} is not a finished ensemble member (needs model.eqx, and "
                                f"config.yaml in {str(root)!r})")
    exp = build_experiment(load_config(root / "config.yaml"), base_dir=root)
    kw = exp.solve_kwargs
    with jax.enable_x64(exp.dtype == "float64"):
        compiled, _ = compile_problem(exp.problem, exp.network, kw.get("method", "forward"),
                                      kw.get("scale_inputs", True))
        params = _model_params(member, exp, warn)
    return Result(compiled, params, History(), [], 0.0, DTYPES[exp.dtype])


def logged_weights(run_dir: Path) -> dict[str, float]:
    """The terms' weights in the last metrics line that records them (a balancer's), else {}."""
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return {}
    for line in reversed(path.read_text().splitlines()):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("weights"), dict):
            return {k: float(v) for k, v in row["weights"].items()}
    return {}


def run_objective(result, run_dir: Path, seed: int):
    """The run's loss around its trained parameters, on points drawn with ``seed``."""
    return objective(result, weights=logged_weights(run_dir), seed=seed)


def write_landscape(result, run_dir: Path, out: Path, dims: int, points: int, span: float, directions,
                    seed: int) -> dict:
    """Compute a slice of the run's loss, write landscape.{npz,json,png} into ``out``; returns the json."""
    obj = run_objective(result, run_dir, seed)
    land = landscape(obj, dims=dims, points=points, span=span, directions=directions, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"alphas": land.alphas, "total": land.total, **{f"term_{k}": v for k, v in land.terms.items()}}
    if land.betas is not None:
        arrays["betas"] = land.betas
    np.savez(out / "landscape.npz", **arrays)
    info = {
        "run_dir": str(run_dir), "dims": dims, "points": points, "span": span, "seed": seed,
        "directions": list(land.directions), "method": METHOD_RANDOM if directions == "random" else METHOD_NAMED,
        "center_values": _center_values(obj.params, land.directions),
        "dtype": str(obj.dtype), "terms": list(land.terms), "center": land.center(), "minimum": land.minimum(),
        "range": {k: [float(np.nanmin(v)), float(np.nanmax(v))] for k, v in {"total": land.total, **land.terms}.items()},
    }
    write_atomic(out / "landscape.json", json.dumps(info, indent=2))
    plot_landscape(out / "landscape.png", land, run_dir.name)
    return info


def _center_values(params, directions) -> dict[str, float]:
    """The trained raw values of the scalar parameters a named slice moves."""
    from ..diagnostics import leaf_names

    leaves = leaf_names(params)
    return {n: float(np.asarray(leaves[n])) for n in directions if n in leaves and np.size(leaves[n]) == 1}


def write_hessian(result, run_dir: Path, out: Path, top: int, probes: int, seed: int) -> dict:
    """Compute the run's top Hessian eigenvalues and trace, write hessian.{json,png}; returns the json."""
    obj = run_objective(result, run_dir, seed)
    curv = curvature(obj, top=top, probes=probes, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    info = {
        "run_dir": str(run_dir), "seed": seed, "dtype": str(obj.dtype), "n_params": curv.n_params,
        "loss": curv.loss, "top_eigenvalues": curv.top.tolist(), "residual_bounds": curv.residuals.tolist(),
        "smallest_ritz_value": curv.smallest, "smallest_residual_bound": curv.smallest_residual,
        "lanczos_iterations": curv.lanczos.iterations, "converged": curv.lanczos.converged,
        "trace": curv.trace, "trace_se": curv.trace_se, "probes": curv.probes,
        "method": "Lanczos with full reorthogonalization on forward-over-reverse Hessian-vector products; "
                  "trace by Hutchinson's estimator with Rademacher probes (SE = std / sqrt(probes))",
    }
    write_atomic(out / "hessian.json", json.dumps(info, indent=2))
    plot_hessian(out / "hessian.png", curv, run_dir.name)
    return info


def _spans_decades(values: np.ndarray) -> bool:
    v = values[np.isfinite(values)]
    return v.size > 0 and v.min() > 0 and v.max() / v.min() > 100


def plot_landscape(path: Path, land, title: str) -> None:
    """1-D: total and terms against α; 2-D: one filled-contour panel per loss (log10 where it spans decades)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {"total": land.total, **land.terms}
    if land.dims == 1:
        fig, ax = plt.subplots(figsize=(6.5, 4.2), dpi=110)
        for i, (name, v) in enumerate(curves.items()):
            ax.plot(land.alphas, v, color="black" if i == 0 else None, lw=1.6 if i == 0 else 1.0, label=name)
        if all(_spans_decades(v) for v in curves.values()):
            ax.set_yscale("log")
        ax.axvline(0.0, color="gray", ls=":", lw=0.8)
        ax.set_xlabel(f"α along {land.directions[0]}")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    else:
        fig = _contour_panels(plt, land, curves)
    fig.suptitle(f"loss landscape: {title}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _contour_panels(plt, land, curves: dict):
    cols = min(3, len(curves))
    rows = -(-len(curves) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), dpi=110, squeeze=False)
    for ax, (name, v) in zip(axes.flat, curves.items()):
        log = _spans_decades(v)
        image = np.log10(v) if log else v
        filled = ax.contourf(land.alphas, land.betas, image.T, levels=30, cmap="viridis")
        fig.colorbar(filled, ax=ax, label=f"log10 {name}" if log else name)
        ax.plot(0, 0, "w+", ms=9)
        low = np.unravel_index(np.nanargmin(v), v.shape)
        ax.plot(land.alphas[low[0]], land.betas[low[1]], "rx", ms=7)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(f"α ({land.directions[0]})", fontsize=8)
        ax.set_ylabel(f"β ({land.directions[1]})", fontsize=8)
    for ax in list(axes.flat)[len(curves):]:
        ax.set_visible(False)
    return fig


def plot_hessian(path: Path, curv, title: str) -> None:
    """Left: the top eigenvalues; right: every Ritz value with its weight (one-probe spectral density)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    k = np.arange(1, len(curv.top) + 1)
    left.bar(k, curv.top, color="tab:blue")
    left.set_xticks(k)
    left.set_xlabel("eigenvalue index")
    left.set_ylabel("Hessian eigenvalue")
    if np.all(curv.top > 0) and curv.top[0] / curv.top[-1] > 100:
        left.set_yscale("log")
    trace = "" if curv.trace is None else f"; trace {curv.trace:.4g} ± {curv.trace_se:.2g}"
    left.set_title(f"top {len(k)}: λ_max = {curv.top[0]:.4g}{trace}", fontsize=9)
    lz = curv.lanczos
    right.vlines(lz.ritz_values, 0, lz.ritz_weights, color="tab:red", lw=1.2)
    right.set_xscale("symlog", linthresh=max(1e-12, 1e-3 * float(np.abs(lz.ritz_values).max())))
    right.set_xlabel("Ritz value")
    right.set_ylabel("weight (start vector)")
    right.set_title(f"Lanczos spectrum: {lz.iterations} steps, {curv.n_params} parameters", fontsize=9)
    fig.suptitle(f"sharpness: {title}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
