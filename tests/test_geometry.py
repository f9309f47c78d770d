"""Tests for pinnjax.geometry: shapes, set operations (base.py) and space-time."""

import numpy as np
import pytest

from pinnjax.geometry.sampling import SAMPLERS, PointSet
from pinnjax.geometry.shapes import (
    AbstractGeometry,
    Box,
    Difference,
    Disk,
    Intersection,
    Interval,
    Polygon,
    Rectangle,
    Union,
    lshape,
)
from pinnjax.geometry.spacetime import SpaceTime


def rng(seed=0):
    return np.random.default_rng(seed)


# Two unit disks with centres 1 apart: the lens has area 2π/3 - √3/2 and each circle
# has an arc of angle 2π/3 inside the other disk.
LENS_AREA = 2 * np.pi / 3 - np.sqrt(3) / 2
DISK_A, DISK_B = Disk((0.0, 0.0), 1.0), Disk((1.0, 0.0), 1.0)

GEOMETRIES = {
    "interval": Interval(-1.0, 2.0),
    "rectangle": Rectangle((0.0, -1.0), (3.0, 1.0)),
    "box": Box((0.0, 0.0, 0.0), (1.0, 2.0, 3.0)),
    "disk": Disk((0.5, -0.5), 2.0),
    "polygon": lshape(),
    "triangle_cw": Polygon([(0.0, 0.0), (0.0, 1.0), (2.0, 0.0)]),
    "union": DISK_A | DISK_B,
    "difference": Rectangle((0.0, 0.0), (2.0, 2.0)) - Disk((1.0, 1.0), 0.5),
    "intersection": DISK_A & DISK_B,
    "nested": (Rectangle((0.0, 0.0), (2.0, 1.0)) | Disk((2.0, 0.5), 0.5)) - Disk((0.5, 0.5), 0.25),
    "box_minus_box": Box((0, 0, 0), (2, 2, 2)) - Box((1, 1, 1), (3, 3, 3)),
}

# (measure, boundary measure), exact
MEASURES = {
    "interval": (3.0, 2.0),
    "rectangle": (6.0, 10.0),
    "box": (6.0, 22.0),
    "disk": (4 * np.pi, 4 * np.pi),
    "polygon": (3.0, 8.0),
    "triangle_cw": (1.0, 3.0 + np.sqrt(5.0)),
    "union": (2 * np.pi - LENS_AREA, 2 * (4 * np.pi / 3)),
    "difference": (4.0 - np.pi / 4, 8.0 + np.pi),
    "intersection": (LENS_AREA, 2 * (2 * np.pi / 3)),
    "nested": (2.0 + np.pi / 8 - np.pi / 16, 5.0 + np.pi / 2 + np.pi / 2),
    "box_minus_box": (7.0, 24.0),
}
CSG = {"union", "difference", "intersection", "nested", "box_minus_box"}


# -- every geometry -------------------------------------------------------------------

@pytest.mark.parametrize("name", GEOMETRIES)
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_interior_points_inside(name, sampler):
    g = GEOMETRIES[name]
    x = g.sample_interior(101, sampler, rng())
    assert x.shape == (101, g.dim)
    assert np.all(g.inside(x))
    lo, hi = g.bounding_box()
    assert np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12)


@pytest.mark.parametrize("name", GEOMETRIES)
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_boundary_points_on_boundary_with_unit_normals(name, sampler):
    g = GEOMETRIES[name]
    p, n = g.sample_boundary(103, sampler, rng())
    assert p.shape == (103, g.dim) and n.shape == (103, g.dim)
    assert np.all(g.on_boundary(p, 1e-9))
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0, atol=1e-12)
    # Outward: a small step along the normal leaves the region, a step against it stays.
    # (Skip points near corners, where the step may cut across.)
    eps = 1e-4
    inward_ok = g.inside(p - eps * n)
    outward_ok = ~g.inside(p + eps * n)
    assert inward_ok.mean() > 0.95 and outward_ok.mean() > 0.95


@pytest.mark.parametrize("name", GEOMETRIES)
def test_measures(name):
    g = GEOMETRIES[name]
    vol, bnd = MEASURES[name]
    if name in CSG:
        # Monte Carlo estimates: 200 000 points in the bounding box give a relative
        # standard error of ~0.1-0.3 % on the volume, 40 000 points per child boundary
        # ~0.5 % on the boundary; 2 % is > 4 standard errors.
        assert g.measure() == pytest.approx(vol, rel=0.02)
        assert g.boundary_measure() == pytest.approx(bnd, rel=0.02)
    else:
        assert g.measure() == pytest.approx(vol, rel=1e-12)
        assert g.boundary_measure() == pytest.approx(bnd, rel=1e-12)
        assert sum(g.boundary_measure(p) for p in g.boundary_parts) == pytest.approx(bnd)


@pytest.mark.parametrize("name", GEOMETRIES)
def test_sample_entry_point(name):
    g = GEOMETRIES[name]
    interior = g.sample("interior", 20, "sobol", rng(1))
    assert isinstance(interior, PointSet) and interior.normals is None
    assert interior.points.shape == (20, g.dim)
    boundary = g.sample("boundary", 20, "sobol", rng(1))
    assert boundary.points.shape == (20, g.dim) and boundary.normals.shape == (20, g.dim)
    again = g.sample("boundary", 20, "sobol", rng(1))
    np.testing.assert_array_equal(boundary.points, again.points)
    for part in g.boundary_parts:
        ps = g.sample(part, 5, "uniform", rng())
        assert ps.points.shape == (5, g.dim)


# -- primitives: analytic normals and part splits --------------------------------------

def test_interval():
    g = Interval(-1.0, 2.0)
    assert g.dim == 1 and g.coordinate_names == ("x",)
    assert g.boundary_parts == ("left", "right")
    p, n = g.sample_boundary(7, "sobol", rng())
    left = p[:, 0] == -1.0
    assert sorted([left.sum(), (~left).sum()]) == [3, 4]
    np.testing.assert_array_equal(n[left, 0], -1.0)
    np.testing.assert_array_equal(n[~left, 0], 1.0)
    np.testing.assert_array_equal(p[~left, 0], 2.0)
    p, n = g.sample_boundary(5, "uniform", rng(), part="left")
    np.testing.assert_array_equal(p, -1.0)
    np.testing.assert_array_equal(n, -1.0)
    p, n = g.sample_boundary(5, "uniform", rng(), part="x_max")
    np.testing.assert_array_equal(p, 2.0)
    np.testing.assert_array_equal(n, 1.0)
    assert list(g.inside(np.array([-1.0, 0.0, 2.0, 2.1]))) == [True, True, True, False]


RECT_SIDES = {  # part: (axis, value, normal)
    "left": (0, 0.0, (-1, 0)), "right": (0, 3.0, (1, 0)),
    "bottom": (1, -1.0, (0, -1)), "top": (1, 1.0, (0, 1)),
}


@pytest.mark.parametrize("part", RECT_SIDES)
def test_rectangle_sides(part):
    g = GEOMETRIES["rectangle"]
    axis, value, normal = RECT_SIDES[part]
    p, n = g.sample_boundary(50, "halton", rng(), part=part)
    np.testing.assert_array_equal(p[:, axis], value)
    np.testing.assert_array_equal(n, np.tile(normal, (50, 1)))
    alias = {"left": "x_min", "right": "x_max", "bottom": "y_min", "top": "y_max"}[part]
    p2, n2 = g.sample_boundary(50, "halton", rng(), part=alias)
    np.testing.assert_array_equal(p2, p)


def test_rectangle_split_follows_side_lengths():
    g = GEOMETRIES["rectangle"]  # sides 2 (left/right) and 3 (bottom/top), perimeter 10
    p, n = g.sample_boundary(1000, "sobol", rng())
    counts = {part: int(np.sum(np.all(n == RECT_SIDES[part][2], axis=1))) for part in RECT_SIDES}
    assert counts == {"left": 200, "right": 200, "bottom": 300, "top": 300}


def test_box_faces():
    g = GEOMETRIES["box"]
    assert g.boundary_parts == ("x_min", "x_max", "y_min", "y_max", "z_min", "z_max")
    p, n = g.sample_boundary(40, "sobol", rng(), part="y_max")
    np.testing.assert_array_equal(p[:, 1], 2.0)
    np.testing.assert_array_equal(n, np.tile([0.0, 1.0, 0.0], (40, 1)))
    assert np.all((p[:, 0] >= 0) & (p[:, 0] <= 1) & (p[:, 2] >= 0) & (p[:, 2] <= 3))
    # face areas: x faces 6, y faces 3, z faces 2; total 22
    p, n = g.sample_boundary(2200, "uniform", rng())
    assert int(np.sum(n[:, 0] == -1)) == 600
    assert int(np.sum(n[:, 1] == 1)) == 300
    assert int(np.sum(n[:, 2] == 1)) == 200


def test_disk_normals_are_radial():
    g = GEOMETRIES["disk"]
    p, n = g.sample_boundary(200, "sobol", rng())
    c = np.array(g.center)
    np.testing.assert_allclose(np.linalg.norm(p - c, axis=1), g.radius, rtol=1e-12)
    np.testing.assert_allclose(n, (p - c) / g.radius, atol=1e-12)
    assert g.sample("circle", 3, "uniform", rng()).normals.shape == (3, 2)


def test_polygon_edges_and_orientation():
    ccw = lshape()
    # edge i joins vertex i and i+1; outward normals of the L (counter-clockwise)
    expected = [(0, -1), (1, 0), (0, -1), (1, 0), (0, 1), (-1, 0)]
    v = np.array(ccw.vertices)
    for i, normal in enumerate(expected):
        p, n = ccw.sample_boundary(20, "uniform", rng(), part=f"edge{i}")
        np.testing.assert_allclose(n, np.tile(normal, (20, 1)), atol=1e-15)
        a, b = v[i], v[(i + 1) % 6]
        cross = (b[0] - a[0]) * (p[:, 1] - a[1]) - (b[1] - a[1]) * (p[:, 0] - a[0])
        np.testing.assert_allclose(cross, 0.0, atol=1e-12)
    # the same outline given clockwise gives the same outward normals
    cw = Polygon(v[::-1])
    p, n = cw.sample_boundary(500, "sobol", rng())
    np.testing.assert_allclose(n, _lshape_normals(p), atol=1e-12)
    np.testing.assert_array_equal(cw.ccw_vertices, v)
    assert cw.measure() == pytest.approx(3.0)


def _lshape_normals(p):
    """Outward normals of the L-shape's outline at boundary points p (N, 2)."""
    n = np.zeros_like(p)
    n[np.isclose(p[:, 1], -1)] = (0, -1)
    n[np.isclose(p[:, 0], -1)] = (-1, 0)
    n[np.isclose(p[:, 1], 1)] = (0, 1)
    n[np.isclose(p[:, 0], 1)] = (1, 0)
    n[np.isclose(p[:, 0], 0) & (p[:, 1] < 0)] = (1, 0)
    n[np.isclose(p[:, 1], 0) & (p[:, 0] > 0)] = (0, -1)
    return n


def test_lshape_inside_outside():
    g = lshape()
    pts = np.array([[0.5, -0.5], [-0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [1.5, 0.0], [0.0, 0.0],
                    [0.0, -0.5], [1.0, 1.0]])
    assert list(g.inside(pts)) == [False, True, True, True, False, True, True, True]
    assert list(g.on_boundary(pts)) == [False, False, False, False, False, True, True, True]
    assert g.boundary_parts == tuple(f"edge{i}" for i in range(6))


def test_polygon_split_follows_edge_lengths():
    g = lshape()  # edge lengths 1, 1, 1, 1, 2, 2
    p, n = g.sample_boundary(800, "uniform", rng())
    assert int(np.sum(np.isclose(p[:, 0], -1.0) & (n[:, 0] == -1))) == 200
    assert int(np.sum(np.isclose(p[:, 1], 1.0) & (n[:, 1] == 1))) == 200


def test_coordinates_override_and_aliases():
    g = Rectangle((0, 0), (1, 2), coordinates=("r", "z"))
    assert g.coordinate_names == ("r", "z")
    p, _ = g.sample_boundary(4, "uniform", rng(), part="z_max")
    np.testing.assert_array_equal(p[:, 1], 2.0)
    b = Box((0, 0, 0), (1, 1, 1), coordinates=("u", "v", "w"))
    assert b.boundary_parts[:2] == ("u_min", "u_max")
    assert Box((0, 0, 0), (1, 1, 1)).coordinate_names == ("x", "y", "z")
    with pytest.raises(ValueError, match=r"Rectangle.coordinates must be 2 distinct"):
        Rectangle((0, 0), (1, 1), coordinates=("x", "x"))


def test_frozen_and_hashable():
    g = Rectangle((0, 0), (1, 1))
    with pytest.raises(Exception):
        g.lo = (1, 1)
    assert g == Rectangle((0.0, 0.0), (1.0, 1.0))
    assert len({lshape(), lshape(), DISK_A | DISK_B}) == 2


# -- CSG ---------------------------------------------------------------------------------

def test_operators_build_csg():
    assert isinstance(DISK_A | DISK_B, Union)
    assert isinstance(DISK_A - DISK_B, Difference)
    assert isinstance(DISK_A & DISK_B, Intersection)
    assert isinstance(DISK_A | DISK_B, AbstractGeometry)
    assert (DISK_A | DISK_B).boundary_parts == ("boundary",)
    assert (DISK_A | DISK_B).coordinate_names == ("x", "y")


def test_union_of_overlapping_disks():
    g = DISK_A | DISK_B
    p, n = g.sample_boundary(2000, "sobol", rng())
    da, db = np.linalg.norm(p - DISK_A.center, axis=1), np.linalg.norm(p - DISK_B.center, axis=1)
    on_a, on_b = np.isclose(da, 1.0), np.isclose(db, 1.0)
    assert np.all(on_a | on_b)
    assert np.all(db[on_a] >= 1.0 - 1e-9) and np.all(da[on_b] >= 1.0 - 1e-9)
    np.testing.assert_allclose(n[on_a], p[on_a] - DISK_A.center, atol=1e-12)
    # symmetric shape: about half the points on each circle
    assert abs(on_a.mean() - 0.5) < 0.05
    assert list(g.inside(np.array([[0.5, 0.0], [-0.9, 0.0], [1.9, 0.0], [0.5, 1.0]]))) == [True, True, True, False]


def test_difference_flips_normals_on_the_hole():
    g = Rectangle((0, 0), (2, 2)) - Disk((1.0, 1.0), 0.5)
    p, n = g.sample_boundary(3000, "sobol", rng())
    c = np.array([1.0, 1.0])
    on_circle = np.isclose(np.linalg.norm(p - c, axis=1), 0.5)
    # normals on the hole point toward the disk centre
    np.testing.assert_allclose(n[on_circle], (c - p[on_circle]) / 0.5, atol=1e-12)
    # share of points on the circle ≈ π / (8 + π)
    assert on_circle.mean() == pytest.approx(np.pi / (8 + np.pi), abs=0.02)
    assert not g.inside(np.array([[1.0, 1.0]]))[0]
    assert g.inside(np.array([[1.5, 1.0], [0.1, 0.1]])).all()


def test_intersection_lens():
    g = DISK_A & DISK_B
    p, n = g.sample_boundary(1000, "halton", rng())
    da, db = np.linalg.norm(p - DISK_A.center, axis=1), np.linalg.norm(p - DISK_B.center, axis=1)
    on_a = np.isclose(da, 1.0)
    assert np.all(db[on_a] <= 1.0 + 1e-9) and np.all(da[~on_a] <= 1.0 + 1e-9)
    np.testing.assert_allclose(n[on_a], p[on_a] - DISK_A.center, atol=1e-12)
    np.testing.assert_allclose(n[~on_a], p[~on_a] - DISK_B.center, atol=1e-12)
    x = g.sample_interior(500, "sobol", rng())
    assert np.all(DISK_A.inside(x) & DISK_B.inside(x))


def test_union_drops_shared_edge():
    g = Rectangle((0, 0), (1, 1)) | Rectangle((1, 0), (2, 1))
    p, _ = g.sample_boundary(2000, "uniform", rng())
    on_shared = np.isclose(p[:, 0], 1.0) & (p[:, 1] > 1e-9) & (p[:, 1] < 1 - 1e-9)
    assert not on_shared.any()
    assert g.boundary_measure() == pytest.approx(6.0, rel=0.01)
    assert list(g.on_boundary(np.array([[1.0, 0.5], [0.0, 0.5], [1.0, 1.0]]))) == [False, True, True]


def test_csg_errors():
    with pytest.raises(ValueError, match=r"same dimension.*a.dim=1.*b.dim=2"):
        Interval(0, 1) | Disk((0, 0), 1)
    with pytest.raises(ValueError, match=r"do not overlap"):
        Disk((0, 0), 1) & Disk((5, 0), 1)
    with pytest.raises(TypeError, match=r"Union.b must be a geometry"):
        Union(DISK_A, 3)
    with pytest.raises(ValueError, match=r"unknown part of Union 'edge0'"):
        (DISK_A | DISK_B).sample("edge0", 5)


# -- SpaceTime --------------------------------------------------------------------------

def test_spacetime_basics():
    st = SpaceTime(Rectangle((0, 0), (1, 2)), 0.5, 2.0)
    assert st.coordinate_names == ("x", "y", "t")
    assert st.dim == 3 and st.spatial_dim == 2
    assert st.parts == ("interior", "boundary", "initial", "final", "left", "right", "bottom", "top")
    lo, hi = st.bounding_box()
    np.testing.assert_array_equal(lo, [0, 0, 0.5])
    np.testing.assert_array_equal(hi, [1, 2, 2.0])
    assert st.measure() == pytest.approx(3.0)
    assert SpaceTime(Interval(0, 1), 0, 1, time_name="s").coordinate_names == ("x", "s")


@pytest.mark.parametrize("geom", ["interval", "rectangle", "disk", "polygon", "union", "box"])
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_spacetime_parts(geom, sampler):
    g = GEOMETRIES[geom]
    st = SpaceTime(g, 1.0, 3.0)
    init = st.sample("initial", 40, sampler, rng())
    assert init.normals is None and init.points.shape == (40, g.dim + 1)
    np.testing.assert_array_equal(init.points[:, -1], 1.0)
    assert np.all(g.inside(init.points[:, :-1]))
    final = st.sample("final", 40, sampler, rng())
    np.testing.assert_array_equal(final.points[:, -1], 3.0)
    for part in ("boundary",) + g.boundary_parts[:2]:
        ps = st.sample(part, 41, sampler, rng())
        assert ps.points.shape == (41, g.dim + 1) and ps.normals.shape == (41, g.dim)
        t = ps.points[:, -1]
        assert np.all((t >= 1.0) & (t <= 3.0))
        assert np.all(g.on_boundary(ps.points[:, :-1], 1e-9))
    interior = st.sample("interior", 41, sampler, rng())
    assert interior.normals is None and np.all(st.inside(interior.points))


@pytest.mark.parametrize("geom", ["interval", "rectangle", "box"])
def test_spacetime_interior_lhs_stratified_in_time(geom):
    st = SpaceTime(GEOMETRIES[geom], 0.0, 2.0)
    n = 64
    t = st.sample("interior", n, "lhs", rng()).points[:, -1]
    np.testing.assert_array_equal(np.sort(np.floor(t / 2.0 * n)), np.arange(n))


def test_spacetime_boundary_time_is_sampled_jointly():
    st = SpaceTime(Interval(-1.0, 1.0), 0.0, 1.0)
    ps = st.sample("left", 32, "sobol", rng())
    np.testing.assert_array_equal(ps.points[:, 0], -1.0)
    np.testing.assert_array_equal(ps.normals, -1.0)
    np.testing.assert_array_equal(np.sort(np.floor(ps.points[:, 1] * 32)), np.arange(32))
    ps = st.sample("boundary", 64, "lhs", rng())
    assert int(np.sum(ps.points[:, 0] == -1.0)) == 32
    np.testing.assert_array_equal(ps.normals[:, 0], ps.points[:, 0])
    # disk circle × time: the (angle, time) pairs come from a 2D LHS
    st = SpaceTime(Disk((0, 0), 1.0), 0.0, 1.0)
    ps = st.sample("circle", 50, "lhs", rng())
    angle = np.mod(np.arctan2(ps.points[:, 1], ps.points[:, 0]), 2 * np.pi) / (2 * np.pi)
    for col in (angle, ps.points[:, 2]):
        np.testing.assert_array_equal(np.sort(np.floor(col * 50 + 1e-9) % 50), np.arange(50))


def test_spacetime_errors():
    with pytest.raises(ValueError, match=r"SpaceTime.t0 = 1.0 must be less than SpaceTime.t1 = 0.0"):
        SpaceTime(Interval(0, 1), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"SpaceTime.t1 must be finite"):
        SpaceTime(Interval(0, 1), 0.0, np.inf)
    with pytest.raises(ValueError, match=r"time_name 'x' is already a spatial coordinate"):
        SpaceTime(Interval(0, 1), 0.0, 1.0, time_name="x")
    with pytest.raises(TypeError, match=r"SpaceTime.geometry must be a geometry"):
        SpaceTime((0, 1), 0.0, 1.0)
    st = SpaceTime(Interval(0, 1), 0, 1)
    with pytest.raises(ValueError, match=r"unknown part of SpaceTime 'inital'.*initial, final.*Did you mean 'initial'"):
        st.sample("inital", 10)
    with pytest.raises(ValueError, match=r"unknown sampler 'halten'.*Did you mean 'halton'"):
        st.sample("interior", 10, "halten")


# -- parameter validation ---------------------------------------------------------------

@pytest.mark.parametrize("make,match", [
    (lambda: Interval(2.0, 1.0), r"Interval.a = 2.0 must be less than Interval.b = 1.0; swap"),
    (lambda: Interval(0.0, np.nan), r"Interval.b must be finite"),
    (lambda: Rectangle((0, 1), (1, 1)), r"Rectangle.lo\[1\] = 1.0 must be less than Rectangle.hi\[1\] = 1.0"),
    (lambda: Rectangle((0, 0, 0), (1, 1)), r"Rectangle.lo must hold 2 numbers"),
    (lambda: Box((0, 0, 3), (1, 1, 2)), r"Box.lo\[2\] = 3.0 must be less than Box.hi\[2\] = 2.0"),
    (lambda: Disk((0, 0), 0.0), r"Disk.radius must be > 0, got radius=0.0"),
    (lambda: Disk((0, 0), -2), r"Disk.radius must be > 0, got radius=-2"),
    (lambda: Polygon([(0, 0), (1, 0)]), r"Polygon.vertices must have shape \(k, 2\) with k >= 3, got shape \(2, 2\)"),
    (lambda: Polygon([(0, 0), (1, 1), (2, 2)]), r"Polygon.vertices enclose zero area"),
    (lambda: Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), r"edge0 and edge2 intersect.*not simple"),
    (lambda: Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]), r"vertex 3 and vertex 0 coincide.*do not close the ring"),
])
def test_bad_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_part_suggests_a_name():
    with pytest.raises(ValueError, match=r"unknown part of Rectangle 'tpo'.*left, right, bottom, top.*Did you mean 'top'"):
        Rectangle((0, 0), (1, 1)).sample("tpo", 10)
    with pytest.raises(ValueError, match=r"'boundry'.*Did you mean 'boundary'"):
        Disk((0, 0), 1).sample("boundry", 10)
    with pytest.raises(ValueError, match=r"'edge9'"):
        lshape().sample_boundary(10, part="edge9")
    with pytest.raises(ValueError, match=r"n must be a positive integer.*n=0"):
        Disk((0, 0), 1).sample("interior", 0)
