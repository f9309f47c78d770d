"""Small, fast versions of the classic forward problems reach their reference solutions.

Each tolerance is about 5x the error measured for the same settings on the 2-core CI
machine (numbers in the comments): training is deterministic for a seed on one machine,
and 5x leaves room for other BLAS/XLA builds while still failing on any real regression
(an untrained network is at relative L2 ~1).
"""

import jax
import pytest

import pinnjax as pj
from pinnjax.reference import zoo


def train(bench, width=24, depth=3, adam=1500, lbfgs=1500, **kw):
    d = len(bench.problem.coordinates)
    net = pj.MLP(d, 1, width, depth, key=jax.random.PRNGKey(0))
    phases = [pj.Adam(adam, 1e-3, decay_rate=0.5, decay_steps=500), pj.LBFGS(lbfgs)]
    result = pj.solve(bench.problem, net, phases, dtype="float64", **kw)
    return result.relative_l2(bench.points, bench.values)


@pytest.mark.slow
def test_laplace_square():
    # measured 1.8e-3 (9 s)
    assert train(zoo.laplace(n_interior=800, n_boundary=200)) < 9e-3


@pytest.mark.slow
def test_heat_with_dirichlet_and_neumann_ends():
    # measured 5.0e-4 (8 s)
    assert train(zoo.heat_mixed(n_interior=800, n_boundary=64, n_initial=128)) < 2.5e-3


@pytest.mark.slow
def test_poisson_on_the_lshape():
    # measured 2.8e-3 (9 s)
    assert train(zoo.poisson_lshape(n_interior=1200, n_boundary=300)) < 1.4e-2


@pytest.mark.slow
def test_burgers_short_run_with_hard_constraints():
    # A 16 s budget cannot resolve the shock to 1e-3 (experiments/forward_accuracy.py
    # reaches 2.2e-4 with longer training); measured 2.4e-2 here, far below the ~1 of
    # an untrained network.
    bench = zoo.burgers(n_interior=2000, hard=True)
    assert train(bench, width=24, depth=3, adam=2000, lbfgs=2000, resample_every=500) < 0.12
