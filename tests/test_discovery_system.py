"""Discovery of a system: one equation per field over one library built from all fields.

The fast tests read an analytic pair through the library (u = S(x) cos t, v = S(x) sin t with
S = sin x + 0.5 sin 2x, so u_t = -v and v_t = u exactly): every column equals its closed
form, the regression matrix is block-diagonal, the residuals vanish at the true
coefficients, and the per-equation selection finds each equation. The slow test runs a
short discovery of the reaction-diffusion pair from a YAML config and reads summary.json.
"""

import json

import jax
import numpy as np
import pytest
import yaml

from pinnjax.cli import main
from pinnjax.config import ConfigError, build_discovery
from pinnjax.discovery import (
    STLSQ,
    Bootstrap,
    DataError,
    DiscoveryResult,
    Equation,
    PerEquation,
    System,
    load_measurements,
    measurements,
    polynomial_library,
    refit,
)
from pinnjax.discovery.evaluation import SystemTerms, make_terms
from pinnjax.reference import multiscale as ms


def _closed_forms(x, t, phase=0.0):
    """Every name the library reads, exactly: u = S cos t, v = S sin t, S = sin x + 0.5 sin 2x."""
    s = [np.sin(x + phase) + 0.5 * np.sin(2 * x), np.cos(x + phase) + np.cos(2 * x),
         -np.sin(x + phase) - 2 * np.sin(2 * x)]  # S, S_x, S_xx
    c, n = np.cos(t), np.sin(t)
    out = {}
    for name, time, dt in (("u", c, -n), ("v", n, c)):
        out.update({name: s[0] * time, f"{name}_x": s[1] * time, f"{name}_xx": s[2] * time, f"{name}_t": s[0] * dt})
    return out


class _Pair:
    """Stands in for a trained network with outputs u, v (one trajectory) or u0, v0, u1, v1
    (trajectory 1 shifted in phase by 0.3)."""

    def predict(self, points, names):
        x, t = np.asarray(points).T
        out = {}
        for name in names:
            field, _, rest = name.partition("_")
            j = int(field[1:]) if len(field) > 1 else 0
            out[name] = _closed_forms(x, t, 0.3 * j)[field[0] + ("_" + rest if rest else "")]
        return out


def _points(n=40, seed=0):
    return np.random.default_rng(seed).uniform([0, 0], [2 * np.pi, 1], size=(n, 2))


def test_polynomial_library_of_two_fields_multiplies_monomials_by_one_derivative_of_either():
    lib = polynomial_library(["u", "v"], ["x"], degree=2, order=2)
    assert lib.terms[:6] == ("1", "u", "v", "u**2", "u*v", "v**2")
    assert len(lib) == 6 * 5  # monomials x (1, u_x, v_x, u_xx, v_xx)
    assert {"u*v*u_x", "v**2*v_xx", "u_xx", "v_xx", "u*v_x"} <= set(lib.terms)


def test_system_matrix_is_block_diagonal_with_the_closed_form_columns():
    lib = polynomial_library(["u", "v"], ["x"], degree=2, order=2)
    terms = make_terms(lib, ("u", "v"), ("x", "t"))
    assert isinstance(terms, SystemTerms) and terms.lhs == "u_t, v_t" and terms.n_equations == 2
    assert terms.terms[:2] == ("u_t:1", "u_t:u") and terms.terms[30:32] == ("v_t:1", "v_t:u")
    pts = _points()
    with jax.enable_x64(True):  # the terms are evaluated with jax.numpy: float64 to compare at 1e-12
        theta, y = terms.stacked(_Pair(), pts, ("u0", "v0", "u1", "v1"))  # two trajectories
    k, n = len(lib), len(pts)
    assert theta.shape == (4 * n, 2 * k) and y.shape == (4 * n,)
    np.testing.assert_array_equal(theta[2 * n:, :k], 0.0)
    np.testing.assert_array_equal(theta[:2 * n, k:], 0.0)
    np.testing.assert_array_equal(theta[:2 * n, :k], theta[2 * n:, k:])
    for j in (0, 1):
        f = _closed_forms(pts[:, 0], pts[:, 1], 0.3 * j)
        block = theta[j * n:(j + 1) * n, :k]
        for name, column in (("1", 1.0), ("v", f["v"]), ("u*v", f["u"] * f["v"]), ("u_xx", f["u_xx"]),
                             ("u*v*u_x", f["u"] * f["v"] * f["u_x"]), ("v**2*v_xx", f["v"] ** 2 * f["v_xx"])):
            np.testing.assert_allclose(block[:, lib.terms.index(name)], column, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(y[j * n:(j + 1) * n], f["u_t"], rtol=1e-12)  # u_t of both trajectories,
        np.testing.assert_allclose(y[(2 + j) * n:(3 + j) * n], f["v_t"], rtol=1e-12)  # then v_t of both


def test_system_residuals_vanish_at_the_true_coefficients_and_name_each_equation():
    lib = polynomial_library(["u", "v"], ["x"], degree=2, order=2)
    terms = make_terms(lib, ("u", "v"), ("x", "t"))
    k = len(lib)
    i_v, i_u, i_uv = lib.terms.index("v"), lib.terms.index("u"), lib.terms.index("u*v")
    active, scale = [i_v, i_uv, k + i_u], {i_v: -2.0, i_uv: 1.0, k + i_u: 0.5}
    pts = _points()
    values = {**_closed_forms(*pts.T), "x": pts[:, 0], "t": pts[:, 1]}
    # true: u_t = -v (c = 1 at scale -2: -2), u*v off (c = 0); v_t = u (c = 2 at scale 0.5)
    values.update({f"c{i_v}": 0.5, f"c{i_uv}": 0.0, f"c{k + i_u}": 2.0})
    (j0, name_u, res_u), (j1, name_v, res_v) = terms.residuals(active, scale, ("u", "v"))
    assert (j0, name_u, j1, name_v) == (0, "pde_u", 0, "pde_v")
    assert res_u.text == f"u_t - (c{i_v}*(v) + c{i_uv}*(u*v))" and res_v.text == f"v_t - (c{k + i_u}*(u))"
    np.testing.assert_allclose(res_u.fn(values), 0.0, atol=1e-14)
    np.testing.assert_allclose(res_v.fn(values), 0.0, atol=1e-14)
    values[f"c{k + i_u}"] = 1.0  # half the true coefficient leaves half of v_t
    np.testing.assert_allclose(res_v.fn(values), 0.5 * values["v_t"], atol=1e-14)
    names = [n for _, n, _ in terms.residuals(active, scale, ("u0", "v0", "u1", "v1"))]
    assert names == ["pde0_u", "pde0_v", "pde1_u", "pde1_v"]


def test_per_equation_selection_finds_each_equation_and_its_coefficient():
    lib = polynomial_library(["u", "v"], ["x"], degree=2, order=2)
    terms = make_terms(lib, ("u", "v"), ("x", "t"))
    with jax.enable_x64(True):
        theta, y = terms.stacked(_Pair(), _points(200), ("u", "v"))
    selector = PerEquation(STLSQ(), 2)
    levels, mask = selector.select(theta, y, np.random.default_rng(0), penalty=0.05)
    assert len(levels) == 2 and [terms.terms[i] for i in np.flatnonzero(mask)] == ["u_t:v", "v_t:u"]
    xi = refit(theta, y, mask)
    np.testing.assert_allclose(xi[mask], [-1.0, 1.0], rtol=1e-10)
    freq = Bootstrap(20).frequencies(selector, theta, y, levels, np.random.default_rng(1))
    assert freq.shape == (2 * len(lib),) and freq[mask].tolist() == [1.0, 1.0] and freq[~mask].max() == 0.0
    equation = terms.equation(xi)
    assert isinstance(equation, System) and str(equation) == "u_t = -1 v\nv_t = 1 u"
    assert equation.active() == pytest.approx({"u_t:v": -1.0, "v_t:u": 1.0})
    assert equation["v_t"].active() == pytest.approx({"u": 1.0}) and equation.lhs == "u_t, v_t"


def test_result_per_equation_reads_each_fields_coefficients_intervals_and_frequencies():
    lib = ("u", "v")
    system = System((Equation("u_t", lib, np.array([0.0, -2.0])), Equation("v_t", lib, np.array([3.0, 0.0]))))
    checks = {"terms": [{"term": "u_t:v", "interval": [-2.1, -1.9]}, {"term": "v_t:u", "interval": [2.9, 3.1]}]}
    result = DiscoveryResult(system, {"u_t:u": 0.1, "u_t:v": 1.0, "v_t:u": 0.9, "v_t:v": 0.0}, [], None, (), checks)
    assert result.per_equation() == [
        {"lhs": "u_t", "equation": "u_t = -2 v", "coefficients": {"v": -2.0}, "intervals": {"v": [-2.1, -1.9]},
         "frequencies": {"u": 0.1, "v": 1.0}},
        {"lhs": "v_t", "equation": "v_t = 3 u", "coefficients": {"u": 3.0}, "intervals": {"u": [2.9, 3.1]},
         "frequencies": {"u": 0.9, "v": 0.0}}]


def test_measurements_of_two_fields_one_row_per_value_and_one_output_per_field(tmp_path):
    pts = _points(5)
    data = measurements(pts, np.column_stack([np.arange(5.0), 10 + np.arange(5.0)]), ("x", "t"), ["u", "v"],
                        trajectory=[0, 0, 1, 1, 1])
    assert data.fields == ("u", "v") and len(data) == 10 and data.outputs() == ("u0", "v0", "u1", "v1")
    np.testing.assert_array_equal(data.channel, [0, 0, 2, 2, 2, 1, 1, 3, 3, 3])
    np.testing.assert_array_equal(data.of_channel(3)[1], [12.0, 13.0, 14.0])
    np.testing.assert_array_equal(data.trajectory_points(1), np.unique(pts[2:], axis=0))
    with pytest.raises(DataError, match=r"^data: values must have shape \(N, 2\), one column per field \['u', 'v'\], "
                                        r"got \(5,\)$"):
        measurements(pts, np.arange(5.0), ("x", "t"), ["u", "v"])
    np.savez(tmp_path / "pair.npz", x=pts[:, 0], t=pts[:, 1], u=np.arange(5.0), v=10 + np.arange(5.0))
    loaded = load_measurements(tmp_path / "pair.npz", ("x", "t"), ["u", "v"])
    np.testing.assert_array_equal(loaded.values, np.concatenate([np.arange(5.0), 10 + np.arange(5.0)]))
    assert loaded.outputs() == ("u", "v")
    with pytest.raises(DataError, match=r"missing column\(s\) \['w'\]; .* one for each field \['u', 'w'\]"):
        load_measurements(tmp_path / "pair.npz", ("x", "t"), ["u", "w"])


PAIR = """\
kind: discovery
name: pair
data: {files: [pair.npz], coordinates: [x, t], fields: [u, v]}
lhs: [u_t, v_t]
library: {degree: 2, order: 2}
penalty: 1.0e-3
challengers: 0
max_widenings: 0
smooth_first: false
max_rounds: 1
periodic: {x: 2}
network: {type: mlp, width: 24, depth: 3}
fit: [{type: adam, steps: 500, learning_rate: 3.0e-3}, {type: lbfgs, steps: 1500}]
physics: [{type: adam, steps: 200, learning_rate: 1.0e-3}, {type: lbfgs, steps: 600}]
polish: [{type: lbfgs, steps: 600}]
n_collocation: 600
n_bootstrap: 20
"""


def _pair_dir(tmp_path, n=600):
    ref = ms.reaction_diffusion_pair(nx=64, nt=41, n_internal=64, dt=5e-3)
    pts, rows = ref.points(), np.random.default_rng(0).choice(64 * 41, n, replace=False)
    np.savez(tmp_path / "pair.npz", x=pts[rows, 0], t=pts[rows, 1], u=ref.fields["u"].ravel()[rows],
             v=ref.fields["v"].ravel()[rows])
    (tmp_path / "pair.yaml").write_text(PAIR)
    return tmp_path


def test_yaml_config_of_two_fields_builds_one_equation_per_field(tmp_path):
    config = yaml.safe_load(PAIR)
    np.savez(tmp_path / "pair.npz", x=np.linspace(-1, 1, 50), t=np.linspace(0, 1, 50), u=np.zeros(50), v=np.ones(50))
    exp = build_discovery(config, tmp_path)
    assert exp.data.fields == ("u", "v") and exp.lhs == ("u_t", "v_t") and len(exp.library) == 30
    with jax.enable_x64(True):
        assert exp.make_network(2, 2, 0)(np.zeros(2)).shape == (2,)  # one output per field
    assert build_discovery({**config, "lhs": None}, tmp_path).lhs == ("u_t", "v_t")
    with pytest.raises(ConfigError, match=r"with the fields \['u', 'v'\] lhs is a list of names, one per field in "
                                          r"that order \(e\.g\. \['u_t', 'v_t'\]\), got 'u_t'"):
        build_discovery({**config, "lhs": "u_t"}, tmp_path)
    with pytest.raises(ConfigError, match=r"^lhs: 'v_t' is not 'u' or a derivative of it; write e\.g\. u_t"):
        build_discovery({**config, "lhs": ["v_t", "u_t"]}, tmp_path)
    with pytest.raises(ConfigError, match=r"give field \(one\) or fields \(several\), not both"):
        build_discovery({**config, "data": {**config["data"], "field": "u"}}, tmp_path)
    with pytest.raises(ConfigError, match=r"a built-in reference gives one field; for the fields \['u', 'v'\] give "
                                          r"files"):
        build_discovery({**config, "data": {"reference": {"type": "burgers"}, "fields": ["u", "v"]}}, tmp_path)


@pytest.mark.slow
def test_short_yaml_discovery_of_the_reaction_diffusion_pair_recovers_each_equation(tmp_path):
    """Clean data (600 points of a 64 x 41 grid). The diffusion terms explain 0.4-0.5 % of
    var(lhs) (RMS 0.036 of 0.58, 0.052 of 0.71), so the default 5 % rule would leave them to
    the challenge stage (a dozen trainings); at penalty 0.1 % the selection keeps them itself.
    Measured with this budget: every coefficient within 1.4 % (u_t's u_xx; v_t's v_xx 1.1 %,
    the reactions within 1 %); the tolerance is the issue's target, 5 %."""
    cfg = _pair_dir(tmp_path) / "pair.yaml"
    assert main(["discover", str(cfg), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["lhs"] == "u_t, v_t" and [e["lhs"] for e in summary["system"]] == ["u_t", "v_t"]
    truth = {"u_t": {"v": -ms.PAIR_ALPHA, "u*v": -ms.PAIR_ALPHA, "u_xx": ms.PAIR_DU},
             "v_t": {"u": ms.PAIR_GAMMA, "u*v": ms.PAIR_GAMMA, "v_xx": ms.PAIR_DV}}
    for entry in summary["system"]:
        found = entry["coefficients"]
        assert set(found) == set(truth[entry["lhs"]]), entry["equation"]
        for term, c in truth[entry["lhs"]].items():
            assert found[term] == pytest.approx(c, rel=0.05), (entry["lhs"], term)
            lo, hi = entry["intervals"][term]
            assert lo < hi and (lo + hi) / 2 == pytest.approx(c, rel=0.05), (entry["lhs"], term)
    assert summary["equation"] == "\n".join(e["equation"] for e in summary["system"])
    assert (tmp_path / "run" / "equation.txt").read_text() == summary["equation"] + "\n"
