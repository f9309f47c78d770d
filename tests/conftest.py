"""Strict JAX settings for every test: rank promotion raises, and dtype promotion is
strict (no implicit float32 <-> float64 or int -> float mixing inside jax.numpy)."""
import jax
import pytest


@pytest.fixture(autouse=True)
def _strict_promotion():
    with jax.numpy_rank_promotion("raise"), jax.numpy_dtype_promotion("strict"):
        yield


@pytest.fixture
def loss_traces(monkeypatch):
    """A list that grows by one each time a compiled problem's loss is traced."""
    from pinnjax.engine.compiled import CompiledProblem

    traces = []
    original = CompiledProblem.loss_fn

    def counting(self, params, batch, weights):
        traces.append(1)
        return original(self, params, batch, weights)

    monkeypatch.setattr(CompiledProblem, "loss_fn", counting)
    return traces
