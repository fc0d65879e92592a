"""Module 7's exercise stores its trained network TRAINED as 49 numbers (training it takes about
5 s, twice per graded notebook). They must be what the setup cell's own training gives: the
training runs here and is compared with the stored values."""
import json

import numpy as np

from nncourse.course import ROOT


def _setup_namespace():
    nb = json.loads((ROOT / "solutions" / "07_pruning" / "07_pruning.ipynb").read_text())
    setup = next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup")
    ns = {}
    exec("".join(setup["source"]), ns)
    return ns


def test_stored_trained_network_is_what_the_setup_cells_training_gives():
    ns = _setup_namespace()
    trained = ns["init_params"](ns["D"], ns["M"], ns["K"], seed=0)
    losses = ns["train"](trained, ns["X_train"], ns["Y_train"], epochs=40000)
    np.testing.assert_allclose(ns["TRAINED"], trained, rtol=0, atol=1e-9)
    # and it is near a minimum: over the last 1000 epochs the loss goes down steadily (stable
    # training, not oscillating) and by less than 1 % of its value (it has levelled off)
    tail = np.array(losses[-1000:])
    assert np.all(np.diff(tail) <= 1e-15)
    assert tail[0] - tail[-1] < 0.01 * tail[-1]
