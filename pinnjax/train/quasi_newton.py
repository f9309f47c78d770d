"""Full-matrix quasi-Newton directions: BFGS and the self-scaled Broyden family.

``scale_by_broyden(variant)`` is an optax transformation that turns a gradient into the
quasi-Newton direction ``-H g``, keeping the dense inverse-Hessian approximation ``H``
(n × n, n = number of parameters) in its state. Chained with optax's zoom line search
(strong Wolfe conditions), it is the :class:`pinnjax.BFGS` phase.

The update of ``H`` with s = x_k − x_{k−1}, y = g_k − g_{k−1}, ρ = 1 / yᵀs is the
self-scaled Broyden family (Al-Baali & Khalfan; used for PINNs by Urbán, Stefanou & Pons
2024 and Kiyani et al. 2025):

    H⁺ = (H − H y yᵀH / yᵀHy + φ · yᵀHy · v vᵀ) / τ + ρ s sᵀ,   v = ρ s − H y / yᵀHy

with h = ρ yᵀHy, b = ρ sᵀB s (B s = −α g_{k−1}, α the accepted step), a = b h − 1:

- ``bfgs``: φ = 1, τ = 1.
- ``ssbfgs``: φ = 1; τ = h at the first update, then min(1, 1/b).
- ``ssbroyden``: θ = max(θ⁻, min(θ⁺, (1 − b)/b)) with c = √(a/(1+a)),
  ρ⁻ = min(1, h(1 − c)), θ⁻ = (ρ⁻ − 1)/a, θ⁺ = 1/ρ⁻; φ = (1 − θ)/(1 + aθ);
  τ = h/(1 + aθ) at the first update, then with σ = 1 + θa, σ' = |σ|^(1/(1−n)),
  r = min(1, 1/b): τ = min(r σ', σ) if θ ≤ 0, else r · min(σ', 1/θ).

Safeguards, counted in the state: an update whose curvature yᵀs ≤ 1e-12 |s||y| is skipped
(the line search ended without the curvature condition); a direction that is not a
descent direction, or a non-finite ``H``, resets ``H`` to the identity.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

VARIANTS = ("bfgs", "ssbfgs", "ssbroyden")


class BroydenState(NamedTuple):
    """``H``: inverse-Hessian approximation; ``x``, ``g``, ``d``: the previous flat
    parameters, gradient and direction; ``k``: updates applied; ``skipped``: updates
    skipped for lack of curvature; ``resets``: times ``H`` went back to the identity."""

    H: jax.Array
    x: jax.Array
    g: jax.Array
    d: jax.Array
    k: jax.Array
    skipped: jax.Array
    resets: jax.Array


def _theta(a, b, h):
    c = jnp.sqrt(jnp.abs(a / (1 + a)))
    rho_minus = jnp.minimum(1.0, h * (1 - c))
    theta_minus = (rho_minus - 1) / a
    theta_plus = 1 / rho_minus
    return jnp.maximum(theta_minus, jnp.minimum(theta_plus, (1 - b) / b))


def _scaling(variant: str, a, b, h, first, n: int):
    """(φ, τ) of ``variant`` for the scalars a, b, h of the current pair."""
    if variant == "bfgs":
        return jnp.ones_like(h), jnp.ones_like(h)
    if variant == "ssbfgs":
        return jnp.ones_like(h), jnp.where(first, h, jnp.minimum(1.0, 1 / b))
    theta = _theta(a, b, h)
    sigma = 1 + theta * a
    phi = (1 - theta) / sigma
    r = jnp.minimum(1.0, 1 / b)
    sigma_n = jnp.abs(sigma) ** (1.0 / (1.0 - n))
    later = jnp.where(theta <= 0, jnp.minimum(r * sigma_n, sigma), r * jnp.minimum(sigma_n, 1 / theta))
    return phi, jnp.where(first, h / sigma, later)


def broyden_update(variant: str, H, s, y, g_prev, d_prev, first):
    """H⁺ from the pair (s, y); returns (H⁺, applied: bool). H is read and written once
    when the update applies, and left as it is (no copy) when it does not."""
    sy = s @ y
    rho = 1 / jnp.where(sy > 0, sy, 1.0)
    Hy = H @ y
    yHy = y @ Hy
    alpha = (s @ d_prev) / jnp.maximum(d_prev @ d_prev, jnp.finfo(s.dtype).tiny)
    h = rho * yHy
    b = -alpha * rho * (s @ g_prev)
    a = b * h - 1
    phi, tau = _scaling(variant, a, b, h, first, s.size)
    scalars = jnp.stack([rho, yHy, phi, tau, 1 / tau])
    ok = (sy > 1e-12 * jnp.linalg.norm(s) * jnp.linalg.norm(y)) & jnp.all(jnp.isfinite(scalars)) & (yHy > 0)

    def apply(H):
        v = rho * s - Hy / yHy
        return (H - jnp.outer(Hy, Hy) / yHy + phi * yHy * jnp.outer(v, v)) / tau + rho * jnp.outer(s, s)

    return jax.lax.cond(ok, apply, lambda H: H, H), ok


def scale_by_broyden(variant: str = "ssbfgs") -> optax.GradientTransformation:
    """The direction −H g of a full-matrix quasi-Newton method (see the module docstring)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")

    def init(params):
        flat, _ = ravel_pytree(params)
        n = flat.size
        zero = jnp.zeros((), jnp.int32)
        return BroydenState(jnp.eye(n, dtype=flat.dtype), flat, jnp.zeros_like(flat), jnp.zeros_like(flat),
                            zero, zero, zero)

    def update(updates, state, params=None):
        g, unravel = ravel_pytree(updates)
        x, _ = ravel_pytree(params)
        s = x - state.x

        def updated(H):
            return broyden_update(variant, H, s, g - state.g, state.g, state.d, state.k == 1)

        H, applied = jax.lax.cond(state.k > 0, updated, lambda H: (H, jnp.asarray(True)), state.H)
        skipped = state.skipped + (~applied & jnp.any(s != 0)).astype(jnp.int32)
        d = -(H @ g)
        descent = ((d @ g < 0) | jnp.all(g == 0)) & jnp.all(jnp.isfinite(d))
        H, d = jax.lax.cond(descent, lambda: (H, d), lambda: (jnp.eye(g.size, dtype=g.dtype), -g))
        resets = state.resets + (~descent).astype(jnp.int32)
        new = BroydenState(H, x, g, d, state.k + 1, skipped, resets)
        return unravel(d), new

    return optax.GradientTransformation(init, update)
