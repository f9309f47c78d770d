"""``pinnjax run`` over several processes (jax.distributed): two CPU processes on this machine
take the steps of one process, process 0 alone writes; the flags and the environment that
start such a run, and the errors for bad values."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from test_cli import TINY, metrics  # a tiny heat run and its metrics.jsonl rows

from pinnjax.cli import main
from pinnjax.runs.distributed import Cluster, ClusterError, requested

# the tiny heat run without its L-BFGS phase: 30 Adam steps, points redrawn at step 20
CONFIG = (TINY.replace("    - {type: lbfgs, steps: 40}\n", "").replace("STEPS", "30")
          .replace("learning_rate: 1.0e-3", "learning_rate: 1.0e-2")
          .replace("resample_every: 100", "resample_every: 20"))
# every launcher variable that would make a process join a run of its own
LAUNCHER = ("JAX_COORDINATOR_ADDRESS", "SLURM_JOB_ID", "SLURM_STEP_NODELIST", "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS",
            "SLURM_PROCID", "SLURM_LOCALID", "OMPI_MCA_orte_hnp_uri", "OMPI_COMM_WORLD_SIZE")
SLURM_STEP = {"SLURM_JOB_ID": "7", "SLURM_STEP_NODELIST": "node[001-002]", "SLURM_NTASKS": "2",
              "SLURM_STEP_NUM_TASKS": "2", "SLURM_PROCID": "1", "SLURM_LOCALID": "0"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_processes(command, tmp_path: Path, timeout: float = 90) -> list[tuple[int | None, str]]:
    """Processes 0 and 1 of ``command(port, process_id)`` on localhost, each with one CPU
    device, in their own empty working directories: (exit code, stderr) of each; exit code None
    for a process killed because the pair hung."""
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER}
    env.update(JAX_PLATFORMS="cpu", PINNJAX_NO_CACHE="1",
               XLA_FLAGS=f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=1".strip())
    port, procs = _free_port(), []
    for pid in (0, 1):
        cwd = tmp_path / f"cwd{pid}"
        cwd.mkdir(parents=True, exist_ok=True)
        procs.append(subprocess.Popen(command(port, pid), cwd=cwd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    try:
        errs = [p.communicate(timeout=timeout)[1] for p in procs]
        return [(p.returncode, err) for p, err in zip(procs, errs)]
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        return [(None, p.communicate()[1]) for p in procs]


def _pinnjax_run(config: Path, tmp_path: Path):
    return lambda port, pid: [sys.executable, "-m", "pinnjax.cli", "run", str(config), "--quiet",
                              "--out", str(tmp_path / f"out{pid}"), "--coordinator", f"127.0.0.1:{port}",
                              "--num-processes", "2", "--process-id", str(pid)]


def _skip_unless_jax_distributed_starts(tmp_path: Path) -> None:
    """After a failed two-process run: skip when bare JAX cannot run two CPU processes here
    either (no pinnjax code involved), naming why; return when it can (the failure is ours)."""
    probe = ("import sys, jax, numpy as np; from jax.sharding import Mesh, NamedSharding, PartitionSpec; "
             "jax.distributed.initialize(sys.argv[1], 2, int(sys.argv[2]), initialization_timeout=30); "
             "split = NamedSharding(Mesh(np.array(jax.devices()), 'i'), PartitionSpec('i')); "
             "print(jax.jit(jax.numpy.sum)(jax.make_array_from_callback((2,), split, lambda i: np.ones(2)[i])))")
    done = _two_processes(lambda port, pid: [sys.executable, "-c", probe, f"127.0.0.1:{port}", str(pid)],
                          tmp_path / "probe", timeout=60)
    if any(code != 0 for code, _ in done):
        said = [[line for line in err.splitlines() if line.strip() and not line.lstrip().startswith("@")]
                for _, err in done]  # without the stack frames of an abort
        tail = " | ".join(lines[-1] if lines else f"exit {code}" for (code, _), lines in zip(done, said))
        pytest.skip(f"jax.distributed cannot run two CPU processes on this platform: {tail}")


@pytest.mark.slow
def test_two_processes_take_the_steps_of_one_and_only_process_0_writes(tmp_path, monkeypatch):
    config = tmp_path / "tiny.yaml"
    config.write_text(CONFIG)
    (code0, err0), (code1, err1) = _two_processes(_pinnjax_run(config, tmp_path), tmp_path)
    if code0 != 0 or code1 != 0:
        _skip_unless_jax_distributed_starts(tmp_path)
    assert code0 == 0 and code1 == 0, (code0, code1, err0[-3000:], err1[-3000:])  # None: killed, hung
    assert "on 2 processes, 2 devices" in err0
    assert "pinnjax:" not in err1  # no progress, no report from process 1
    # process 1 wrote nothing: neither its --out nor its working directory (output.dir)
    assert not (tmp_path / "out1").exists() and list((tmp_path / "cwd1").iterdir()) == []
    two = tmp_path / "out0"
    for name in ("config.yaml", "metrics.jsonl", "model.eqx", "summary.json", "plots/losses.png"):
        assert (two / name).is_file(), name
    one = tmp_path / "one"
    for k in (*LAUNCHER, "XLA_FLAGS"):
        monkeypatch.delenv(k, raising=False)
    assert main(["run", str(config), "--out", str(one), "--quiet", "--num-processes", "1"]) == 0
    a, b = metrics(one), metrics(two)
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(30))
    # float64; the two devices' partial sums add in another order (~1e-16 relative, measured
    # 4.5e-16 at most), which 30 Adam steps through a redraw may amplify a little
    worst = max(abs(rb[k] - ra[k]) / abs(ra[k]) for ra, rb in zip(a, b) for k in ("total", "pde"))
    print(f"largest relative difference of the losses, two processes against one: {worst:.2e}")
    for ra, rb in zip(a, b):
        for key in ("total", "pde", "initial_u", "dirichlet_left_u", "neumann_right_u"):
            assert rb[key] == pytest.approx(ra[key], rel=1e-9, abs=0), (ra["step"], key)
    assert a[-1]["total"] < 0.5 * a[0]["total"]  # it trained
    summary, alone = (json.loads((d / "summary.json").read_text()) for d in (two, one))
    assert summary["status"] == "ok" and summary["steps"] == 30
    # process 0 measured the error with its own copy of the trained parameters
    assert summary["relative_l2"]["u"] == pytest.approx(alone["relative_l2"]["u"], rel=1e-9, abs=0)


def test_flags_and_environment_choose_the_processes():
    assert requested(environ={}) is None  # a run alone
    assert requested("h:1", 2, 1, environ={}) == Cluster("h:1", 2, 1)
    assert requested("[::1]:8476", 4, 3, environ={}) == Cluster("[::1]:8476", 4, 3)
    from_env = {"JAX_COORDINATOR_ADDRESS": "n1:9"}
    assert requested(num_processes=2, process_id=0, environ=from_env) == Cluster("n1:9", 2, 0)
    # a SLURM step of two tasks: JAX detects the rest; of one task, or --num-processes 1: alone
    assert requested(environ=SLURM_STEP) == Cluster()
    assert requested(environ={**SLURM_STEP, "SLURM_STEP_NUM_TASKS": "1", "SLURM_NTASKS": "1"}) is None
    assert requested(num_processes=1, environ=SLURM_STEP) is None
    open_mpi = {"OMPI_MCA_orte_hnp_uri": "1.0;tcp://10.0.0.1:1", "OMPI_COMM_WORLD_SIZE": "3"}
    assert requested(environ=open_mpi) == Cluster()
    assert requested(process_id=1, environ=SLURM_STEP) == Cluster(None, None, 1)  # flags override


@pytest.mark.parametrize("flags, message", [
    (("h:1", 2, 2), "--process-id 2 is not below --num-processes 2: the processes of a run of 2 are numbered 0 to 1"),
    (("h:1", 0, None), "--num-processes must be at least 1, got 0"),
    (("h:1", 2, -1), "--process-id must be 0 or more, got -1"),
    (("localhost", 2, 0), "--coordinator must be HOST:PORT (port 1-65535), e.g. node001:12345 or 10.0.0.1:12345, "
                          "got 'localhost'"),
    (("h:70000", 2, 0), "got 'h:70000'"),
    (("h:1", None, 0), "a run of several processes needs --num-processes N (no SLURM step or Open MPI job"),
    ((None, 2, 0), "needs --coordinator HOST:PORT (no SLURM"),
])
def test_bad_values_are_refused(flags, message):
    with pytest.raises(ClusterError) as err:
        requested(*flags, environ={})
    assert message in str(err.value)


def test_cli_refuses_bad_flags_with_exit_2(tmp_path, capsys, monkeypatch):
    for k in LAUNCHER:
        monkeypatch.delenv(k, raising=False)
    config = tmp_path / "tiny.yaml"
    config.write_text(CONFIG)
    base = ["run", str(config), "--out", str(tmp_path / "run")]
    assert main([*base, "--coordinator", "127.0.0.1:5000", "--num-processes", "2", "--process-id", "2"]) == 2
    assert "pinnjax: error: --process-id 2 is not below --num-processes 2" in capsys.readouterr().err
    assert main([*base, "--coordinator", "127.0.0.1", "--num-processes", "2", "--process-id", "0"]) == 2
    assert "--coordinator must be HOST:PORT" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # argparse: not a number
        main([*base, "--num-processes", "two"])
    assert exit_.value.code == 2 and "invalid int value: 'two'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
