"""A scikit-learn / PySINDy-shaped front to :func:`discover`: configure, ``fit``, read.

>>> model = PDEDiscovery(library=polynomial_library(["u"], ["x"], degree=2, order=3))
>>> model.fit(measurements(points, values, ("x", "t")))          # doctest: +SKIP
>>> model.print()                                                 # doctest: +SKIP
u_t = -0.99983 u*u_x + 0.0031828 u_xx
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import numpy as np

from ..nn.networks import MLP
from ..train.phases import LBFGS, Adam
from .data import Measurements, measurements
from .discover import (
    DiscoveryResult,
    check_polish_weight,
    check_warnings,
    discover,
    domain_from_data,
)
from .library import Library, polynomial_library
from .sparse import (
    DEFAULT_PENALTY,
    MAX_WIDENINGS,
    SCREEN_PENALTY,
    SELECTORS,
    STABLE_FRACTION,
    check_sparsity_options,
)
from .weak import TEST_WIDTH, check_test_width


def default_network(n_in: int, n_out: int, seed: int):
    """MLP with 4 hidden layers of 32 tanh units (enough for the Burgers/KdV/KS benchmarks)."""
    return MLP(n_in, n_out, 32, 4, key=jax.random.PRNGKey(seed))


class PDEDiscovery:
    """Discover a PDE ``lhs = Θ(u) ξ`` from measurements of one field.

    ``library``: candidate terms (default: polynomial degree 2 × derivatives to order 3
    in the spatial coordinates). ``selector``: "stlsq" or "l1". ``alternate``: retrain the
    network with the selected terms and re-select (the set only shrinks) instead of a
    single least-squares fit on the data-only network. ``network``: a function
    ``(n_inputs, n_outputs, seed) -> equinox module`` (one output per trajectory).
    ``smooth_first`` (default on): train data + the whole library's residual before the
    first selection (damps noise; one more training phase). ``penalty``: a kept term must
    lower the selection's validation error by this fraction of var(lhs) when the physics
    rounds re-select; ``screen_penalty`` is the same for the first selection (None:
    ``penalty``). ``stable_fraction``: terms kept in at least this fraction of the bootstrap
    resamples join the first active set (None: off). ``union_fit``:
    start from the union of the selections on the data-only fit and on the smoothed
    network. ``polish_phases``: a last joint training of the final terms (default L-BFGS
    6,000 steps; empty: none; only with ``alternate``), with the residual weighted
    ``polish_pde_weight`` (data 1). ``residual_data_points``: the
    residual is enforced at the collocation points and at most this many data points per
    trajectory (None: all). ``max_widenings``: how often to restart from a wider first
    set when the answer misfits the data (see :func:`discover`; 0: never). ``weak_form``: the
    selections read the library's integrals against smooth test functions of half-width
    ``test_width`` (a fraction of the data's extent) instead of its pointwise values (see :func:`discover`);
    without it, a widening still adds the weak-form selection on the smoothed network.
    ``callback(info)``: training progress (see :func:`discover`). ``validation``: fraction of the data held out to
    early-stop the data-only fit. ``seeds``: run once per seed (network init + sampling); the equation is the first
    seed's, ``frequencies_`` count selections over seeds × bootstrap resamples.
    After :meth:`fit`: ``equation_``, ``coef_`` (K,), ``mask_`` (K,), ``frequencies_``
    ({term: fraction}), ``results_`` (one :class:`DiscoveryResult` per seed).
    """

    def __init__(self, library: Library | None = None, *, lhs: str | None = None, selector: str = "stlsq",
                 alternate: bool = True, penalty: float = DEFAULT_PENALTY,
                 screen_penalty: float | None = SCREEN_PENALTY,
                 stable_fraction: float | None = STABLE_FRACTION,
                 network: Callable | None = None,
                 fit_phases: Sequence = (Adam(3000, 1e-3), LBFGS(3000)),
                 physics_phases: Sequence = (Adam(5000, 1e-3), LBFGS(8000)), n_collocation: int = 4000,
                 data_loss: str = "mse", dtype: str = "float64", seeds: Sequence[int] = (0,),
                 max_rounds: int = 3, n_bootstrap: int = 100, smooth_first: bool = True, union_fit: bool = True,
                 validation: float = 0.2, polish_phases: Sequence = (LBFGS(6000),), domain=None,
                 polish_pde_weight: float = 1.0, residual_data_points: int | None = None,
                 max_widenings: int = MAX_WIDENINGS, weak_form: bool = False, test_width=TEST_WIDTH,
                 callback: Callable | None = None):
        if selector not in SELECTORS:
            raise ValueError(f"selector must be one of {SELECTORS}, got {selector!r}")
        check_sparsity_options(penalty, screen_penalty, stable_fraction)
        if not seeds:
            raise ValueError("seeds must name at least one seed, e.g. seeds=(0,)")
        self.library, self.lhs, self.selector, self.alternate = library, lhs, selector, alternate
        self.penalty, self.screen_penalty, self.network = penalty, screen_penalty, network or default_network
        self.stable_fraction = stable_fraction
        self.fit_phases, self.physics_phases = list(fit_phases), list(physics_phases)
        self.n_collocation, self.data_loss, self.dtype = n_collocation, data_loss, dtype
        self.seeds, self.max_rounds, self.n_bootstrap, self.domain = tuple(seeds), max_rounds, n_bootstrap, domain
        self.smooth_first, self.union_fit, self.callback = smooth_first, union_fit, callback
        self.polish_phases, self.residual_data_points = list(polish_phases), residual_data_points
        check_polish_weight(polish_pde_weight)
        self.polish_pde_weight = polish_pde_weight
        if not isinstance(max_widenings, int) or max_widenings < 0:
            raise ValueError(f"max_widenings must be an integer >= 0 (0: never widen), got {max_widenings!r}")
        self.max_widenings = max_widenings
        check_test_width(test_width, np.size(test_width))  # weak_form and the widening read it
        self.weak_form, self.test_width = weak_form, test_width
        if not 0.0 <= validation < 1.0:
            raise ValueError(f"validation must be a fraction in [0, 1), got {validation}")
        self.validation = validation
        self.results_: list[DiscoveryResult] = []

    def fit(self, data, values=None, coordinates: Sequence[str] = ("x", "t"), field: str = "u") -> PDEDiscovery:
        """Fit to :class:`Measurements`, or to ``points`` (N, d) and ``values`` (N,)."""
        if not isinstance(data, Measurements):
            if values is None:
                raise TypeError("fit(points, values): give the values (N,) with the points (N, d), "
                                "or a Measurements object")
            data = measurements(data, values, coordinates, field)
        domain = self.domain or domain_from_data(data)
        spatial = [c for c in data.coordinates if c != data.coordinates[-1]] or list(data.coordinates)
        library = self.library or polynomial_library([data.field], spatial, degree=2, order=3)
        self.results_ = [
            discover(domain, data, self.network(len(data.coordinates), data.n_trajectories, seed), library,
                     lhs=self.lhs, selector=self.selector, alternate=self.alternate, fit_phases=self.fit_phases,
                     physics_phases=self.physics_phases, n_collocation=self.n_collocation, penalty=self.penalty,
                     screen_penalty=self.screen_penalty, stable_fraction=self.stable_fraction,
                     data_loss=self.data_loss, dtype=self.dtype, seed=seed, max_rounds=self.max_rounds,
                     n_bootstrap=self.n_bootstrap, smooth_first=self.smooth_first, union_fit=self.union_fit,
                     validation=self.validation, polish_phases=self.polish_phases,
                     polish_pde_weight=self.polish_pde_weight, residual_data_points=self.residual_data_points,
                     max_widenings=self.max_widenings, weak_form=self.weak_form, test_width=self.test_width,
                     callback=self.callback)
            for seed in self.seeds
        ]
        return self

    def _check_fitted(self):
        if not self.results_:
            raise RuntimeError("this PDEDiscovery is not fitted yet; call fit(data) first")

    @property
    def equation_(self):
        self._check_fitted()
        return self.results_[0].equation

    @property
    def coef_(self) -> np.ndarray:
        return self.equation_.coefficients

    @property
    def mask_(self) -> np.ndarray:
        return self.equation_.mask

    @property
    def frequencies_(self) -> dict[str, float]:
        """How often each term was selected, over seeds (× bootstrap resamples when on)."""
        self._check_fitted()
        terms = self.equation_.terms
        per_seed = [[r.frequencies.get(t, float(r.equation.mask[k])) for k, t in enumerate(terms)]
                    for r in self.results_]
        return dict(zip(terms, np.mean(per_seed, axis=0).tolist()))

    def equations(self) -> list[str]:
        """The discovered equation(s) as text, one per seed."""
        self._check_fitted()
        return [str(r.equation) for r in self.results_]

    def coefficients(self) -> dict[str, float]:
        """{term: coefficient} of the kept terms (first seed)."""
        return self.equation_.active()

    def print(self) -> None:
        """Print the equation, and the selection frequency of every term ever selected."""
        self._check_fitted()
        print(self.equations()[0])
        freq = {t: f for t, f in self.frequencies_.items() if f > 0}
        if freq:
            print("selected in: " + ", ".join(f"{t} {f:.0%}" for t, f in freq.items()))
        checks = self.results_[0].checks
        if checks:
            line = f"data misfit (RMS) {checks['data_rmse']:.4g}"
            if checks["fit_rmse"] is not None:
                line += (f", {checks['misfit_ratio']:.2f}x the data-only fit's held-out error "
                         f"{checks['fit_rmse']:.4g}")
            print(line + f"; equation residual {checks['residual_relative']:.2%} of |{self.equation_.lhs}|")
            for warning in check_warnings(checks, self.equation_.lhs):
                print("warning: " + warning)
