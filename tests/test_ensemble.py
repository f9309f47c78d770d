"""Ensembles: N members in one vmapped step give what N separate runs give."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pinnjax as pj

X = np.linspace(0.0, 1.0, 101)[:, None]


def _problem():
    return pj.Problem(pj.Interval(0.0, 1.0), ("u",),
                      [pj.PDE("u_xx + pi**2*sin(pi*x)", 64), pj.Dirichlet("u", 0.0, points=2)])


def _nets(n, dtype=jnp.float64):
    return [pj.MLP(1, 1, 12, 2, key=jax.random.key(s), dtype=dtype) for s in range(n)]


@pytest.mark.slow
def test_each_member_follows_its_own_single_run_through_adam_and_bfgs_with_redraws():
    phases = [pj.Adam(60, 1e-2), pj.BFGS(30)]
    with jax.enable_x64(True):
        problem, nets = _problem(), _nets(3)
        ens = pj.solve_ensemble(problem, nets, phases, seeds=[0, 1, 2], dtype="float64", chunk=20, resample_every=20)
        for i in range(3):
            single = pj.solve(problem, nets[i], phases, seed=i, dtype="float64", chunk=20, resample_every=20)
            member = ens.member(i)
            # same path: only the summation order of vmapped reductions differs (float64 rounding, amplified
            # over 90 steps to ~1e-13 here)
            np.testing.assert_allclose(member.predict(X)["u"], single.predict(X)["u"], atol=1e-10)
            for name, value in single.final_losses.items():
                assert member.final_losses[name] == pytest.approx(value, rel=1e-8)
            assert len(member.history.total) == len(single.history.total)
            assert [r.stop_reason for r in ens.reports[i]] == [r.stop_reason for r in single.phases]
    # the members differ from one another (own initialization, own points)
    u = [ens.member(i).predict(X)["u"] for i in range(3)]
    assert np.abs(u[0] - u[1]).max() > 1e-6


@pytest.mark.slow
def test_a_member_that_stops_waits_while_the_others_go_on():
    """L-BFGS with a gradient tolerance one member meets early: its iterations stop, its
    parameters stay, and the others' results are those of their own runs."""
    phases = [pj.Adam(40, 1e-2), pj.LBFGS(200, gtol=1e-3)]
    with jax.enable_x64(True):
        problem, nets = _problem(), _nets(2)
        ens = pj.solve_ensemble(problem, nets, phases, seeds=[0, 1], dtype="float64", chunk=25)
        singles = [pj.solve(problem, nets[i], phases, seed=i, dtype="float64", chunk=25) for i in range(2)]
    steps = [r[-1].steps for r in ens.reports]
    assert steps[0] != steps[1]  # measured: 98 and 118 iterations, both on the gradient tolerance
    for i, single in enumerate(singles):
        assert ens.reports[i][-1].steps == single.phases[-1].steps
        assert ens.reports[i][-1].stop_reason == single.phases[-1].stop_reason == "gradient tolerance"
        # ~100 L-BFGS iterations amplify the vmapped reductions' rounding to ~1e-10
        np.testing.assert_allclose(ens.member(i).predict(X)["u"], single.predict(X)["u"], atol=1e-8)


def test_ensembles_refuse_what_they_cannot_train():
    problem = _problem()
    with pytest.raises(ValueError, match="one network per seed; got 2 network"):
        pj.solve_ensemble(problem, _nets(2, jnp.float32), [pj.Adam(5)], seeds=[0, 1, 2])
    mixed = [pj.MLP(1, 1, 12, 2, key=jax.random.key(0)), pj.MLP(1, 1, 8, 2, key=jax.random.key(1))]
    with pytest.raises(ValueError, match="differ in structure"):
        pj.solve_ensemble(problem, mixed, [pj.Adam(5)], seeds=[0, 1])
    causal = pj.Problem(pj.SpaceTime(pj.Interval(0.0, 1.0), 0.0, 1.0), ("u",),
                        [pj.PDE("u_t - u_xx", 64, causal=pj.Causal(4))])
    with pytest.raises(ValueError, match="causal weighting or point weights, which ensembles do not support"):
        pj.solve_ensemble(causal, [pj.MLP(2, 1, 8, 2, key=jax.random.key(0))], [pj.Adam(5)], seeds=[0])


SCRIPT = """
import jax, numpy as np, pinnjax as pj
assert jax.device_count() == 4
problem = pj.Problem(pj.Interval(0.0, 1.0), ("u",), [pj.PDE("u_xx + pi**2*sin(pi*x)", 64),
                     pj.Dirichlet("u", 0.0, points=2)])
nets = [pj.MLP(1, 1, 12, 2, key=jax.random.key(s)) for s in range(4)]
x = np.linspace(0, 1, 11)[:, None]
ens = pj.solve_ensemble(problem, nets, [pj.Adam(50, 1e-2)], seeds=range(4), mesh=pj.point_mesh())
plain = pj.solve_ensemble(problem, nets, [pj.Adam(50, 1e-2)], seeds=range(4))
leaf = jax.tree_util.tree_leaves(ens.params)[0]
assert len(leaf.sharding.device_set) == 4, leaf.sharding
print(max(float(np.abs(ens.member(i).predict(x)["u"] - plain.member(i).predict(x)["u"]).max()) for i in range(4)))
"""


@pytest.mark.slow
def test_members_split_over_devices_give_the_same_answers():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.strip().splitlines()[-1]) < 1e-5  # float32, 50 steps


# ---------------------------------------------------------------- configs and the CLI
CONFIG = """
name: ens
dtype: float64
ensemble: 3
domain: {geometry: {type: interval, min: 0.0, max: 1.0}}
fields: [u]
terms:
  - {type: pde, residual: "u_xx + pi**2*sin(pi*x)", points: 64}
  - {type: dirichlet, field: u, points: 2}
network: {type: mlp, width: 12, depth: 2}
training: {phases: [{type: adam, steps: 60, learning_rate: 0.01}, {type: bfgs, steps: 30}], resample_every: 20}
reference: {file: REF}
"""


def _config(tmp_path, text=CONFIG):
    ref = tmp_path / "ref.npz"
    x = np.linspace(0.0, 1.0, 101)
    np.savez(ref, x=x, u=np.sin(np.pi * x))
    return text.replace("REF", str(ref))


@pytest.mark.slow
def test_a_config_ensemble_writes_each_member_and_their_statistics(tmp_path, capsys):
    import json

    from pinnjax.cli import main

    from pinnjax.config import build_experiment
    from pinnjax.config.loader import parse_yaml

    path = tmp_path / "ens.yaml"
    path.write_text(_config(tmp_path))
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert "relative L2 of u: median" in capsys.readouterr().err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["ensemble"] == [0, 1, 2] and summary["relative_l2"]["u"]["n"] == 3
    # each member is the single run of its seed (config seed = s): same relative L2
    exp = build_experiment(parse_yaml(_config(tmp_path).replace("ensemble: 3\n", "seed: 1\n")))
    with jax.enable_x64(True):
        single = pj.solve(exp.problem, exp.network, exp.phases, **exp.solve_kwargs)
    points, values, field = exp.reference
    member = json.loads((tmp_path / "run" / "members" / "seed_1" / "summary.json").read_text())
    assert member["relative_l2"]["u"] == pytest.approx(single.relative_l2(points, values, field), rel=1e-6)
    assert (tmp_path / "run" / "members" / "seed_2" / "model.eqx").is_file()
    median = summary["relative_l2"]["u"]["median"]
    assert median == pytest.approx(np.median([m["relative_l2"]["u"] for m in summary["members"]]))


@pytest.mark.parametrize("old, new, message", [
    ("ensemble: 3", "ensemble: [1, 1]", "the seeds repeat"),
    ("ensemble: 3", "ensemble: 0", "a number of members"),
    ("resample_every: 20}", "resample_every: 20, balancing: {type: grad_norm}}", "fixed term weights"),
])
def test_bad_ensembles_are_refused_at_the_key(old, new, message, tmp_path):
    from pinnjax.config import ConfigError, build_experiment
    from pinnjax.config.loader import parse_yaml

    with pytest.raises(ConfigError, match=message) as err:
        build_experiment(parse_yaml(_config(tmp_path).replace(old, new)))
    assert err.value.path == "ensemble"


@pytest.mark.slow
def test_an_ensemble_stopped_after_a_phase_resumes_to_the_uninterrupted_answer(tmp_path, monkeypatch, capsys):
    """Killed right after the Adam phase's member checkpoints: ``pinnjax resume`` runs the BFGS
    phase from them, and every member ends as in the uninterrupted run."""
    import json

    import pinnjax.runs.ensemble as runs_ensemble
    from pinnjax.cli import main

    path = tmp_path / "ens.yaml"
    path.write_text(_config(tmp_path))
    assert main(["run", str(path), "--out", str(tmp_path / "whole"), "--quiet"]) == 0
    saved = runs_ensemble.save_members

    def save_then_die(run_dir, seeds, states):
        saved(run_dir, seeds, states)
        raise KeyboardInterrupt  # as if killed once the first phase is on disk

    monkeypatch.setattr(runs_ensemble, "save_members", save_then_die)
    assert main(["run", str(path), "--out", str(tmp_path / "cut"), "--quiet"]) == 1
    assert not (tmp_path / "cut" / "summary.json").exists()
    monkeypatch.setattr(runs_ensemble, "save_members", saved)
    capsys.readouterr()
    assert main(["resume", str(tmp_path / "cut"), "--quiet"]) == 0
    assert "from the end of phase 1 (step 60)" in capsys.readouterr().err
    whole, cut = (json.loads((tmp_path / d / "summary.json").read_text()) for d in ("whole", "cut"))
    for a, b in zip(whole["members"], cut["members"]):
        assert a["seed"] == b["seed"] and a["steps"] == b["steps"]
        assert b["relative_l2"]["u"] == pytest.approx(a["relative_l2"]["u"], rel=1e-9)
    assert main(["resume", str(tmp_path / "cut")]) == 0
    assert "already complete" in capsys.readouterr().err
