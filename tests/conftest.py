"""Strict JAX settings for every test: rank promotion raises, and dtype promotion is
strict (no implicit float32 <-> float64 or int -> float mixing inside jax.numpy)."""
import jax
import pytest


@pytest.fixture(autouse=True)
def _strict_promotion():
    with jax.numpy_rank_promotion("raise"), jax.numpy_dtype_promotion("strict"):
        yield
