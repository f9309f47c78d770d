"""Run directories that heal: `resume` and `predict` verify what they load, fall back to the
newest intact checkpoint with a warning, and exit 2 with one paragraph when nothing intact
is left; a finished run is not resumed; stale temporaries are removed; pickles are refused."""

import json
import pickle
import shutil

import numpy as np
import pytest

from pinnjax.cli import main
from pinnjax.runs.checkpoint import CHECKSUMS, list_checkpoints, save_checkpoint
from test_cli import TINY, metrics  # a tiny heat run (adam, then lbfgs)

STEPS = ["training.phases.0.steps=60", "training.phases.1.steps=10", "output.checkpoint_every=20",
         "training.resample_every=20"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny run (70 steps; checkpoints at its last two saves) and a points file."""
    root = tmp_path_factory.mktemp("finished")
    cfg = root / "tiny.yaml"
    cfg.write_text(TINY.replace("STEPS", "60"))
    assert main(["run", str(cfg), *STEPS, "--out", str(root / "run"), "--quiet"]) == 0
    np.savez(root / "pts.npz", x=np.linspace(0, 1, 5), t=np.full(5, 0.5))
    return root


@pytest.fixture
def run_dir(finished, tmp_path):
    """A copy of the finished run, to damage."""
    return shutil.copytree(finished / "run", tmp_path / "run")


def checkpoints(run_dir):
    return list_checkpoints(run_dir / "checkpoints")


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def unfinish(run_dir):
    """Make the run look killed before its end: no model, no summary (its checkpoints stay)."""
    (run_dir / "model.eqx").unlink()
    (run_dir / "summary.json").unlink()


def call(capsys, *argv):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


@pytest.mark.slow
def test_resume_skips_a_damaged_newest_checkpoint_and_names_it(run_dir, capsys):
    older, newest = checkpoints(run_dir)
    truncate(newest / "arrays.eqx")
    unfinish(run_dir)
    code, err = call(capsys, "resume", run_dir, "--quiet")
    assert code == 0, err
    assert f"warning: checkpoint {newest.name} is damaged: arrays.eqx does not match its checksum" in err
    assert f"resuming {run_dir} from step {int(older.name[5:])}" in err and "Traceback" not in err
    steps = [r["step"] for r in metrics(run_dir)]
    assert steps == list(range(len(steps))) and json.loads((run_dir / "summary.json").read_text())["status"] == "ok"


def test_a_corrupt_state_file_without_checksums_fails_the_structural_check(run_dir, capsys):
    older, newest = checkpoints(run_dir)
    (newest / CHECKSUMS).unlink()  # as a checkpoint written before checksums existed
    (newest / "state.json").write_text('{"phase": 1, "step": ')
    unfinish(run_dir)
    code, err = call(capsys, "resume", run_dir, "--quiet")
    assert code == 0, err
    assert f"checkpoint {newest.name} is damaged: cannot be restored (JSONDecodeError" in err


def test_resume_exits_2_when_no_checkpoint_is_intact(run_dir, capsys):
    for ckpt in checkpoints(run_dir):
        truncate(ckpt / "batch.npz")
    unfinish(run_dir)
    code, err = call(capsys, "resume", run_dir, "--quiet")
    assert code == 2 and "Traceback" not in err
    assert err.count("warning: checkpoint") == 2
    assert "pinnjax: error: no intact checkpoint is left in" in err and "batch.npz does not match its checksum" in err


def test_resume_of_a_finished_run_says_so_and_rewrites_nothing(run_dir, capsys):
    summary = (run_dir / "summary.json").read_bytes()
    code, err = call(capsys, "resume", run_dir, "--quiet")
    assert code == 0
    assert "is already complete (70 steps, final loss" in err and "nothing to resume" in err and "resuming" not in err
    assert (run_dir / "summary.json").read_bytes() == summary


def test_stale_temporaries_are_removed_by_the_next_resume_and_save(run_dir, capsys):
    crashed = run_dir / "checkpoints" / ".tmp-crashed"
    crashed.mkdir()
    (crashed / "arrays.eqx").write_bytes(b"half")
    (run_dir / ".summary.json.tmp").write_text("{")
    assert call(capsys, "resume", run_dir, "--quiet")[0] == 0
    assert not crashed.exists() and not (run_dir / ".summary.json.tmp").exists()
    assert [p.name for p in checkpoints(run_dir)] == sorted(p.name for p in (run_dir / "checkpoints").iterdir())


def test_save_removes_a_temporary_directory_left_by_a_killed_save(tmp_path):
    import pinnjax as pj
    from test_checkpoint import net, problem

    state = pj.solve(problem(), net(), [pj.Adam(10)], chunk=10).state
    (tmp_path / ".tmp-killed").mkdir()
    save_checkpoint(tmp_path, state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step_0000000010"]


def test_predict_falls_back_to_the_last_checkpoint_when_the_model_is_truncated(run_dir, finished, tmp_path, capsys):
    good, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    assert call(capsys, "predict", run_dir, finished / "pts.npz", "-o", good)[0] == 0
    truncate(run_dir / "model.eqx")
    code, err = call(capsys, "predict", run_dir, finished / "pts.npz", "-o", bad)
    assert code == 0, err
    assert "warning: model.eqx is damaged (model.eqx does not match its checksum" in err
    assert "predicting with the parameters of checkpoint step 70" in err
    np.testing.assert_array_equal(np.load(good)["u"], np.load(bad)["u"])


def test_predict_exits_2_when_the_model_and_every_checkpoint_are_damaged(run_dir, finished, tmp_path, capsys):
    (run_dir / CHECKSUMS).unlink()  # no checksum: the truncation is found by the structural check
    truncate(run_dir / "model.eqx", 0.9)
    for ckpt in checkpoints(run_dir):
        (ckpt / "state.json").write_text("garbage")
    code, err = call(capsys, "predict", run_dir, finished / "pts.npz", "-o", tmp_path / "o.npz")
    assert code == 2 and "Traceback" not in err
    assert "error: model.eqx in" in err and "is damaged (cannot be restored" in err
    assert "no intact checkpoint is left" in err and "train it again with 'pinnjax run" in err


def test_predict_refuses_pickles_and_directories(finished, tmp_path, capsys):
    run = finished / "run"
    pickled = tmp_path / "p.npz"
    np.savez(pickled, x=np.array([{"x": 1}], dtype=object), t=np.zeros(1))
    code, err = call(capsys, "predict", run, pickled, "-o", tmp_path / "o.npz")
    assert code == 2 and "holds pickled Python objects" in err and "pickles are refused" in err
    pickled.write_bytes(pickle.dumps({"x": np.zeros(3)}))
    assert "pickles are refused" in call(capsys, "predict", run, pickled, "-o", tmp_path / "o.npz")[1]
    code, err = call(capsys, "predict", run, tmp_path, "-o", tmp_path / "o.npz")
    assert code == 2 and "is a directory, not a file" in err and "does not exist" not in err
    code, err = call(capsys, "predict", run, finished / "pts.npz", "-o", tmp_path)
    assert code == 2 and "is a directory; give a file name" in err


def test_data_files_refuse_pickles_and_say_what_a_directory_is(tmp_path, capsys):
    from test_config import BASE
    from test_discover_cli import HEAT

    np.savez(tmp_path / "d.npz", x=np.zeros(2), t=np.zeros(2), u=np.array([None, 1.0], dtype=object))
    (tmp_path / "c.yaml").write_text(BASE.replace("terms:\n", "terms:\n  - {type: data, targets: [u], file: d.npz}\n"))
    code, err = call(capsys, "validate", tmp_path / "c.yaml")
    assert code == 2 and "terms[0].file" in err and "file 'd.npz' holds pickled Python objects" in err
    (tmp_path / "h.yaml").write_text(HEAT.replace("a.npz", "d.npz"))
    code, err = call(capsys, "validate", tmp_path / "h.yaml")
    assert code == 2 and "data.files" in err and "pickles are refused" in err and "Traceback" not in err
    (tmp_path / "dir.npz").mkdir()
    code, err = call(capsys, "validate", tmp_path / "h.yaml", "data.files=[dir.npz]")
    assert code == 2 and "file 'dir.npz' is a directory, not a file" in err
