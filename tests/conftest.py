"""Strict JAX settings for every test: rank promotion raises, and dtype promotion is
strict (no implicit float32 <-> float64 or int -> float mixing inside jax.numpy).

Under pytest-xdist (one worker per core), each worker runs XLA on one thread: the workers
already fill the cores, and two multi-threaded XLA runtimes per core only contend
(measured 8% less wall time on the 2-core machine); subprocesses the tests start inherit it.
Every test process compiles with LLVM at optimization level 1 instead of XLA's default: most
tests compile more than they run (measured on 2 cores: 102 quick tests 82 -> 77 s, four long
trainings 120 -> 109 s; level 0 cut the quick ones to 64 s but doubled a long discovery, 76 ->
140 s). The tolerances hold at either level: the tests assert answers, not bits.

The session shares one persistent XLA compilation cache (a temporary directory, removed at
the end) between its workers and the subprocesses they start: the suite compiles the same
programs many times (a resumed run recompiles its steps; many tests train the same small
problems), and reading a compiled program back is much cheaper than compiling it (measured:
the CLI and training tests in 76 s instead of 117 s). Answers are unchanged: the cache is
keyed by the program, the compiler options and the versions."""
import os
import shutil
import tempfile

FLAGS = ["--xla_backend_optimization_level=1"]
if os.environ.get("PYTEST_XDIST_WORKER"):
    FLAGS += ["--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"]
os.environ["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS", ""), *FLAGS]))

import jax
import pytest

CACHE = "JAX_COMPILATION_CACHE_DIR"


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER") is None and CACHE not in os.environ:
        os.environ[CACHE] = tempfile.mkdtemp(prefix="pinnjax-tests-xla-")
        os.environ["PINNJAX_TESTS_OWN_CACHE"] = "1"
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")
    jax.config.update("jax_compilation_cache_dir", os.environ[CACHE])  # jax read the environment at import
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def pytest_unconfigure(config):
    if os.environ.get("PYTEST_XDIST_WORKER") is None and os.environ.pop("PINNJAX_TESTS_OWN_CACHE", None):
        shutil.rmtree(os.environ.pop(CACHE), ignore_errors=True)


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


def pytest_collection_modifyitems(config, items):
    """Slow tests first (stable otherwise): the longest ones then start while the other
    workers still have short tests to take, instead of running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
