"""Collapsed Taylor mode against nested jvp, on every network kind and activation.

float64 throughout: both compute the same derivatives exactly up to rounding; the
collapsed pass sums the chain rule in another order, so agreement to 1e-10 relative to
the largest value of each derivative (4th orders reach O(10-100)) is the bound used.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj
from pinnjax.engine.collapsed import Unsupported, taylor_coefficients
from pinnjax.engine.derivatives import evaluate_derivatives
from pinnjax.engine.series import Basis
from pinnjax.problem.names import parse_derivative_name

NAMES = ["u", "u_x", "u_t", "u_xx", "u_xt", "u_tt", "u_xxx", "u_xxxx", "u_xxt"]


def _networks(key):
    k = jax.random.split(key, 8)
    f64 = jnp.float64
    pirate = pj.PirateNet(2, 1, 16, 2, key=k[2], dtype=f64)
    pirate = eqx.tree_at(lambda n: [b.alpha for b in n.blocks], pirate, [jnp.asarray(0.6), jnp.asarray(-0.4)])
    nets = {f"mlp {a}": pj.MLP(2, 1, 12, 2, activation=a, key=k[0], dtype=f64)
            for a in ("tanh", "sin", "sigmoid", "softplus", "gelu", "silu")}
    nets.update({
        "modified mlp": pj.ModifiedMLP(2, 1, 12, 3, key=k[1], dtype=f64),
        "pirate net": pirate,
        "fourier mlp": pj.fourier_mlp(2, 1, 12, 2, num_features=6, scale=1.0, key=k[3], dtype=f64),
        "periodic mlp": pj.Embedded(pj.PeriodicEmbedding({0: 2.0}, harmonics=2),
                                    pj.MLP(5, 1, 12, 2, key=k[4], dtype=f64)),
        "factorized mlp": pj.factorize(pj.MLP(2, 1, 12, 2, key=k[5], dtype=f64), key=k[6]),
    })
    return nets


def _compare(f, names, fields=("u",)):
    requests = [parse_derivative_name(n, list(fields), ["x", "t"]) for n in names]
    index = {name: i for i, name in enumerate(fields)}
    pts = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (9, 2)))
    got = evaluate_derivatives(f, pts, requests, index, "collapsed")
    want = evaluate_derivatives(f, pts, requests, index, "forward")
    for name in names:
        scale = float(jnp.max(jnp.abs(want[name]))) + 1e-300
        np.testing.assert_allclose(got[name], want[name], atol=1e-10 * scale, rtol=0, err_msg=name)


QUICK_KINDS = ("mlp tanh", "fourier mlp", "periodic mlp")  # the quick loop's; the others in the full suite


@pytest.mark.parametrize("kind", [k if k in QUICK_KINDS else pytest.param(k, marks=pytest.mark.slow) for k in (
    "mlp tanh", "mlp sin", "mlp sigmoid", "mlp softplus", "mlp gelu", "mlp silu",
    "modified mlp", "pirate net", "fourier mlp", "periodic mlp", "factorized mlp")])
def test_every_network_kind_goes_through_the_collapsed_pass_and_matches_nested_jvp(kind):
    with jax.enable_x64(True):
        net = _networks(jax.random.key(1))[kind]

        def f(x):
            return jnp.atleast_1d(net(x))

        basis = Basis(parse_derivative_name(n, ["u"], ["x", "t"]).axes for n in NAMES)
        taylor_coefficients(f, jnp.array([0.1, 0.2]), basis)  # no fallback: raises if unsupported
        _compare(f, NAMES)


def test_quotients_products_and_two_fields():
    with jax.enable_x64(True):
        def f(p):
            x, t = p[0], p[1]
            return jnp.stack([jnp.sin(x * t) / (1.0 + x**2 + t**2), jnp.sqrt(2.0 + x) * jnp.log1p(t**2)])

        basis = Basis([(0, 0, 0, 0), (0, 1), (1, 1)])
        taylor_coefficients(f, jnp.array([0.1, 0.2]), basis)
        _compare(f, ["u", "u_x", "u_xx", "u_xt", "u_tt", "u_xxxx", "v_xx", "v_xt", "v_tt"], fields=("u", "v"))
        x, t = 0.3, -0.5
        pts = jnp.array([[x, t]])
        got = evaluate_derivatives(f, pts, [parse_derivative_name("u_x", ["u", "v"], ["x", "t"])],
                                   {"u": 0, "v": 1}, "collapsed")
        q = 1 + x**2 + t**2  # quotient rule by hand
        want = (t * np.cos(x * t) * q - np.sin(x * t) * 2 * x) / q**2
        np.testing.assert_allclose(float(got["u_x"][0]), want, rtol=1e-13)


def test_a_primitive_without_a_rule_falls_back_to_nested_jvp():
    with jax.enable_x64(True):
        def f(p):  # cumprod has no collapsed rule
            return jnp.atleast_1d(jax.lax.cumprod(jnp.stack([1.0 + p[0], jnp.exp(p[1])]))[-1])

        with pytest.raises(Unsupported, match="cumprod"):
            taylor_coefficients(f, jnp.array([0.1, 0.2]), Basis([(0, 0)]))
        _compare(f, ["u", "u_x", "u_xx", "u_xt"])


def test_training_follows_the_same_path_as_forward_mode():
    bench = pj.zoo.burgers()
    net = pj.MLP(2, 1, 16, 2, key=jax.random.key(0))
    runs = {m: pj.solve(bench.problem, net, [pj.Adam(20, 1e-3)], seed=0, method=m, dtype="float64")
            for m in ("forward", "collapsed")}
    a, b = (np.asarray(runs[m].history.total) for m in ("forward", "collapsed"))
    np.testing.assert_allclose(b, a, rtol=1e-10)
    assert a[-1] < a[0]
