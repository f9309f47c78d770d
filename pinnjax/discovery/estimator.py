"""A scikit-learn / PySINDy-shaped front to :func:`discover`: configure, ``fit``, read.

>>> model = PDEDiscovery(library=polynomial_library(["u"], ["x"], degree=2, order=3))
>>> model.fit(measurements(points, values, ("x", "t")))          # doctest: +SKIP
>>> model.print()                                                 # doctest: +SKIP
u_t = -1 u*u_x + 0.003185 u_xx
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import numpy as np

from ..nn.networks import MLP
from .checks import check_warnings
from .data import Measurements, measurements
from .discover import discover, domain_from_data
from .equation import DiscoveryResult, System
from .library import Library, polynomial_library
from .recipe import SETUP_DEFAULTS, Recipe, default_recipe


def default_network(n_in: int, n_out: int, seed: int):
    """MLP with 4 hidden layers of 32 tanh units (enough for the Burgers/KdV/KS benchmarks)."""
    return MLP(n_in, n_out, 32, 4, key=jax.random.PRNGKey(seed))


class PDEDiscovery:
    """Discover a PDE ``lhs = Θ(u) ξ`` from measurements of one field, or one equation per
    field from measurements of several (``equation_`` is then a :class:`~.equation.System`).

    ``library``: candidate terms (default: polynomial degree 2 × derivatives to order 3
    in the spatial coordinates). ``recipe``: the stages to run
    (:class:`~pinnjax.discovery.recipe.Recipe`); or ``options`` that build the default one
    (:func:`~pinnjax.discovery.recipe.default_recipe`: selector, alternate, penalty,
    screen_penalty, stable_fraction, n_bootstrap, smooth_first, union_fit, validation,
    max_rounds, max_widenings, weak_form, test_width, polish_pde_weight, challengers, removals, plateau,
    explore_dtype, finish_steps, fit_phases,
    physics_phases, polish_phases; their defaults are
    :data:`~pinnjax.discovery.recipe.DEFAULTS`, the same as a YAML config's). ``network``: a
    function ``(n_inputs, n_outputs, seed) -> equinox module`` (one output per trajectory and field).
    ``n_collocation``, ``residual_data_points``, ``data_loss``, ``dtype``: see
    :func:`~pinnjax.discovery.discover`. ``callback(info)``: training progress. ``journal``:
    records every training so a crashed fit run again continues where it stopped (see
    :func:`~pinnjax.discovery.discover`).
    ``seeds``: run once per seed; the equation is the first seed's, ``frequencies_`` count
    selections over seeds × bootstrap resamples.
    After :meth:`fit`: ``equation_``, ``coef_`` (K,), ``mask_`` (K,), ``frequencies_``
    ({term: fraction}), ``results_`` (one :class:`DiscoveryResult` per seed); for a system
    of F fields (F·K,), equation by equation, and the terms labelled ``"lhs:term"``.
    """

    def __init__(self, library: Library | None = None, *, lhs: str | None = None, recipe: Recipe | None = None,
                 network: Callable | None = None, seeds: Sequence[int] = (0,), domain=None,
                 n_collocation: int = SETUP_DEFAULTS["n_collocation"],
                 residual_data_points: int | None = SETUP_DEFAULTS["residual_data_points"],
                 data_loss=SETUP_DEFAULTS["data_loss"], dtype: str = SETUP_DEFAULTS["dtype"],
                 callback: Callable | None = None, journal=None, **options):
        if recipe is not None and options:
            raise TypeError(f"pass either recipe= or the options that build one, not both (got {sorted(options)})")
        self.recipe = recipe if recipe is not None else default_recipe(**options)  # errors now, not after training
        if not seeds:
            raise ValueError("seeds must name at least one seed, e.g. seeds=(0,)")
        self.library, self.lhs, self.network = library, lhs, network or default_network
        self.seeds, self.domain, self.callback, self.journal = tuple(seeds), domain, callback, journal
        self.setup_options = {"n_collocation": n_collocation, "residual_data_points": residual_data_points,
                              "data_loss": data_loss, "dtype": dtype}
        self.results_: list[DiscoveryResult] = []

    def fit(self, data, values=None, coordinates: Sequence[str] = ("x", "t"),
            field: str | Sequence[str] = "u") -> PDEDiscovery:
        """Fit to :class:`Measurements`, or to ``points`` (N, d) and ``values`` (N,) (several
        fields: ``field`` their names and ``values`` (N, F))."""
        if not isinstance(data, Measurements):
            if values is None:
                raise TypeError("fit(points, values): give the values (N,) with the points (N, d), "
                                "or a Measurements object")
            data = measurements(data, values, coordinates, field)
        domain = self.domain or domain_from_data(data)
        spatial = [c for c in data.coordinates if c != data.coordinates[-1]] or list(data.coordinates)
        library = self.library or polynomial_library(data.fields, spatial, degree=2, order=3)
        self.results_ = [
            discover(domain, data, self.network(len(data.coordinates), len(data.outputs()), seed), library,
                     recipe=self.recipe, lhs=self.lhs, seed=seed, callback=self.callback, journal=self.journal,
                     **self.setup_options)
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
        if isinstance(self.equation_, System):  # a system: each equation's 95 % intervals
            for entry in self.results_[0].per_equation():
                print(f"  {entry['lhs']} 95 % intervals: " + ", ".join(
                    f"{t} [{lo:.5g}, {hi:.5g}]" for t, (lo, hi) in entry["intervals"].items()))
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
