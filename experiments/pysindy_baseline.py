"""PySINDy baseline on the same noisy data: PDE-FIND strong form (finite differences +
STLSQ) and the weak-form library (integration against test functions + STLSQ).

PySINDy needs a user threshold; we sweep thresholds × column normalization and report the
*oracle* choice (the setting that scores best against the truth), the most favorable
reading of the baseline.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

THRESHOLDS = np.logspace(-4, 0, 13)
_NAME = re.compile(r"^((?:x\d+(?:\^\d+)?)(?: x\d+(?:\^\d+)?)*)?(x(\d+)_(1+))?$")
_POWER = re.compile(r"^x(\d+)(?:\^(\d+))?$")


def translate(feature: str, fields=("u",)) -> str:
    """PySINDy feature name -> pinnjax term: 'x0^2x0_11' -> 'u**2*u_xx', '1' -> '1'; with
    ``fields`` ("u", "v"): 'x0 x1x1_11' -> 'u*v*v_xx' (x0, x1 the fields in order)."""
    if feature == "1":
        return "1"
    m = _NAME.match(feature)
    if m is None:
        raise ValueError(f"unexpected PySINDy feature {feature!r}")
    parts = []
    for factor in (m.group(1) or "").split():
        i, power = _POWER.match(factor).groups()
        parts.append(fields[int(i)] if not power else f"{fields[int(i)]}**{power}")
    if m.group(2):
        parts.append(f"{fields[int(m.group(3))]}_" + "x" * len(m.group(4)))
    return "*".join(parts)


def _fit(form: str, ref, u: np.ndarray, order: int, degree: int, threshold: float, normalize: bool, seed: int,
         fields=("u",)):
    import pysindy as ps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySINDy 2.1 deprecation notices, one per library
        return _fit_quiet(ps, form, ref, u, order, degree, threshold, normalize, seed, fields)


def _fit_quiet(ps, form, ref, u, order, degree, threshold, normalize, seed, fields=("u",)):
    x, t = ref.coords["x"], ref.coords["t"]
    poly = ps.PolynomialLibrary(degree=degree, include_bias=False)
    if form == "strong":
        lib = ps.PDELibrary(function_library=poly, derivative_order=order, spatial_grid=x, include_bias=True,
                            is_uniform=True)
    else:
        np.random.seed(seed)  # PySINDy draws its weak-form subdomains from the global generator
        grid = np.stack(np.meshgrid(x, t, indexing="ij"), -1)
        lib = ps.WeakPDELibrary(function_library=poly, derivative_order=order, spatiotemporal_grid=grid,
                                is_uniform=True, K=200, include_bias=True)
    model = ps.SINDy(feature_library=lib, optimizer=ps.STLSQ(threshold=threshold, alpha=1e-5,
                                                              normalize_columns=normalize))
    model.fit(u[..., None] if len(fields) == 1 else u, t=float(t[1] - t[0]))
    names = [translate(f, fields) for f in model.get_feature_names()]
    if len(fields) == 1:
        return {n: float(c) for n, c in zip(names, model.coefficients()[0]) if c != 0}
    return {f"{field}_t:{n}": float(c) for field, row in zip(fields, model.coefficients())  # one equation per field
            for n, c in zip(names, row) if c != 0}


def oracle(form: str, ref, u: np.ndarray, order: int, degree: int, truth: dict, seed: int, fields=("u",)) -> dict:
    """The best of the threshold × normalization sweep for ``form`` ("strong"/"weak"):
    {"found": {term: coef}, "right": bool, "errors": {term: % or None}, "threshold": τ}.
    Several ``fields``: ``u`` (nx, nt, F), one equation per field, terms "u_t:term"."""
    best = None
    for normalize in (False, True):
        for tau in THRESHOLDS:
            try:
                found = _fit(form, ref, u, order, degree, float(tau), normalize, seed, fields)
            except Exception:  # noqa: BLE001 - a failing setting is just not a candidate
                continue
            wrong = len(set(found) ^ set(truth))
            errs = [abs(found[t] - c) / abs(c) * 100 if t in found else 100.0 for t, c in truth.items()]
            key = (wrong, max(errs))
            if best is None or key < best[0]:
                best = (key, found, float(tau), normalize)
    _, found, tau, normalize = best
    errors = {t: (abs(found[t] - c) / abs(c) * 100 if t in found else None) for t, c in truth.items()}
    return {"found": found, "right": set(found) == set(truth), "errors": errors, "threshold": tau,
            "normalize": normalize}
