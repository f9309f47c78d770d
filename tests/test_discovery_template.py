"""configs/discovery/template.yaml, the template for one's own data: it validates with data in
each documented format, its commented robust loss is valid, and it names no equation."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from pinnjax.cli import main

from test_discover_cli import heat  # a two-mode heat solution u(x, t)

TEMPLATE = Path(__file__).resolve().parents[1] / "configs" / "discovery" / "template.yaml"


@pytest.fixture
def copied(tmp_path):
    """The template next to 300 measured rows of u(x, t), as measurements.csv and .npz."""
    rng = np.random.default_rng(0)
    x, t = rng.uniform(size=300), rng.uniform(size=300)
    u = heat(x, t)
    np.savetxt(tmp_path / "measurements.csv", np.c_[x, t, u], delimiter=",", header="x,t,u", comments="")
    np.savez(tmp_path / "measurements.npz", x=x.reshape(20, 15), t=t.reshape(20, 15), u=u.reshape(20, 15))
    shutil.copy(TEMPLATE, tmp_path / "template.yaml")
    return tmp_path / "template.yaml"


@pytest.mark.parametrize("files", [None, "data.files=[measurements.npz]"])
def test_the_template_validates_with_data_in_either_format(copied, capsys, files):
    assert main(["validate", str(copied), *([files] if files else [])]) == 0
    err = capsys.readouterr().err
    assert "is a valid discovery config: 300 points of u (1 trajectory), u_t from a library of 12 terms" in err


def test_the_templates_robust_loss_example_is_valid(copied, capsys):
    text = copied.read_text()
    example = next(line for line in text.splitlines() if "data_loss: {type: huber" in line)
    copied.write_text(text.replace("\ndata_loss: mse\n", "\n" + example.lstrip("# ").split("#")[0] + "\n"))
    assert main(["validate", str(copied)]) == 0
    assert "data_loss huber with delta 0.2 x the data's robust std" in capsys.readouterr().err


def test_the_template_names_no_equation():
    text = TEMPLATE.read_text().lower()
    for name in ("burgers", "kdv", "korteweg", "kuramoto", "sivashinsky", "heat", "truth"):
        assert name not in text, name
