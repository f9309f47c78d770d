"""Loggers (output.loggers, run_experiment(loggers=...)): they receive exactly the numbers of
metrics.jsonl; TensorBoard event files (tensorboardX, an optional extra) read back equal to
them; unknown names and missing packages are refused with the key, the value and the fix."""

import json
import struct
import sys

import numpy as np
import pytest

from pinnjax.cli import main
from pinnjax.config import ConfigError, build_experiment, load_config
from pinnjax.runs.experiment import run_experiment
from pinnjax.runs.loggers import AbstractLogger, make_loggers, scalars

TINY = """
name: tiny_logged
seed: 0
dtype: float64
domain:
  geometry: {type: interval, min: 0.0, max: 1.0}
  time: [0.0, 1.0]
fields: [u]
constants: {alpha: 0.1}
terms:
  - {type: pde, residual: "u_t - alpha*u_xx", points: {n: 64, sampler: sobol}}
  - {type: dirichlet, field: u, value: 0.0, on: left, points: 16}
  - {type: initial, field: u, value: "x*(2 - x)", points: 32}
network: {type: mlp, width: 8, depth: 2}
training:
  phases:
    - {type: adam, steps: 30, learning_rate: 1.0e-3}
    - {type: lbfgs, steps: 10}
  chunk: 10
output: {loggers: LOGGERS}
"""


def config_file(tmp_path, loggers="[tensorboard]"):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace("LOGGERS", loggers))
    return path


def experiment(tmp_path, loggers="[tensorboard]"):
    return build_experiment(load_config(config_file(tmp_path, loggers)), base_dir=tmp_path)


class Recorder(AbstractLogger):
    """Keeps what it is told (the Python route: any AbstractLogger object)."""

    def __init__(self):
        self.logged, self.flushes, self.closed = {}, 0, False

    def log(self, step, metrics):
        self.logged[step] = dict(metrics)

    def flush(self):
        self.flushes += 1

    def close(self):
        self.closed = True


def read_events(log_dir) -> dict:
    """{(tag, step): value} of every scalar in the event files of ``log_dir``: TFRecord
    frames (length, masked CRC-32C of the length, an Event protobuf, its masked CRC), CRCs checked."""
    from tensorboardX.proto import event_pb2
    from tensorboardX.record_writer import masked_crc32c

    found = {}
    files = sorted(log_dir.glob("events.out.tfevents.*"))
    assert files, f"no event file in {log_dir}"
    for path in files:
        data, at = path.read_bytes(), 0
        while at < len(data):
            header = data[at: at + 8]
            (length,) = struct.unpack("Q", header)
            assert struct.unpack("I", data[at + 8: at + 12])[0] == masked_crc32c(header)
            body = data[at + 12: at + 12 + length]
            assert struct.unpack("I", data[at + 12 + length: at + 16 + length])[0] == masked_crc32c(body)
            at += 16 + length
            event = event_pb2.Event.FromString(body)
            for value in event.summary.value:
                found[(value.tag, event.step)] = value.simple_value
    return found


def test_scalars_of_a_metrics_line():
    row = {"step": 7, "phase": "adam", "total": 0.5, "pde": 0.25, "initial": None, "coefficients": {"k": 0.1},
           "weights": {"pde": 2.0}, "lr": 1e-3, "wall_time": 1.5}
    assert scalars(row) == {"loss/total": 0.5, "loss/pde": 0.25, "lr": 1e-3, "wall_time": 1.5,
                            "coefficients/k": 0.1, "weights/pde": 2.0}


@pytest.mark.parametrize("loggers, where, words", [
    ("[tensorbord]", "output.loggers[0]", ["unknown logger 'tensorbord'", "Did you mean 'tensorboard'?",
                                           "Valid: tensorboard, wandb"]),
    ("[wandb, mlflow]", "output.loggers[1]", ["unknown logger 'mlflow'", "Valid: tensorboard, wandb"]),
    ("tensorboard", "output.loggers", ["expected a list of names, got 'tensorboard' (str)"]),
    ("[tensorboard, tensorboard]", "output.loggers", ["names a logger twice"]),
])
def test_bad_logger_names_are_refused_with_key_value_and_choices(tmp_path, loggers, where, words):
    with pytest.raises(ConfigError) as err:
        experiment(tmp_path, loggers)
    assert err.value.path == where
    for w in words:
        assert w in str(err.value)


def test_an_ensemble_refuses_loggers(tmp_path):
    config = load_config(config_file(tmp_path))
    config["ensemble"] = 2
    with pytest.raises(ConfigError, match="an ensemble writes no metrics.jsonl") as err:
        build_experiment(config, base_dir=tmp_path)
    assert err.value.path == "output.loggers"


def test_the_cli_exits_2_with_one_line_for_an_unknown_logger(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(config_file(tmp_path, "[tensorbord]")), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pinnjax: error: output.loggers[0]") and "tensorboard" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("name, module, fix", [("tensorboard", "tensorboardX", 'pip install "pinnjax[loggers]"'),
                                               ("wandb", "wandb", "pip install wandb")])
def test_a_missing_package_names_output_loggers_and_the_fix(tmp_path, capsys, monkeypatch, name, module, fix):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: importing it raises ImportError
    out = tmp_path / "run"
    assert main(["run", str(config_file(tmp_path, f"[{name}]")), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "output.loggers" in err[0] and f"'{name}' needs the package {module}" in err[0]
    assert fix in err[0]
    assert not out.exists()  # refused before the run directory is made
    with pytest.raises(ConfigError, match="not installed"):
        make_loggers([name], tmp_path, "x")  # the Python route says the same


def test_unknown_logger_from_python(tmp_path):
    with pytest.raises(ConfigError, match="unknown logger 'csv'.*Valid: tensorboard, wandb"):
        make_loggers(["csv"], tmp_path, "x")


def test_tensorboard_logger_writes_readable_scalars(tmp_path):
    pytest.importorskip("tensorboardX")
    from pinnjax.runs.loggers import TensorBoardLogger

    logger = TensorBoardLogger(tmp_path / "tb")
    values = {step: {"loss/total": 1.0 / (step + 1), "lr": 1e-3} for step in range(5)}
    for step, metrics in values.items():
        logger.log(step, metrics)
    logger.close()
    events = read_events(tmp_path / "tb")
    assert events == {(tag, step): np.float32(v) for step, m in values.items() for tag, v in m.items()}


@pytest.mark.slow
def test_a_run_logs_the_numbers_of_metrics_jsonl(tmp_path):
    """A 40-step run (Adam, then L-BFGS, which records the terms once per chunk) with
    loggers: [tensorboard] and a Python logger: the Python logger gets every line of
    metrics.jsonl exactly; TensorBoard stores the same numbers rounded to float32."""
    pytest.importorskip("tensorboardX")
    exp = experiment(tmp_path)
    recorder = Recorder()
    run_dir = tmp_path / "run"
    summary = run_experiment(exp, run_dir, loggers=[recorder])
    assert summary["status"] == "ok" and summary["steps"] == 40
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(40))
    assert recorder.logged == {r["step"]: scalars(r) for r in rows}
    assert recorder.closed and recorder.flushes >= 4  # one flush per chunk written
    expected = {(tag, r["step"]): np.float32(v) for r in rows for tag, v in scalars(r).items()}
    assert ("loss/pde", 35) not in expected and ("loss/pde", 5) in expected  # L-BFGS: nulls are not logged
    assert read_events(run_dir / "tensorboard") == expected
