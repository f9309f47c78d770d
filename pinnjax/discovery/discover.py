"""PDE discovery from data: :func:`discover` runs a :class:`~pinnjax.discovery.recipe.Recipe`
(by default the one its options describe) and returns the equation, how often each term
survives bootstrap resampling, the log of rounds and whether the equation explains the data.

The stages (:mod:`pinnjax.discovery.stages`): fit the network to the data alone
(early-stopped on held-out points); select terms by sparse regression on the library read
from the network (pointwise derivatives at collocation points, or their integrals against
smooth test functions with ``weak_form``); optionally smooth first with the whole library
enforced and unite the selections; retrain network and kept coefficients jointly with the
PDE enforced and re-select (the set only shrinks); a last joint training (polish) whose
probation drops terms the data do not need; and when the answer misfits the data, retry
from a wider first set and keep the better fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..geometry.shapes import Box, Interval, Rectangle
from ..geometry.spacetime import SpaceTime
from .data import DataError, Measurements
from .equation import DiscoveryResult
from .evaluation import make_terms
from .journal import AbstractJournal
from .library import Library
from .recipe import SETUP_DEFAULTS, Recipe, default_recipe
from .relative import resolve_loss
from .stages import stream
from .strategies import PerEquation
from .training import Setup


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


def check_data(domain, data: Measurements, library: Library) -> None:
    """DataError when the data cannot support the regression."""
    coords = tuple(domain.coordinate_names)
    if tuple(data.coordinates) != coords:
        raise DataError(f"data columns {data.coordinates} do not match the domain's coordinates {coords}")
    if len(data) < len(library):
        raise DataError(f"{len(data)} data points for {len(library)} library terms; the regression needs at "
                        "least as many points as terms: add data or shrink the library")


def make_setup(domain, data: Measurements, network, library: Library, recipe: Recipe, *,
               lhs: str | Sequence[str] | None = None, seed: int = 0, callback=None,
               n_collocation: int = SETUP_DEFAULTS["n_collocation"],
               residual_data_points: int | None = SETUP_DEFAULTS["residual_data_points"],
               data_loss=SETUP_DEFAULTS["data_loss"], dtype: str = SETUP_DEFAULTS["dtype"],
               journal: AbstractJournal | None = None) -> Setup:
    """The fixed part of a run: the collocation points (stream "collocation") and, per
    trajectory, where the residual is enforced: its data points, at most
    ``residual_data_points`` of them (stream "residual-points"), and the collocation points."""
    check_data(domain, data, library)
    if residual_data_points is not None and residual_data_points < 0:
        raise ValueError(f"residual_data_points must be >= 0 or None (all data points), got {residual_data_points}")
    coords = tuple(domain.coordinate_names)
    terms = make_terms(library, data.fields, coords, lhs)
    colloc = domain.sample("interior", n_collocation, "sobol", stream(seed, "collocation")).points
    rng, residual_points = stream(seed, "residual-points"), []
    for j in range(data.n_trajectories):
        pts = data.trajectory_points(j)
        if residual_data_points is not None and len(pts) > residual_data_points:
            pts = pts[rng.choice(len(pts), residual_data_points, replace=False)]
        residual_points.append(np.concatenate([pts, colloc]))
    selector = recipe.selector if len(data.fields) == 1 else PerEquation(recipe.selector, len(data.fields))
    return Setup(domain, data, terms, data.outputs(), network, colloc, tuple(residual_points), selector,
                 recipe.view, resolve_loss(data_loss, data.values), dtype, seed, callback, journal, recipe.plateau,
                 recipe.explore_dtype)


def discover(domain, data: Measurements, network, library: Library, *, recipe: Recipe | None = None,
             lhs: str | Sequence[str] | None = None, seed: int = 0, callback=None,
             n_collocation: int = SETUP_DEFAULTS["n_collocation"],
             residual_data_points: int | None = SETUP_DEFAULTS["residual_data_points"],
             data_loss=SETUP_DEFAULTS["data_loss"], dtype: str = SETUP_DEFAULTS["dtype"],
             journal: AbstractJournal | None = None, **options) -> DiscoveryResult:
    """Discover ``lhs = Θ ξ`` (default lhs: the field's derivative in the last coordinate)
    from ``data`` (:class:`Measurements`, one or more trajectories; ``network`` maps the
    coordinates to one output per trajectory). Data of several fields: one equation per
    field over the one ``library`` (``lhs`` one name per field), each selected on its own,
    all trained together; the result's equation is a :class:`~.equation.System` and the
    network has one output per trajectory and field (:meth:`Measurements.outputs`).

    ``recipe``: the stages to run (:class:`~pinnjax.discovery.recipe.Recipe`); without one,
    :func:`~pinnjax.discovery.recipe.default_recipe` builds it from ``options`` (selector,
    alternate, penalty, screen_penalty, stable_fraction, n_bootstrap, smooth_first, union_fit,
    validation, max_rounds, max_widenings, weak_form, test_width, polish_pde_weight, challengers, removals,
    plateau, explore_dtype, finish_steps, fit_phases, physics_phases, polish_phases; defaults in
    :data:`~pinnjax.discovery.recipe.DEFAULTS`). The residual is enforced at
    ``n_collocation`` Sobol points and at each trajectory's data points (at most
    ``residual_data_points``; None: all). ``data_loss``: the data terms' loss, a name ("mse",
    "huber"), a loss object, or a :class:`~pinnjax.discovery.relative.RelativeLoss` (its scale
    a multiple of the data's robust standard deviation). ``callback(info)``: training progress with
    ``info["stage"]`` the stage's name. Each stage draws from its own random stream derived
    from ``seed`` and its name. ``journal``
    (:class:`~pinnjax.discovery.journal.AbstractJournal`): record every training, so a run
    interrupted by a crash and started again with the same journal replays what was done
    and continues where it stopped, to the same answer.
    """
    if recipe is not None and options:
        raise TypeError(f"pass either recipe= or the options that build one, not both (got {sorted(options)})")
    recipe = recipe if recipe is not None else default_recipe(**options)
    setup = make_setup(domain, data, network, library, recipe, lhs=lhs, seed=seed, callback=callback,
                       n_collocation=n_collocation, residual_data_points=residual_data_points,
                       data_loss=data_loss, dtype=dtype, journal=journal)
    state = recipe.run(setup)
    freq = {} if state.frequencies is None else dict(zip(setup.terms.terms, map(float, state.frequencies)))
    selection = state.start[1] if state.start else state.matrix
    return DiscoveryResult(setup.terms.equation(state.xi), freq, list(state.rounds), state.result, selection,
                           state.checks)
