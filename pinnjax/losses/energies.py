"""Energies of binary systems and exact statistics by enumeration (small n only).

* Ising: spins s in {-1, 1}^n, E(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i (only the strict
  upper triangle of J is read).
* Boltzmann machine: E(x) = -1/2 sum_ij W_ij x_i x_j - sum_i b_i x_i with W symmetric and a
  zero diagonal; the fully visible machine here has units x in {0, 1}^n.

Both define p(state) = exp(-E) / Z. Mapping (``ising_to_boltzmann``): with s = 2x - 1,
W = 4 K, b = 2 h - 2 K 1 and E_ising(s) = E_bm(x) + sum_i h_i - sum_{i<j} J_ij, where K is J's
strict upper triangle made symmetric; the two distributions are the same and
log Z_ising = log Z_bm - (sum_i h_i - sum_{i<j} J_ij).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

MAX_ENUMERATION = 24  # 2^24 states: the most an exact sum may visit


def _vector_or_zero(v, n: int, dtype) -> jax.Array:
    return jnp.zeros(n, dtype) if v is None else jnp.asarray(v, dtype)


def _float(x) -> jax.Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(jnp.result_type(float))


def ising_energy(s, J, h=None) -> jax.Array:
    """-sum_{i<j} J_ij s_i s_j - sum_i h_i s_i for states s (..., n) (J's strict upper triangle)."""
    s = _float(s)
    upper = jnp.triu(jnp.asarray(J, s.dtype), 1)
    h = _vector_or_zero(h, s.shape[-1], s.dtype)
    return -jnp.einsum("...i,ij,...j->...", s, upper, s) - s @ h


def boltzmann_energy(s, W, b=None) -> jax.Array:
    """-1/2 sum_ij W_ij s_i s_j - sum_i b_i s_i for states s (..., n) (W symmetric, zero diagonal)."""
    s = _float(s)
    W = jnp.asarray(W, s.dtype)
    b = _vector_or_zero(b, s.shape[-1], s.dtype)
    return -0.5 * jnp.einsum("...i,ij,...j->...", s, W, s) - s @ b


def ising_to_boltzmann(J, h=None):
    """(W, b, offset) of the {0, 1} Boltzmann machine equal to the Ising model (J, h) under
    s = 2x - 1: ising_energy(2x - 1, J, h) = boltzmann_energy(x, W, b) + offset."""
    J = _float(J)
    K = jnp.triu(J, 1) + jnp.triu(J, 1).T
    h = _vector_or_zero(h, J.shape[0], J.dtype)
    return 4.0 * K, 2.0 * h - 2.0 * K.sum(axis=1), h.sum() - jnp.triu(J, 1).sum()


def boltzmann_to_ising(W, b=None):
    """(J, h, offset) inverting ``ising_to_boltzmann``: J upper triangular, and
    ising_energy(2x - 1, J, h) = boltzmann_energy(x, W, b) + offset."""
    W = _float(W)
    b = _vector_or_zero(b, W.shape[0], W.dtype)
    J = jnp.triu(W, 1) / 4.0
    h = b / 2.0 + (W.sum(axis=1) - jnp.diag(W)) / 4.0
    return J, h, h.sum() - J.sum()


def all_states(n: int, values: tuple[float, float] = (-1, 1), dtype=None) -> jax.Array:
    """Every state of n binary units, (2^n, n): row r holds r's bits (most significant first)
    mapped 0 -> values[0], 1 -> values[1] (dtype: the default float unless given)."""
    if not (isinstance(n, int) and 0 <= n <= MAX_ENUMERATION):
        raise ValueError(f"n must be an integer in [0, {MAX_ENUMERATION}] for exact enumeration, got {n!r}")
    bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1
    lo, hi = values
    return jnp.asarray(lo + (hi - lo) * bits, dtype=dtype if dtype is not None else jnp.result_type(float))


def log_partition(energy: Callable[[jax.Array], jax.Array], n: int,
                  values: tuple[float, float] = (-1, 1), dtype=None) -> jax.Array:
    """log Z = log sum_states exp(-energy(state)) by exact enumeration of the 2^n states;
    energy maps one state (n,) to a scalar."""
    energies = jax.vmap(energy)(all_states(n, values, dtype))
    return jax.nn.logsumexp(-energies)


def log_likelihood(W, b, data, values: tuple[float, float] = (0, 1)) -> jax.Array:
    """Mean log-likelihood per sample of data (M, n) under the fully visible Boltzmann machine
    (W, b): mean(-E(x)) - log Z, Z summed exactly over the 2^n states."""
    data = _float(data)
    n = data.shape[-1]
    log_z = log_partition(lambda x: boltzmann_energy(x, W, b), n, values, data.dtype)
    return -jnp.mean(boltzmann_energy(data, W, b)) - log_z


def fit_boltzmann(data, steps: int = 2000, lr: float = 0.05, values: tuple[float, float] = (0, 1)):
    """(W, b) maximizing ``log_likelihood`` on data (M, n): Adam with a cosine-decayed step
    from lr, from W = 0, b = 0 (the problem is concave, so the start does not matter)."""
    data = _float(data)
    n = data.shape[-1]
    rows, cols = np.triu_indices(n, 1)

    def unpack(params):
        upper, b = params
        W = jnp.zeros((n, n), data.dtype).at[rows, cols].set(upper)
        return W + W.T, b

    def loss(params):
        W, b = unpack(params)
        return -log_likelihood(W, b, data, values)

    optimizer = optax.adam(optax.cosine_decay_schedule(lr, steps))
    params = (jnp.zeros(len(rows), data.dtype), jnp.zeros(n, data.dtype))

    @jax.jit
    def run(params):
        def step(carry, _):
            params, state = carry
            grads = jax.grad(loss)(params)
            updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, optimizer.init(params)), None, length=steps)
        return params

    with jax.numpy_dtype_promotion("standard"):  # optax raises its int step counters to float powers
        return unpack(run(params))
