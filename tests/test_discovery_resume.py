"""Discoveries that survive a crash: every training is recorded in the run directory, and
a discovery run again (``pinnjax resume RUN_DIR``) replays what was done and continues
the interrupted training, to the same equation and coefficients to the last bit.

The case: the two-mode heat solution u_t = 0.1 u_xx (300 exact points, one trajectory),
library of 9 terms, an early-stopped fit (Adam 300 + L-BFGS 500, 20% held out), one
pruning round (L-BFGS 400) and a polish (L-BFGS 300), checkpoints every 100 steps.
"""

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

CONFIG = """\
kind: discovery
name: heat_resume
data: {files: [a.npz], coordinates: [x, t], field: u}
library: {degree: 2, order: 2}
smooth_first: false
n_bootstrap: 0
max_widenings: 0
challengers: 0             # the challenge stage has its own tests; this file is about replay
network: {type: mlp, width: 16, depth: 3}
fit:
  - {type: adam, steps: FIT, learning_rate: 3.0e-3}
  - {type: lbfgs, steps: 500}
physics:
  - {type: lbfgs, steps: 400}
polish: POLISH
n_collocation: 500
dtype: float64
output: {checkpoint_every: 100}
"""


@pytest.fixture
def config(tmp_path):
    rng = np.random.default_rng(0)
    x, t = rng.uniform(size=(2, 300))
    u = np.exp(-np.pi**2 * 0.1 * t) * np.sin(np.pi * x) + 0.5 * np.exp(-4 * np.pi**2 * 0.1 * t) * np.sin(2 * np.pi * x)
    np.savez(tmp_path / "a.npz", x=x, t=t, u=u)

    def write(fit_steps=300, polish="[{type: lbfgs, steps: 300}]"):
        path = tmp_path / f"heat_{fit_steps}.yaml"
        path.write_text(CONFIG.replace("FIT", str(fit_steps)).replace("POLISH", polish))
        return path

    return write


def summary(run_dir):
    return json.loads((Path(run_dir) / "summary.json").read_text())


@pytest.mark.slow
def test_a_discovery_run_again_reads_its_trainings_back_and_retrains_a_damaged_one(config, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["discover", str(config()), "--out", str(run), "--quiet"]) == 0
    first = summary(run)
    assert list(first["coefficients"]) == ["u_xx"] and abs(first["coefficients"]["u_xx"] / 0.1 - 1) < 0.01
    assert main(["resume", str(run)]) == 0  # finished: says so, trains nothing
    assert "already complete (u_t = 0.1" in capsys.readouterr().err
    # as if killed after the last training, before the summary, with the pruning round's
    # record damaged since: that training runs again, the others are read back
    (run / "summary.json").unlink()
    physics = next((run / "trainings" / "seed0").glob("001-physics/step_*"))
    (physics / "arrays.eqx").write_bytes(b"truncated")
    assert main(["resume", str(run)]) == 0
    err = capsys.readouterr().err
    assert "3 training(s) recorded" in err
    assert f"checkpoint {physics.name} is damaged: arrays.eqx does not match its checksum" in err
    assert "training seed0/000-fit: done before, read back" in err and "002-polish: done before, read back" in err
    assert "001-physics: done before" not in err
    assert summary(run)["coefficients"] == first["coefficients"]  # the same numbers, to the last bit


def _cli(*args):
    return [sys.executable, "-m", "pinnjax.cli", *args]


def _wait_for(run, pattern, proc, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if list((run / "trainings").glob(pattern)):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_discovery_killed_mid_fit_and_mid_physics_resumes_to_the_same_equation(config, tmp_path):
    # SIGKILL twice, each a random 0-0.5 s after a checkpoint appeared: while fitting (so the
    # early stop's best parameters are restored too), and in the pruning round's L-BFGS; each
    # time `pinnjax resume` continues. The answer equals the uninterrupted run's exactly.
    # (No polish here: two trainings are enough to kill in, and the suite has a time budget.)
    cfg, env = config(fit_steps=1000, polish="[]"), dict(os.environ, JAX_PLATFORMS="cpu")
    full, killed = tmp_path / "full", tmp_path / "killed"
    subprocess.run(_cli("discover", str(cfg), "--out", str(full), "--quiet"), check=True, env=env, timeout=400)
    proc = subprocess.Popen(_cli("discover", str(cfg), "--out", str(killed), "--quiet"), env=env)
    delays = np.random.default_rng(7).uniform(0, 0.5, 2)
    for pattern, delay in zip(("seed0/000-fit/step_*", "seed0/001-physics/step_*"), delays):
        assert _wait_for(killed, pattern, proc), f"never reached {pattern}"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert not (killed / "summary.json").exists()  # really killed mid-run
        proc = subprocess.Popen(_cli("resume", str(killed), "--quiet"), env=env)
    assert proc.wait(timeout=400) == 0
    a, b = summary(full), summary(killed)
    assert b["coefficients"] == a["coefficients"] and b["equation"] == a["equation"]
    assert [r["terms"] for r in b["rounds"]] == [r["terms"] for r in a["rounds"]]
