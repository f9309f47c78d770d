"""Tests for pinnjax.geometry.sampling: unit-cube samplers and helpers."""

import warnings

import numpy as np
import pytest
from scipy.stats import qmc

from pinnjax.geometry.sampling import (
    SAMPLERS,
    PointSet,
    allocate,
    grid_size,
    rejection_sample,
    sample_unit_cube,
)

RANDOM_SAMPLERS = ("uniform", "sobol", "halton", "lhs")


@pytest.mark.parametrize("sampler", RANDOM_SAMPLERS)
@pytest.mark.parametrize("n,dim", [(1, 1), (100, 1), (37, 2), (256, 3)])
def test_shape_and_range(sampler, n, dim):
    u = sample_unit_cube(n, dim, sampler, np.random.default_rng(0))
    assert u.shape == (n, dim)
    assert u.dtype == np.float64
    assert np.all(u >= 0.0) and np.all(u < 1.0)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_same_points(sampler):
    a = sample_unit_cube(50, 2, sampler, np.random.default_rng(7))
    b = sample_unit_cube(50, 2, sampler, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sampler", RANDOM_SAMPLERS)
def test_different_seed_different_points(sampler):
    a = sample_unit_cube(50, 2, sampler, np.random.default_rng(1))
    b = sample_unit_cube(50, 2, sampler, np.random.default_rng(2))
    assert not np.allclose(a, b)


@pytest.mark.parametrize("sampler", ["sobol", "halton"])
def test_low_discrepancy_beats_uniform(sampler):
    n, dim = 256, 2
    qmc_d = np.mean([qmc.discrepancy(sample_unit_cube(n, dim, sampler, np.random.default_rng(s)))
                     for s in range(3)])
    uni_d = np.mean([qmc.discrepancy(sample_unit_cube(n, dim, "uniform", np.random.default_rng(s)))
                     for s in range(5)])
    assert qmc_d < 0.2 * uni_d


@pytest.mark.parametrize("n,dim", [(10, 1), (50, 3), (97, 2)])
def test_lhs_hits_every_stratum_once(n, dim):
    u = sample_unit_cube(n, dim, "lhs", np.random.default_rng(3))
    strata = np.floor(u * n).astype(int)
    for j in range(dim):
        np.testing.assert_array_equal(np.sort(strata[:, j]), np.arange(n))


def test_sobol_power_of_two_is_stratified():
    u = sample_unit_cube(64, 1, "sobol", np.random.default_rng(0))
    np.testing.assert_array_equal(np.sort(np.floor(u[:, 0] * 64)), np.arange(64))


def test_sobol_non_power_of_two_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        u = sample_unit_cube(100, 2, "sobol", np.random.default_rng(0))
    assert u.shape == (100, 2)


@pytest.mark.parametrize("n,dim,m", [(16, 2, 4), (10, 2, 4), (27, 3, 3), (28, 3, 4), (5, 1, 5), (1, 2, 1)])
def test_grid_count_and_cells(n, dim, m):
    assert grid_size(n, dim) == m
    u = sample_unit_cube(n, dim, "grid", np.random.default_rng(0))
    assert u.shape == (m**dim, dim)
    for j in range(dim):
        np.testing.assert_allclose(np.unique(u[:, j]), (np.arange(m) + 0.5) / m)


def test_grid_exact_is_a_subset_of_the_grid():
    full = sample_unit_cube(10, 2, "grid", np.random.default_rng(0))
    sub = sample_unit_cube(10, 2, "grid", np.random.default_rng(0), exact=True)
    assert sub.shape == (10, 2)
    assert len({tuple(r) for r in sub}) == 10
    assert {tuple(r) for r in sub} <= {tuple(r) for r in full}


def test_unknown_sampler_suggests_a_name():
    with pytest.raises(ValueError, match=r"'sobl'.*uniform, sobol, halton, lhs, grid.*Did you mean 'sobol'"):
        sample_unit_cube(10, 2, "sobl", np.random.default_rng(0))


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_bad_count(n):
    with pytest.raises(ValueError, match=r"n must be a positive integer"):
        sample_unit_cube(n, 2, "uniform", np.random.default_rng(0))


def test_bad_dim_and_rng():
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        sample_unit_cube(10, 0, "uniform", np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        sample_unit_cube(10, 2, "uniform", 0)


def test_allocate_is_proportional_and_sums():
    rng = np.random.default_rng(0)
    counts = allocate(100, [1.0, 2.0, 1.0], rng)
    np.testing.assert_array_equal(counts, [25, 50, 25])
    counts = allocate(7, [1.0, 1.0], rng)
    assert counts.sum() == 7 and sorted(counts) == [3, 4]
    counts = allocate(10, [3.0, 0.0, 1.0], rng)
    assert counts.sum() == 10 and counts[1] == 0 and abs(counts[0] - 7.5) <= 0.5


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_rejection_sample_exact_count(sampler):
    def accept(x):
        return np.sum(x**2, axis=1) <= 1.0

    rows = rejection_sample(123, np.array([-1.0, -1.0]), np.array([1.0, 1.0]), accept, sampler,
                            np.random.default_rng(0), extra=1)
    assert rows.shape == (123, 3)
    assert np.all(accept(rows[:, :2]))
    assert np.all((rows[:, 2] >= 0) & (rows[:, 2] < 1))


def test_pointset_len():
    assert len(PointSet(np.zeros((4, 2)), None)) == 4
