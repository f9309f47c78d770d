"""Derivatives by name against analytic values, for every mechanism.

Tolerances: float64 throughout; forward and reverse mode are exact up to rounding
(~1e-15 relative), Taylor mode propagates series coefficients with a few more rounding
steps, so 1e-12 absolute on O(10) values is a safe bound for all three.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pinnjax.engine.derivatives import METHODS, evaluate_derivatives
from pinnjax.problem.names import canonical_name, parse_derivative_name


def field_functions(p):
    x, y, t = p[0], p[1], p[2]
    u = jnp.sin(2 * x) * jnp.exp(0.5 * y) * jnp.cos(t)
    v = x**3 * y**2 + jnp.tanh(t) * x
    return jnp.stack([u, v])


def analytic(x, y, t):
    s, c, e, ct, st = np.sin(2 * x), np.cos(2 * x), np.exp(0.5 * y), np.cos(t), np.sin(t)
    th = np.tanh(t)
    return {
        "u": s * e * ct,
        "u_x": 2 * c * e * ct,
        "u_xx": -4 * s * e * ct,
        "u_xxx": -8 * c * e * ct,
        "u_xxxx": 16 * s * e * ct,
        "u_y": 0.5 * s * e * ct,
        "u_yy": 0.25 * s * e * ct,
        "u_t": -s * e * st,
        "u_tt": -s * e * ct,
        "u_xy": c * e * ct,
        "u_xt": -2 * c * e * st,
        "u_xxy": -2 * s * e * ct,
        "u_xxyy": -s * e * ct,
        "u_xyt": -c * e * st,
        "u_xxxt": 8 * c * e * st,
        "v": x**3 * y**2 + th * x,
        "v_x": 3 * x**2 * y**2 + th,
        "v_xy": 6 * x**2 * y,
        "v_xxyy": 12 * x,
        "v_xt": 1 - th**2,
        "v_tt": -2 * th * (1 - th**2) * x,
        "v_yyy": 0 * x,
    }


@pytest.mark.parametrize("method", [m if m in ("forward", "collapsed") else pytest.param(m, marks=pytest.mark.slow)
                                    for m in METHODS])
def test_every_derivative_kind_matches_analytic(method):
    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        pts = rng.uniform(-1.2, 1.2, size=(7, 3))
        exact = analytic(*pts.T)
        requests = [parse_derivative_name(n, ["u", "v"], ["x", "y", "t"]) for n in exact]
        got = evaluate_derivatives(field_functions, jnp.asarray(pts), requests, {"u": 0, "v": 1}, method)
        for name, want in exact.items():
            np.testing.assert_allclose(np.asarray(got[name]), want, atol=1e-12, rtol=1e-12, err_msg=name)


@pytest.mark.slow
def test_mechanisms_agree_on_a_network_in_float32():
    # A random tanh network: float32 derivatives of order 4 lose ~4 digits to rounding
    # (each order multiplies O(1) weights and adds cancellations), hence rtol 1e-3.
    key = jax.random.PRNGKey(3)
    ws = [jax.random.normal(k, s) * 0.7 for k, s in zip(jax.random.split(key, 3), [(16, 2), (16, 16), (1, 16)])]

    def net(p):
        h = jnp.tanh(ws[0] @ p)
        h = jnp.tanh(ws[1] @ h)
        return ws[2] @ h

    names = ["u", "u_x", "u_xx", "u_xxxx", "u_xt", "u_xxt", "u_tt"]
    requests = [parse_derivative_name(n, ["u"], ["x", "t"]) for n in names]
    pts = jnp.asarray(np.random.default_rng(1).uniform(-1, 1, (50, 2)), jnp.float32)
    out = {m: evaluate_derivatives(net, pts, requests, {"u": 0}, m) for m in METHODS}
    for name in names:
        scale = float(jnp.max(jnp.abs(out["reverse"][name]))) + 1e-6
        for m in ("forward", "collapsed", "taylor"):
            np.testing.assert_allclose(out[m][name], out["reverse"][name], atol=1e-3 * scale, err_msg=f"{m} {name}")


def test_names_parse_and_canonicalise():
    d = parse_derivative_name("u_tx", ["u"], ["x", "t"])
    assert d.axes == (0, 1) and d.order == 2 and d.field == "u"
    assert canonical_name("u", d.axes, ["x", "t"]) == "u_xt"
    assert parse_derivative_name("u_q", ["u"], ["x", "t"]) is None
    assert parse_derivative_name("rho_xx", ["rho", "u"], ["x"]).field == "rho"


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="derivative method 'magic' is not known; use one of forward, collapsed, taylor, reverse"):
        evaluate_derivatives(field_functions, jnp.zeros((1, 3)), [], {}, "magic")
