"""The compiled loss evaluates every term exactly: known functions, analytic residuals."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import pinnjax as pj
from pinnjax.engine.compiled import compile_problem


class Known(eqx.Module):
    """u(x, t) = a sin(x) exp(-t): a 'network' with one trainable scale a."""

    a: jax.Array

    def __call__(self, p):
        return jnp.stack([self.a * jnp.sin(p[0]) * jnp.exp(-p[1])])


def test_burgers_terms_match_hand_computed_residuals():
    with jax.enable_x64(True):
        nu = 0.01 / math.pi
        rng = np.random.default_rng(0)
        pde_pts = rng.uniform([-1, 0], [1, 1], (40, 2))
        ic_pts = np.c_[rng.uniform(-1, 1, 10), np.zeros(10)]
        bc_pts = np.c_[[-1.0, 1.0, 1.0], [0.2, 0.5, 0.9]]
        problem = pj.Problem(
            pj.SpaceTime(pj.Interval(-1.0, 1.0), 0.0, 1.0), ("u",),
            [pj.PDE("u_t + u*u_x - nu*u_xx", pj.Given(pde_pts)),
             pj.Initial("u", "-sin(pi*x)", pj.Given(ic_pts), loss="mae"),
             pj.Dirichlet("u", 0.0, points=pj.Given(bc_pts), weight=3.0)],
            {"nu": nu},
        )
        compiled, arrays = compile_problem(problem, Known(jnp.asarray(2.0)), scale_inputs=False)
        params = {"net": arrays, "coefficients": {}}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(rng))
        total, losses = compiled.loss_fn(params, batch, compiled.initial_weights(jnp.float64))
        x, t = pde_pts.T
        u = 2 * np.sin(x) * np.exp(-t)
        r = -u + u * (2 * np.cos(x) * np.exp(-t)) + nu * u
        np.testing.assert_allclose(losses["pde"], np.mean(r**2), rtol=1e-12)
        ic = np.abs(2 * np.sin(ic_pts[:, 0]) + np.sin(np.pi * ic_pts[:, 0]))
        np.testing.assert_allclose(losses["initial_u"], ic.mean(), rtol=1e-12)
        bc = (2 * np.sin(bc_pts[:, 0]) * np.exp(-bc_pts[:, 1])) ** 2
        np.testing.assert_allclose(losses["dirichlet_boundary_u"], bc.mean(), rtol=1e-12)
        np.testing.assert_allclose(total, losses["pde"] + losses["initial_u"] + 3 * losses["dirichlet_boundary_u"], rtol=1e-12)


def test_neumann_robin_periodic_and_data_terms():
    with jax.enable_x64(True):
        domain = pj.SpaceTime(pj.Interval(0.0, 2.0), 0.0, 1.0)
        pts = np.array([[2.0, 0.3], [2.0, 0.7]])
        normals = np.array([[1.0], [1.0]])
        data_pts = np.array([[0.5, 0.5], [1.5, 0.25]])
        problem = pj.Problem(domain, ("u",), [
            pj.Neumann("u", "t", points=pj.Given(pts, normals=normals)),
            pj.Robin("u", 2.0, 0.5, 1.0, points=pj.Given(pts, normals=normals)),
            pj.Periodic("u", "x", derivatives=1, points=pj.Given(data_pts)),
            pj.Data("u_x", pj.Given(data_pts, np.array([0.1, 0.2]))),
        ])
        compiled, arrays = compile_problem(problem, Known(jnp.asarray(1.0)), scale_inputs=False)
        params = {"net": arrays, "coefficients": {}}
        batch = jax.tree_util.tree_map(jnp.asarray, compiled.draw_batch(np.random.default_rng(0)))
        losses = compiled.term_losses(params, batch)
        x, t = pts.T
        u, ux = np.sin(x) * np.exp(-t), np.cos(x) * np.exp(-t)
        np.testing.assert_allclose(losses["neumann_boundary_u"], np.mean((ux - t) ** 2), rtol=1e-12)
        np.testing.assert_allclose(losses["robin_boundary_u"], np.mean((2 * u + 0.5 * ux - 1) ** 2), rtol=1e-12)
        # periodic: points moved to x = 0 and paired with x = 2
        t = data_pts[:, 1]
        du = (np.sin(0) - np.sin(2)) * np.exp(-t)
        dux = (np.cos(0) - np.cos(2)) * np.exp(-t)
        np.testing.assert_allclose(losses["periodic_x"], np.mean(du**2 + dux**2), rtol=1e-12)
        ux_data = np.cos(data_pts[:, 0]) * np.exp(-data_pts[:, 1])
        np.testing.assert_allclose(losses["data"], np.mean((ux_data - [0.1, 0.2]) ** 2), rtol=1e-12)


def test_trainable_coefficient_is_recovered_from_data():
    # u = 3 sin(pi x) solves u_xx + k u = 0 with k = pi²; a Known-shaped model with
    # the right amplitude leaves k as the only unknown, which training must find.
    with jax.enable_x64(True):
        pts = np.linspace(0.05, 0.95, 19)[:, None]
        problem = pj.Problem(
            pj.Interval(0.0, 1.0), ("u",),
            [pj.PDE("u_xx + k*u", pj.Given(pts))],
            coefficients={"k": pj.Coefficient(5.0, log=True)},
        )

        class Sine(eqx.Module):
            def __call__(self, p):
                return 3 * jnp.sin(jnp.pi * p)

        result = pj.solve(problem, Sine(), [pj.LBFGS(200)], dtype="float64", scale_inputs=False)
        assert abs(result.coefficients["k"] - math.pi**2) < 1e-8
