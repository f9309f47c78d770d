"""The pinnjax command: run directories, resume after SIGKILL, predict, exit codes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pinnjax.cli import main

TINY = """
name: tiny_heat
seed: 0
dtype: float64
domain:
  geometry: {type: interval, min: 0.0, max: 1.0}
  time: [0.0, 1.0]
fields: [u]
constants: {alpha: 0.1}
terms:
  - {type: pde, residual: "u_t - alpha*u_xx", points: {n: 128, sampler: sobol}}
  - {type: dirichlet, field: u, value: 0.0, on: left, points: 32}
  - {type: neumann, field: u, value: 0.0, on: right, points: 32}
  - {type: initial, field: u, value: "x*(2 - x)", points: 64}
network: {type: mlp, width: 12, depth: 2}
training:
  phases:
    - {type: adam, steps: STEPS, learning_rate: 1.0e-3}
    - {type: lbfgs, steps: 40}
  chunk: 20
  resample_every: 100
reference: {type: heat_mixed}
output: {checkpoint_every: 100}
"""


def write_config(tmp_path, steps=200, text=TINY):
    path = tmp_path / "tiny.yaml"
    path.write_text(text.replace("STEPS", str(steps)))
    return path


def metrics(run_dir):
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]


def test_run_writes_a_complete_run_directory(tmp_path, capsys):
    cfg = write_config(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(cfg), "--out", str(out), "--quiet"]) == 0
    for name in ("config.yaml", "metrics.jsonl", "model.eqx", "summary.json",
                 "plots/losses.png", "plots/prediction.png", "plots/reference.png", "plots/error.png"):
        assert (out / name).is_file(), name
    rows = metrics(out)
    assert [r["step"] for r in rows] == list(range(240))
    assert rows[0]["lr"] == pytest.approx(1e-3) and rows[-1]["phase"] == "lbfgs"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["seed"] == 0
    assert 0 < summary["relative_l2"]["u"] < 0.5  # 240 steps: trained but rough
    assert summary["steps"] == 240 and summary["steps_per_second"] > 0
    err = capsys.readouterr().err
    assert "done in" in err
    dtype = "float64" if "dtype: float64" in TINY else "float32, the default"
    assert f"-> {out} ({dtype}" in err  # the first line names the precision in use


def test_overrides_and_predict(tmp_path):
    cfg = write_config(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(cfg), "training.phases.0.steps=60", "training.phases.1.steps=10",
                 "--out", str(out), "--quiet"]) == 0
    assert len(metrics(out)) == 70
    pts = tmp_path / "pts.npz"
    np.savez(pts, x=np.linspace(0, 1, 7), t=np.full(7, 0.5))
    assert main(["predict", str(out), str(pts), "-o", str(tmp_path / "out.npz"), "--derivatives", "u_x,u_xx"]) == 0
    got = np.load(tmp_path / "out.npz")
    assert got["u"].shape == got["u_x"].shape == got["u_xx"].shape == (7,)
    np.testing.assert_allclose(got["x"], np.linspace(0, 1, 7))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "missing.yaml"], "config file 'missing.yaml' does not exist"),
        (["resume", "."], "is not a run directory"),
        (["predict", "nowhere", "p.npz", "-o", "o.npz"], "is not a finished run directory"),
    ],
)
def test_bad_input_exits_2_with_one_paragraph(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_predict_rejects_points_without_a_coordinate(tmp_path, capsys):
    cfg = write_config(tmp_path, steps=20)
    out = tmp_path / "run"
    assert main(["run", str(cfg), "training.phases.1.steps=1", "--out", str(out), "--quiet"]) == 0
    np.savez(tmp_path / "p.npz", x=np.zeros(3))
    assert main(["predict", str(out), str(tmp_path / "p.npz"), "-o", str(tmp_path / "o.npz")]) == 2
    assert "lacks coordinate(s) ['t']" in capsys.readouterr().err


def test_a_nan_loss_exits_1_names_the_term_and_keeps_the_last_checkpoint(tmp_path, capsys):
    text = TINY.replace('"u_t - alpha*u_xx"', '"u_t - alpha*u_xx + log(u - 10*t)"')
    cfg = write_config(tmp_path, text=text)
    out = tmp_path / "run"
    assert main(["run", str(cfg), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "non-finite in term(s) pde" in err
    assert not (out / "model.eqx").exists()


def _cli(*args):
    return [sys.executable, "-m", "pinnjax.cli", *args]


def _last_metric(run_dir):
    path = Path(run_dir) / "metrics.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    try:
        return len(lines), json.loads(lines[-1]) if lines else None
    except ValueError:  # a line being written
        return len(lines), None


@pytest.mark.slow
def test_sigkill_at_random_moments_of_adam_and_lbfgs_then_resume_matches_an_uninterrupted_run(tmp_path):
    # Two SIGKILLs, each a random 0-0.3 s (L-BFGS: 0-0.03 s) after the run (or its resumption)
    # has logged new steps of the phase named: once in Adam, once in L-BFGS (600 steps), the
    # second in a resumed run; checkpoints every 100 steps, so a kill loses up to 100 steps,
    # which the resumption redoes. (Four kills, two per phase, took 36 s of the suite's 10 min.)
    # On an idle machine the last L-BFGS steps take less than 0.3 s, so its kills come sooner.
    cfg = write_config(tmp_path, steps=1000, text=TINY.replace("steps: 40", "steps: 600"))
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    full = tmp_path / "full"
    subprocess.run(_cli("run", str(cfg), "--out", str(full), "--quiet"), check=True, env=env, timeout=300)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cli("run", str(cfg), "--out", str(killed), "--quiet"), env=env)
    delays = np.random.default_rng(3).uniform(0, 0.3, 2) * np.array([1.0, 0.1])
    for phase, delay in zip(("adam", "lbfgs"), delays):
        start, deadline = _last_metric(killed)[0], time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            n, last = _last_metric(killed)
            if n > max(start, 150) + 5 and last is not None and last["phase"] == phase:  # past a checkpoint
                break
            time.sleep(0.02)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not (killed / "summary.json").exists(), f"the run ended before the kill in {phase}"
        proc = subprocess.Popen(_cli("resume", str(killed), "--quiet"), env=env)
    assert proc.wait(timeout=300) == 0
    a, b = metrics(full), metrics(killed)
    assert [r["step"] for r in b] == list(range(len(a)))  # no duplicated or missing steps
    # float64, same batches and optimizer state: the resumed run reproduces the losses.
    assert [r["total"] for r in b] == [r["total"] for r in a]
    sa = json.loads((full / "summary.json").read_text())
    sb = json.loads((killed / "summary.json").read_text())
    assert sb["relative_l2"]["u"] == sa["relative_l2"]["u"]


@pytest.mark.slow
def test_the_cli_keeps_jax_compilations_in_its_cache_directory(tmp_path, monkeypatch):
    # A short run in a fresh process (the test session's own cache is set in conftest): with
    # PINNJAX_CACHE_DIR the compiled programs land there; with PINNJAX_NO_CACHE=1 the CLI asks
    # for no cache directory (a second run proving that no file is written took 15 s).
    import os
    import subprocess
    import sys

    from pinnjax.cli import compile_cache_dir

    config = Path(__file__).resolve().parent.parent / "configs" / "heat_mixed_bc.yaml"
    command = [sys.executable, "-m", "pinnjax.cli", "run", str(config), "training.phases.0.steps=20", "training.phases.1.steps=20",
               "--quiet"]
    plain = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}  # not the session's cache
    subprocess.run(command + ["--out", str(tmp_path / "on")], env={**plain, "PINNJAX_CACHE_DIR": str(tmp_path / "cache")},
                   check=True, capture_output=True, timeout=300)
    assert list((tmp_path / "cache").glob("*"))
    monkeypatch.delenv("PINNJAX_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compile_cache_dir() == tmp_path / "xdg" / "pinnjax" / "xla"
    monkeypatch.setenv("PINNJAX_NO_CACHE", "1")
    assert compile_cache_dir() is None
