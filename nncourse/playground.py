"""Train small networks from ``reference_impl`` on the 2-D problems and plot the decision regions.

    python -m nncourse.playground --out demo_output
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from reference_impl import Network, softmax_cross_entropy
from reference_impl.datasets import make_dataset
from reference_impl.training import GradientDescent, accuracy, fit

PROBLEMS = {  # dataset -> (hidden sizes, activation, learning rate, epochs)
    "xor": ([8], "tanh", 0.5, 300),
    "circles": ([16], "tanh", 0.5, 600),
    "moons": ([16, 16], "tanh", 0.3, 800),
    "spirals": ([32, 32], "tanh", 0.3, 2500),
}


def train(problem: str, seed: int = 0):
    hidden, activation, lr, epochs = PROBLEMS[problem]
    X, y = make_dataset(problem, n=300, seed=seed)
    net = Network.from_sizes([2, *hidden, 2], [activation] * len(hidden) + ["identity"], seed=seed)
    history = fit(net, X, y, softmax_cross_entropy, optimizer=GradientDescent(lr),
                  epochs=epochs, batch_size=32, seed=seed)
    return net, X, y, history


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="demo_output", help="folder for the plot")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    args = parser.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reference_impl.plotting import plot_decision_regions

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(args.problems), figsize=(4 * len(args.problems), 4), squeeze=False)
    print(f"{'problem':<10} {'layers':<14} {'final loss':>10} {'accuracy':>9}")
    for ax, problem in zip(axes[0], args.problems):
        net, X, y, history = train(problem)
        acc = accuracy(net.forward(X), y)
        sizes = "-".join(str(s) for s in [2, *PROBLEMS[problem][0], 2])
        print(f"{problem:<10} {sizes:<14} {history.loss[-1]:>10.4f} {acc:>9.1%}")
        plot_decision_regions(lambda P: net.forward(P).argmax(axis=1), X, y, ax=ax,
                              title=f"{problem}: {acc:.1%}")
    fig.tight_layout()
    path = out / "decision_regions.png"
    fig.savefig(path, dpi=90)
    print(f"decision regions written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
