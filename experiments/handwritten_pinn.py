"""A plain hand-written JAX + optax Burgers PINN: the baseline of the speed benchmark.

Derivatives by nested ``jax.grad`` (or nested ``jax.jvp``) + ``vmap``, one jit'd step per
call: what a user writes without a framework.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

NU = 0.01 / jnp.pi


def init_mlp(key, sizes):
    params = []
    for k, (m, n) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        params.append((jax.random.normal(k, (n, m)) * jnp.sqrt(2.0 / (m + n)), jnp.zeros(n)))
    return params


def mlp(params, z):
    for w, b in params[:-1]:
        z = jnp.tanh(w @ z + b)
    w, b = params[-1]
    return (w @ z + b)[0]


def u_fn(params, x, t):
    return mlp(params, jnp.stack([x, t]))


def residual_grad(params, x, t):
    u = u_fn(params, x, t)
    u_x = jax.grad(u_fn, 1)(params, x, t)
    u_t = jax.grad(u_fn, 2)(params, x, t)
    u_xx = jax.grad(jax.grad(u_fn, 1), 1)(params, x, t)
    return u_t + u * u_x - NU * u_xx


def residual_jvp(params, x, t):
    def ux(x_):
        return jax.jvp(lambda s: u_fn(params, s, t), (x_,), (1.0,))

    (u, u_x), (_, u_xx) = jax.jvp(ux, (x,), (1.0,))
    u_t = jax.jvp(lambda s: u_fn(params, x, s), (t,), (1.0,))[1]
    return u_t + u * u_x - NU * u_xx


def residual_ks_jvp(params, x, t):
    """Kuramoto–Sivashinsky u_t + u u_x + u_xx + u_xxxx by four nested jvp along x."""
    def d(f):
        return lambda x_: jax.jvp(f, (x_,), (1.0,))

    u0 = lambda s: u_fn(params, s, t)  # noqa: E731
    (((u, u_x), (_, u_xx)), ((_, _), (_, u_xxx))), (((_, _), (_, _)), ((_, _), (_, u_xxxx))) = \
        d(d(d(lambda s: d(u0)(s))))(x)
    del u_xxx
    u_t = jax.jvp(lambda s: u_fn(params, x, s), (t,), (1.0,))[1]
    return u_t + u * u_x + u_xx + u_xxxx


RESIDUALS = {("burgers", "grad"): residual_grad, ("burgers", "jvp"): residual_jvp, ("ks", "jvp"): residual_ks_jvp}


def make_step(mode: str, optimizer, equation: str = "burgers"):
    residual = RESIDUALS[equation, mode]

    def loss(params, batch):
        r = jax.vmap(residual, (None, 0, 0))(params, batch["pde"][:, 0], batch["pde"][:, 1])
        ub = jax.vmap(u_fn, (None, 0, 0))(params, batch["bc"][:, 0], batch["bc"][:, 1])
        ui = jax.vmap(u_fn, (None, 0, 0))(params, batch["ic"][:, 0], batch["ic"][:, 1])
        return jnp.mean(r**2) + jnp.mean(ub**2) + jnp.mean((ui + jnp.sin(jnp.pi * batch["ic"][:, 0])) ** 2)

    @jax.jit
    def step(params, state, batch):
        value, grads = jax.value_and_grad(loss)(params, batch)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    return step
