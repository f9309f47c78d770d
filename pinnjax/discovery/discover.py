"""PDE discovery from data: fit, select terms by sparse regression, retrain with physics.

1. Fit the network to the data (one Data term per trajectory; one output per trajectory).
2. At collocation points, evaluate the library Θ and the left-hand side (e.g. ``u_t``)
   from the network's derivatives (with ``weak_form``: their integrals against smooth test
   functions instead, derivatives moved onto the test functions by parts where a term
   allows, see :mod:`.by_parts`), stacked over trajectories; choose the active set
   with the ``selector`` ("stlsq" or "l1") and an automatic sparsity level
   (validation error + sparsity penalty).
   With ``smooth_first``, the network is first retrained on data + the residual of the
   whole library, which damps noise before the selection reads its derivatives; with
   ``union_fit`` the first active set is the union of the selections on the data-only
   fit and on that smoothed network; terms kept in at least ``stable_fraction`` of the
   bootstrap resamples (step 4) join it too.
3. ``alternate=False``: refit the kept terms by least squares and stop. ``alternate=True``
   (alternating direction): retrain network and coefficients jointly on data + the
   residual ``lhs - Θ_active ξ`` (an unregularized fit of the kept terms, coefficients in
   physical units), re-select on the retrained network (the set only shrinks) and
   retrain again if it shrank, at most ``max_rounds`` times. ``polish_phases``: one more
   joint training of the final terms (e.g. a long L-BFGS) for the coefficients' last digits.
   Terms that joined on the bootstrap's evidence alone and survived the rounds are on
   probation: that last training runs with and without them, and they stay only if
   dropping them raises the data misfit beyond its statistical resolution (1/√(2N)).
   If the final network then misfits the data beyond the data-only fit's held-out error
   (a true term was missing from the first set; the rounds cannot add it), start again
   from a set widened by the selections at a 5x smaller penalty and by the weak-form
   selection on the smoothed network (unless ``weak_form`` already selects so); keep the better fit.
4. Bootstrap the selection of step 2 (``n_bootstrap`` resamples of the rows, vmapped for
   STLSQ) to report how often each term is kept.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from ..engine.compiled import compile_problem
from ..geometry.shapes import Box, Interval, Rectangle
from ..geometry.spacetime import SpaceTime
from ..problem.expressions import parse_expression
from ..problem.names import parse_derivative_name
from ..problem.points import Given
from ..problem.problem import Coefficient, Problem
from ..problem.residuals import Residual
from ..problem.terms import PDE, Data
from ..train.solve import solve
from .by_parts import evaluate_plan, plan_names, plan_term
from .data import DataError, Measurements
from .early_stop import ValidationStop
from .ensemble import selection_frequencies
from .library import Library
from .sparse import (
    DEFAULT_PENALTY,
    MAX_WIDENINGS,
    SCREEN_PENALTY,
    STABLE_FRACTION,
    check_sparsity_options,
    lasso,
    refit,
    select_terms,
)
from .weak import TEST_WIDTH, WeakForm, check_test_width, fits_grid


@dataclasses.dataclass(frozen=True)
class Equation:
    """``lhs = Σ coefficients[k] · terms[k]`` over the nonzero coefficients."""

    lhs: str
    terms: tuple[str, ...]
    coefficients: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return self.coefficients != 0

    def active(self) -> dict[str, float]:
        return {t: float(c) for t, c in zip(self.terms, self.coefficients) if c != 0}

    def __str__(self) -> str:
        parts = []
        for term, c in self.active().items():
            sign = "-" if c < 0 else "+"
            body = f"{abs(c):.5g}" if term == "1" else f"{abs(c):.5g} {term}"
            parts.append(f"{sign} {body}")
        rhs = " ".join(parts).lstrip("+ ") if parts else "0"
        if rhs.startswith("- "):
            rhs = "-" + rhs[2:]
        return f"{self.lhs} = {rhs}"


@dataclasses.dataclass
class DiscoveryResult:
    """The equation, how often each term was selected under bootstrap resampling
    (``frequencies``: {term: fraction}), the selection rounds, the final training result,
    and the library values the first selection read (``selection_data``: Θ (N, K), lhs (N,);
    with ``weak_form`` one row per test function and trajectory),
    to try other selectors or thresholds on without retraining. ``checks``: whether the
    equation explains the data (see :func:`consistency`)."""

    equation: Equation
    frequencies: dict[str, float]
    rounds: list
    result: object
    selection_data: tuple = ()
    checks: dict = dataclasses.field(default_factory=dict)


def data_misfit(result, data: Measurements, outputs) -> float:
    """RMS misfit of the trained network at all data points (every trajectory)."""
    sq = []
    for j, out in enumerate(outputs):
        pts, vals = data.of_trajectory(j)
        sq.append((np.asarray(result.predict(pts, [out])[out], float) - vals) ** 2)
    return float(np.sqrt(np.mean(np.concatenate(sq))))


def rms_resolution(n_points: int) -> float:
    """Relative standard error 1/√(2N) of an RMS misfit from ``n_points`` residuals."""
    return 1.0 / np.sqrt(2.0 * n_points)


def needed_by_data(misfit_with: float, misfit_without: float, n_points: int) -> bool:
    """Whether removing terms raised the data misfit by more than the RMS misfit's own
    statistical resolution from ``n_points`` residuals (:func:`rms_resolution`)."""
    return misfit_without > misfit_with * (1.0 + rms_resolution(n_points))


def explains_data(misfit_ratio: float | None, n_held: int) -> bool:
    """Whether the final network's RMS data misfit is within 3 standard errors of the
    data-only fit's held-out RMS error (``misfit_ratio`` = their ratio; the held-out RMS
    from ``n_held`` points has relative standard error :func:`rms_resolution`); True when unknown."""
    if misfit_ratio is None or n_held <= 0:
        return True
    return bool(misfit_ratio <= 1.0 + 3.0 * rms_resolution(n_held))


def fits_better(misfit: float, n_terms: int, other_misfit: float, other_terms: int, n_points: int) -> bool:
    """Whether an answer (RMS data misfit, number of terms) beats another: a misfit lower by
    more than its resolution (:func:`rms_resolution` of N), or one within it with fewer terms."""
    if abs(misfit - other_misfit) > rms_resolution(n_points) * other_misfit:
        return misfit < other_misfit
    return n_terms < other_terms


def consistency(result, data: Measurements, outputs, theta: np.ndarray, y: np.ndarray, xi: np.ndarray,
                validation_mse: float | None, n_held: int = 0) -> dict:
    """How well the final network and equation explain the data.

    ``data_rmse``: RMS misfit of the final network at all data points; ``fit_rmse``: the
    held-out RMS error of the early-stopped data-only fit (≈ the noise level; None without
    validation); ``misfit_ratio``: their ratio (≈ 1 when the equation is consistent with
    the data, clearly above 1 when enforcing it costs data fit); ``residual_relative``:
    ‖lhs − Θ ξ‖ / ‖lhs‖ at the collocation points or test functions (Θ (N, K), lhs (N,), ξ (K,));
    ``explains_data``: :func:`explains_data` of the ratio with the fit's ``n_held`` held-out points.
    """
    data_rmse = data_misfit(result, data, outputs)
    fit_rmse = None if validation_mse is None else float(np.sqrt(validation_mse))
    ratio = None if not fit_rmse else data_rmse / fit_rmse
    return {"data_rmse": data_rmse, "fit_rmse": fit_rmse, "misfit_ratio": ratio,
            "residual_relative": float(np.linalg.norm(y - theta @ xi) / (np.linalg.norm(y) or 1.0)),
            "explains_data": explains_data(ratio, n_held)}


# check_warnings flags |lhs - Θξ| / |lhs| above this on the final network: every right answer in
# experiments/RESULTS.md stays at or below 0.18, a collapsed fit (KS at 50% noise) reaches 0.996.
UNEXPLAINED_LHS = 0.5


def check_warnings(checks: dict, lhs: str) -> list[str]:
    """What a discovery's ``checks`` say is wrong with its answer (empty when nothing is)."""
    warnings = []
    if not checks.get("explains_data", True):
        warnings.append("the equation does not explain the data (the final network misfits it beyond the "
                        "data-only fit's held-out error): a true term may be missing; try a smaller screen_penalty, "
                        "max_widenings=2, weak_form=True (high derivatives of a noisy fit), a larger library or "
                        "more data")
    if checks.get("residual_relative", 0.0) > UNEXPLAINED_LHS:
        warnings.append(f"the equation leaves {checks['residual_relative']:.0%} of |{lhs}| unexplained on the final "
                        "network, so its coefficients are not pinned down (noisy data can train them toward 0 when "
                        "the residual weighs little beside the data loss): try a larger polish_pde_weight, more "
                        "data or less noise")
    return warnings


def domain_from_data(data: Measurements, time: str = "t"):
    """The bounding box of the data's points as a domain; ``time`` (if a coordinate, and
    last) becomes a SpaceTime interval."""
    lo, hi = data.points.min(axis=0), data.points.max(axis=0)
    names = data.coordinates
    spatial = names[:-1] if names[-1] == time else names
    if any(lo[i] == hi[i] for i in range(len(names))):
        flat = [c for i, c in enumerate(names) if lo[i] == hi[i]]
        raise DataError(f"all data have the same value of coordinate(s) {flat}; the data must span the domain")
    n = len(spatial)
    box = {1: lambda: Interval(lo[0], hi[0], coordinates=spatial),
           2: lambda: Rectangle(tuple(lo[:2]), tuple(hi[:2]), coordinates=spatial),
           3: lambda: Box(tuple(lo[:3]), tuple(hi[:3]), coordinates=spatial)}
    if n not in box:
        raise DataError(f"cannot infer a domain for {n} spatial coordinates {spatial}; pass domain=")
    geometry = box[n]()
    return SpaceTime(geometry, float(lo[-1]), float(hi[-1]), time_name=time) if spatial != names else geometry


class _Library:
    """Library terms parsed once for ``field``; evaluated for any output (trajectory) name."""

    def __init__(self, library: Library, field: str, coordinates: tuple[str, ...], lhs: str):
        self.terms, self.field, self.coordinates, self.lhs = library.terms, field, coordinates, lhs
        self.exprs = [parse_expression(t, fields=(field,), coordinates=coordinates) for t in library.terms]
        if parse_derivative_name(lhs, (field,), coordinates) is None:
            raise ValueError(f"lhs {lhs!r} is not {field!r} or a derivative of it (e.g. {field}_{coordinates[-1]})")
        # integration-by-parts plans of the terms and lhs for the weak form (None: integrate the values)
        self.plans = [plan_term(t, (field,), coordinates) for t in library.terms + (lhs,)]

    def rename(self, name: str, output: str) -> str:
        if parse_derivative_name(name, (self.field,), self.coordinates) is None:
            return name
        return output + name[len(self.field):]

    def needed(self, ks) -> list[str]:
        names = {n for k in ks for n in self.exprs[k].names if n not in self.coordinates}
        return sorted(names | {self.lhs})

    def matrix(self, result, points: np.ndarray, output: str) -> tuple[np.ndarray, np.ndarray]:
        names = self.needed(range(len(self.terms)))
        pred = result.predict(points, [self.rename(n, output) for n in names])
        values = {n: pred[self.rename(n, output)] for n in names}
        values.update({c: points[:, i] for i, c in enumerate(self.coordinates)})
        theta = np.stack([np.broadcast_to(np.asarray(e(values), float), (len(points),)) for e in self.exprs], 1)
        return theta, np.asarray(values[self.lhs], float)

    def weak_matrix(self, result, weak: WeakForm, output: str) -> tuple[np.ndarray, np.ndarray]:
        """(Θ (M, K), lhs (M,)): integrals against ``weak``'s M test functions, derivatives moved
        onto the test functions by parts where a term allows (:mod:`.by_parts`)."""
        names = plan_names(self.plans)
        pred = result.predict(weak.points, [self.rename(n, output) for n in names])
        values = {n: np.asarray(pred[self.rename(n, output)], float) for n in names}
        cols = [None if p is None else evaluate_plan(p, values, weak.project) for p in self.plans]
        if any(c is None for c in cols):
            theta, y = self.matrix(result, weak.points, output)
            direct = weak.project(np.column_stack([theta, y]))
            cols = [direct[:, k] if c is None else c for k, c in enumerate(cols)]
        return np.stack(cols[:-1], 1), cols[-1]

    def residual(self, active, scale: dict[int, float], output: str) -> Residual:
        """``lhs - Σ scale_k c_k θ_k`` for trajectory ``output``, coefficients ``c{k}``."""
        local = self.needed(active) + [c for c in self.coordinates]
        renamed = {n: self.rename(n, output) for n in local}
        coefs = [f"c{k}" for k in active]

        def fn(values):
            v = {n: values[renamed[n]] for n in local}
            rhs = sum(scale[k] * values[f"c{k}"] * self.exprs[k](v) for k in active)
            return values[renamed[self.lhs]] - rhs

        text = f"{self.lhs} - ({' + '.join(f'c{k}*({self.terms[k]})' for k in active) or '0'})"
        return Residual(tuple(dict.fromkeys(list(renamed.values()) + coefs)), fn, text)


def library_matrix(result, library: Library, lhs: str, points: np.ndarray, field: str | None = None,
                   output: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Θ (N, K), lhs values (N,)) from the trained network's derivatives at points (N, d);
    ``output``: the network field holding ``field`` (one trajectory's output)."""
    problem = result.compiled.problem
    field = field or problem.fields[0]
    lib = _Library(library, field, tuple(problem.coordinates), lhs)
    return lib.matrix(result, np.asarray(points, float), output or field)


def _stacked_matrix(lib: _Library, result, points, outputs, weak: WeakForm | None = None):
    """(Θ, lhs) stacked over trajectories: values at ``points`` (N, d), or with ``weak``
    their integrals against its test functions (``points`` must be ``weak.points``)."""
    if weak is None:
        parts = [lib.matrix(result, points, out) for out in outputs]
    else:
        parts = [lib.weak_matrix(result, weak, out) for out in outputs]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _frequencies(selector, theta, y, level, n_bootstrap, seed):
    if n_bootstrap <= 0:
        return None
    if selector == "stlsq":
        return selection_frequencies(theta, y, level, n_models=n_bootstrap, seed=seed)
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(y), size=(n_bootstrap, len(y)))
    return np.mean([lasso(theta[r], y[r], level) != 0 for r in rows], axis=0)


def _fit(domain, data: Measurements, outputs, network, phases, data_loss, dtype, seed, validation, rng, callback):
    """Fit the network to the data alone, early-stopped on a held-out ``validation`` fraction;
    returns (result, best held-out MSE or None, number of held-out points)."""
    held = rng.random(len(data)) < validation if validation > 0 else np.zeros(len(data), bool)
    terms = []
    for j, out in enumerate(outputs):
        rows = (data.trajectory == j) & ~held
        terms.append(Data(out, Given(data.points[rows], data.values[rows]), loss=data_loss,
                          name="data" if len(outputs) == 1 else f"data{j}"))
    problem = Problem(domain, tuple(outputs), terms)
    if not held.any():
        return solve(problem, network, phases, dtype=dtype, seed=seed, callback=callback), None, 0
    with jax.enable_x64(dtype == "float64"):
        compiled, _ = compile_problem(problem, network)
    stop = ValidationStop(compiled, data.points[held], data.values[held], data.trajectory[held])

    def watch(info):
        halt = stop(info)
        if callback is not None:
            callback(info)
        return halt

    result = solve(problem, network, phases, dtype=dtype, seed=seed, callback=watch)
    if stop.best_params is None:
        return result, None, 0
    return dataclasses.replace(result, params=stop.best_params), stop.best, int(held.sum())


def with_frequent_terms(mask: np.ndarray, frequencies: np.ndarray | None,
                        stable_fraction: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(mask ∪ {terms kept in >= ``stable_fraction`` of the bootstrap resamples}, the terms
    that added), all (K,) bool; unchanged when either is None."""
    if frequencies is None or stable_fraction is None:
        return mask, np.zeros_like(mask)
    frequent = np.asarray(frequencies) >= stable_fraction
    return mask | frequent, frequent & ~mask


def check_polish_weight(weight: float) -> None:
    """ValueError unless the polish training's residual weight is a positive number."""
    if not weight > 0:
        raise ValueError(f"polish_pde_weight must be > 0 (the residual's weight against the data's 1, e.g. 10), "
                         f"got {weight}")


def retraining_steps(alternate: bool, smooth_first: bool) -> list[str]:
    """The options that are on and train with the PDE, so need physics phases."""
    return [name for name, on in (("alternate", alternate), ("smooth_first", smooth_first)) if on]


def discover(domain, data: Measurements, network, library: Library, *, lhs: str | None = None,
             selector: str = "stlsq", alternate: bool = True, fit_phases, physics_phases=(),
             n_collocation: int = 4000, penalty: float = DEFAULT_PENALTY, data_loss: str = "mse",
             dtype: str = "float64", seed: int = 0, max_rounds: int = 3, n_bootstrap: int = 100,
             smooth_first: bool = True, union_fit: bool = True, validation: float = 0.2,
             polish_phases=(), screen_penalty: float | None = SCREEN_PENALTY,
             stable_fraction: float | None = STABLE_FRACTION,
             polish_pde_weight: float = 1.0, residual_data_points: int | None = None,
             max_widenings: int = MAX_WIDENINGS, weak_form: bool = False, test_width=TEST_WIDTH,
             callback=None) -> DiscoveryResult:
    """Discover ``lhs = Θ ξ`` from ``data`` (:class:`Measurements`, one or more trajectories).

    ``network`` maps coordinates to one output per trajectory. See the module docstring
    for the steps. ``smooth_first`` (default on): before the first selection, train data +
    the residual of the *whole* library (every coefficient trained), so noise is smoothed
    by some PDE in the library's span; the selection then reads that network. ``penalty``:
    a term is kept only if it lowers the selection's validation error by this fraction
    of var(lhs) (default 0.05). ``screen_penalty``: the same for the first selection(s)
    only (None, the default: ``penalty``; smaller makes the first set a superset for the
    physics rounds to prune). ``stable_fraction``: terms
    kept in at least this fraction of the ``n_bootstrap`` resamples of the first selection
    also join the first active set (an unstable selection starts from the superset, which
    the physics rounds prune; those that survive stay only if the data need them, see the
    module docstring; None: off; ignored when ``alternate`` is False).
    ``validation``: fraction of the data held out while fitting the network to the data
    alone; the fit stops when their error has not improved for 1,000 steps and keeps the
    best parameters (so noise is not fitted); 0 disables. The physics rounds use all data.
    ``union_fit``: also select on the data-only fit and start from the union of both sets
    (the physics rounds then prune it). ``polish_phases``: phases of a last joint training
    of the final terms (skipped when empty), with the residual's weight ``polish_pde_weight``
    (data weight 1; more enforces the equation harder); like the physics rounds, only with
    ``alternate``. The residual is enforced at the ``n_collocation`` points and at each
    trajectory's data points, at most ``residual_data_points`` of them (a random subset;
    None: all), which bounds the cost for large data sets. ``max_widenings``: when the final
    network misfits the data beyond the data-only fit's held-out error (see
    :func:`explains_data`), the first set probably lacked a true term, which the rounds
    cannot add: start again from the smoothed network with the first set widened by the
    selections at a 5x smaller penalty and (without ``weak_form``) by the selection on the
    smoothed network's library in weak form at the first penalty (test functions of
    half-width ``test_width``; skipped where their quadrature grid would be too large),
    and keep the answer that fits the data better
    (:func:`fits_better`); at most this many times (0: never). ``weak_form``: every selection
    (and the coefficient estimates that start each training) reads the library's integrals
    against smooth test functions of half-width ``test_width`` (a fraction of the data's
    extent per coordinate; see :mod:`pinnjax.discovery.weak`) instead of its values at the
    collocation points, which averages out the small-scale wiggles that high derivatives of
    a network fitted to noise amplify (the integrals move the derivatives onto the test
    functions by parts, so the network is sampled to at most half a term's derivative order
    and its wiggles cannot alias into the quadrature); the trainings still enforce the pointwise residual. Each physics/polish entry of ``rounds``
    records the coefficients it trained (``"trained"``: {term: value}).
    ``callback(info)``: :func:`~pinnjax.solve` progress, with ``info["stage"]`` added
    ("fit", "smooth", "physics" or "polish").
    """
    field, coords = data.field, tuple(domain.coordinate_names)
    if tuple(data.coordinates) != coords:
        raise DataError(f"data columns {data.coordinates} do not match the domain's coordinates {coords}")
    if len(data) < len(library):
        raise DataError(f"{len(data)} data points for {len(library)} library terms; the regression needs at "
                        "least as many points as terms: add data or shrink the library")
    retrain = retraining_steps(alternate, smooth_first)
    if retrain and not physics_phases:
        raise ValueError(f"{' and '.join(retrain)} retrain with the PDE but physics_phases is empty; pass "
                         "physics_phases=[pinnjax.Adam(1000), pinnjax.LBFGS(2000)] or set alternate=False, "
                         "smooth_first=False")
    lhs = lhs or f"{field}_{coords[-1]}"
    check_sparsity_options(penalty, screen_penalty, stable_fraction)
    check_polish_weight(polish_pde_weight)
    screen = penalty if screen_penalty is None else screen_penalty
    if max_widenings < 0:
        raise ValueError(f"max_widenings must be >= 0 (0: never widen the first set), got {max_widenings}")
    if residual_data_points is not None and residual_data_points < 0:
        raise ValueError(f"residual_data_points must be >= 0 or None (all data points), got {residual_data_points}")
    check_test_width(test_width, len(coords))  # checked now: a widening reads it even without weak_form
    lib = _Library(library, field, coords, lhs)
    def data_box_weak_form():
        return WeakForm(data.points.min(axis=0), data.points.max(axis=0), test_width)

    weak = data_box_weak_form() if weak_form else None
    outputs = [field] if data.n_trajectories == 1 else [f"{field}{j}" for j in range(data.n_trajectories)]
    rng = np.random.default_rng(seed)
    data_terms = []
    for j, out in enumerate(outputs):
        pts, vals = data.of_trajectory(j)
        data_terms.append(Data(out, Given(pts, vals), name="data" if len(outputs) == 1 else f"data{j}",
                               loss=data_loss))
    def named(mask) -> list[str]:
        return [t for t, m in zip(library.terms, mask) if m]

    def tagged(stage):
        return None if callback is None else (lambda info: callback({**info, "stage": stage}))

    fit, validation_mse, n_held = _fit(domain, data, outputs, network, fit_phases, data_loss, dtype, seed,
                                       validation, rng, tagged("fit"))
    colloc = domain.sample("interior", n_collocation, "sobol", rng).points
    rows = colloc if weak is None else weak.points
    residual_points = []
    for j in range(len(outputs)):
        pts, _ = data.of_trajectory(j)
        if residual_data_points is not None and len(pts) > residual_data_points:
            pts = pts[rng.choice(len(pts), residual_data_points, replace=False)]
        residual_points.append(np.concatenate([pts, colloc]))
    theta, y = _stacked_matrix(lib, fit, rows, outputs, weak)
    rounds, result, network = [], fit, fit.network

    def physics_round(mask, theta, y, network, stage="physics", phases=physics_phases, weight=1.0):
        """Retrain network + coefficients of the terms in ``mask`` on data + ``weight`` × residual."""
        xi = refit(theta, y, mask)
        active = [k for k in range(len(library)) if mask[k]]
        # Each coefficient is trained as a multiple of its least-squares estimate, so all
        # are O(1) for the optimizer whatever their physical scale (1 vs 0.003).
        scale = {k: float(xi[k]) if xi[k] != 0 else 1.0 for k in active}
        terms = list(data_terms)
        for j, out in enumerate(outputs):
            terms.append(PDE(lib.residual(active, scale, out), Given(residual_points[j]),
                             name="pde" if len(outputs) == 1 else f"pde{j}", weight=weight))
        physics = Problem(domain, tuple(outputs), terms, coefficients={f"c{k}": Coefficient(1.0) for k in active})
        result = solve(physics, network, phases, dtype=dtype, seed=seed, callback=tagged(stage))
        trained = result.coefficients
        xi = np.array([scale[k] * trained[f"c{k}"] if mask[k] else 0.0 for k in range(len(library))])
        return result, xi, *_stacked_matrix(lib, result, rows, outputs, weak)

    def prune(mask, added, theta, y, network, result):
        """Physics rounds from ``mask`` (the set only shrinks), then the last training with
        the probation of the ``added`` terms; returns (mask, ξ, result, Θ, lhs)."""
        xi, converged = refit(theta, y, mask), True
        for _ in range(max_rounds if alternate else 0):
            result, xi, theta, y = physics_round(mask, theta, y, network)
            network = result.network
            level, new_mask = select_terms(selector, theta, y, rng, penalty, mask=mask)
            rounds.append({"stage": "physics", "level": level, "trained": Equation(lhs, library.terms, xi).active(),
                           "terms": named(new_mask)})
            converged = np.array_equal(new_mask, mask)
            if converged:
                break
            mask = new_mask
        if not converged:  # out of rounds after a shrink: least squares on the last network
            xi = refit(theta, y, mask)
        on_probation = mask & added if (mask & ~added).any() else np.zeros_like(mask)
        if alternate and mask.any() and (polish_phases or on_probation.any()):
            # The last training: the polish phases, or the physics phases when there is no polish
            # and only the probation needs one. Terms admitted on the bootstrap's evidence stay
            # only if the data need them: the final set trains with and without them from the
            # same network, and they are dropped unless the misfit rises.
            phases, weight, stage = ((polish_phases, polish_pde_weight, "polish") if polish_phases
                                     else (physics_phases, 1.0, "physics"))
            final = physics_round(mask, theta, y, network, stage, phases, weight)
            if on_probation.any():
                without = physics_round(mask & ~on_probation, theta, y, network, stage, phases, weight)
                misfits = [data_misfit(r[0], data, outputs) for r in (final, without)]
                keep = bool(needed_by_data(*misfits, len(data)))
                rounds.append({"stage": "probation", "terms": named(on_probation), "misfit_with": misfits[0],
                               "misfit_without": misfits[1], "kept": keep})
                if not keep:
                    mask, final = mask & ~on_probation, without
            result, xi, theta, y = final
            rounds.append({"stage": stage, "level": None, "trained": Equation(lhs, library.terms, xi).active(),
                           "terms": named(mask)})
        return mask, xi, result, theta, y

    fit_mask, fit_library = None, (theta, y)
    if smooth_first:
        if union_fit:
            fit_level, fit_mask = select_terms(selector, theta, y, rng, screen)
            rounds.append({"stage": "select-fit", "level": fit_level,
                           "terms": named(fit_mask)})
        result, _, theta, y = physics_round(np.ones(len(library), bool), theta, y, network, "smooth")
        network = result.network
        rounds.append({"stage": "smooth", "level": None, "terms": list(library.terms)})
    selection_data, start = (theta, y), (network, result)
    level, mask = select_terms(selector, theta, y, rng, screen)
    if fit_mask is not None:
        mask = mask | fit_mask
    frequencies = _frequencies(selector, theta, y, level, n_bootstrap, seed)
    # Only the physics rounds prune: without them the superset would be the answer.
    mask, added = with_frequent_terms(mask, frequencies, stable_fraction if alternate else None)
    rounds.append({"stage": "select", "level": level, "terms": named(mask), "from_bootstrap": named(added)})
    first = mask
    mask, xi, result, theta, y = prune(mask, added, theta, y, *start)
    weak_view = None  # the smoothed network's library in weak form, read by a widening (computed once)
    checks = consistency(result, data, outputs, theta, y, xi, validation_mse, n_held)
    for widening in range(1, (max_widenings if alternate else 0) + 1):
        if checks["explains_data"]:
            break
        # The equation does not explain the data: the first set probably lacked a true term
        # (the rounds cannot add one). Start again from the smoothed network with a wider set:
        # the selections at a 5x smaller penalty each time; keep whichever answer fits the data better.
        wider = first.copy()
        for lib_theta, lib_y in ([fit_library] if fit_mask is not None else []) + [selection_data]:
            wider |= select_terms(selector, lib_theta, lib_y, rng, screen / 5.0**widening)[1]
        weak_terms = []
        if weak is None and fits_grid(test_width, len(coords)):
            # Also read the smoothed network in weak form (at the first selection's penalty): the
            # small-scale wiggles of a noisy fit's high derivatives can swamp the pointwise library
            # and hide a true term however small the penalty (KS 10%: u_xx, u_xxxx), but they
            # average out of the integrals against smooth test functions.
            if weak_view is None:
                view = data_box_weak_form()
                weak_view = _stacked_matrix(lib, start[1], view.points, outputs, view)
            weak_mask = select_terms(selector, *weak_view, rng, screen)[1]
            wider, weak_terms = wider | weak_mask, named(weak_mask)
        rounds.append({"stage": "widen", "level": screen / 5.0**widening, "terms": named(wider),
                       "weak_terms": weak_terms, "checks": checks})
        if np.array_equal(wider, first):
            break
        first, previous = wider, (mask, xi, result, theta, y, checks)
        # The first training's coefficient estimates read the weak view where there is one: where the
        # pointwise library is swamped, its least squares is far off even on the true terms (KS 10%
        # seed 1: -0.03 / -0.04 / -0.01 for -1 / -1 / -1, against -1.01 / -1.00 / -1.01 in weak form).
        mask, xi, result, theta, y = prune(wider, np.zeros_like(wider), *(weak_view or selection_data), *start)
        checks = consistency(result, data, outputs, theta, y, xi, validation_mse, n_held)
        better = fits_better(checks["data_rmse"], int(mask.sum()), previous[-1]["data_rmse"], int(previous[0].sum()),
                             len(data))
        if not better:
            mask, xi, result, theta, y, checks = previous
        rounds.append({"stage": "widened", "terms": named(mask), "kept_wider": better, "checks": checks})
    freq = {} if frequencies is None else dict(zip(library.terms, map(float, frequencies)))
    return DiscoveryResult(Equation(lhs, library.terms, xi), freq, rounds, result, selection_data, checks)
