"""Training speed: the reference implementation beside scikit-learn and PyTorch on the CPU.

    python benchmarks/training_speed.py [--rounds 5] [--samples 60000] [--threads 2] [--no-memory]

One task for every contender: an MLP 784-256-128-10 with ReLU and softmax cross-entropy, Adam
with lr 1e-3, mini-batches of 128, one epoch over 60,000 synthetic samples, in float32 and in
float64, on 2 threads. Contenders:

- ``reference``: ``reference_impl.training.fit`` with ``Network`` and ``optimizers.Adam``;
- ``ref-threaded``: the same with Adam's update split across the cores (``opt.threads = None``),
  which the default does not do because it made the step no faster (not a peer: no target);
- ``sklearn``: ``MLPClassifier`` with the same architecture, solver, batch and epochs (alpha=0);
- ``torch`` and ``torch-fused``: PyTorch's ``Adam`` with its default implementation and with
  ``fused=True``, the usual loop (``X[idx]``, ``zero_grad``, ``backward``, ``step``), when
  ``import torch`` works. PyTorch is not a dependency of the course; to compare, run this file
  with an interpreter that has it and ``PYTHONPATH`` pointing at the course.

The epochs of all contenders are interleaved round by round (so that a change in the machine's
load hits them alike) and the median over the rounds is reported, with the ratios of the
reference to each peer. The floor is the time of the step's matrix products alone (3 forward,
3 for dW, 2 for dX; the input needs no gradient), measured the same way, and the steady-state
step of the reference (gather, loss_and_gradient, Adam) is compared with it. Peak memory: the
growth of the resident set during one epoch, in a fresh process that already holds the data.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # without threadpoolctl the BLAS threads are set before NumPy is imported
    threadpool_limits = None

THREADS = int(os.environ.get("TRAINING_SPEED_THREADS", "2"))
if threadpool_limits is None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(THREADS)

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference_impl import Adam, Network, softmax_cross_entropy  # noqa: E402
from reference_impl.training import fit, take_rows  # noqa: E402

SIZES = [784, 256, 128, 10]
BATCH = 128
LR = 1e-3
DTYPES = ("float32", "float64")


def synthetic_data(n: int, dtype: str, seed: int = 0):
    """X (n, 784) standard normal; y (n,) the argmax of a random linear teacher: learnable."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, SIZES[0]), dtype=np.float32).astype(dtype)
    teacher = rng.standard_normal((SIZES[0], SIZES[-1])).astype(dtype)
    return X, np.argmax(X @ teacher, axis=1).astype(np.int64)


# --- contenders: make(X, y, dtype) returns run_one_epoch() -----------------------------------
def make_reference(X, y, dtype, update_threads: int | None = 1):
    net = Network.from_sizes(SIZES, ["relu", "relu", "identity"], seed=0, dtype=dtype)
    opt = Adam(lr=LR)
    opt.threads = update_threads
    seeds = iter(range(10**6))

    def epoch():
        fit(net, X, y, softmax_cross_entropy, optimizer=opt, epochs=1, batch_size=BATCH,
            seed=next(seeds))
    return epoch


def make_reference_threaded_update(X, y, dtype):
    """The reference with Adam's update split across every core (``opt.threads = None``), to
    show why the default keeps it on the calling thread."""
    return make_reference(X, y, dtype, update_threads=None)


def make_sklearn(X, y, dtype):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), activation="relu", solver="adam",
                        learning_rate_init=LR, batch_size=BATCH, alpha=0.0, max_iter=1,
                        shuffle=True, warm_start=True, tol=0.0, random_state=0)

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
    return epoch


def make_torch(fused: bool):
    def make(X, y, dtype):
        import torch
        torch.set_num_threads(THREADS)
        torch.manual_seed(0)
        tdtype = getattr(torch, dtype)
        layers = []
        for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(SIZES) - 2 else [])
        model = torch.nn.Sequential(*layers).to(tdtype)
        opt = torch.optim.Adam(model.parameters(), lr=LR, **({"fused": True} if fused else {}))
        loss_fn = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        gen = torch.Generator().manual_seed(0)

        def epoch():
            for idx in torch.randperm(Xt.shape[0], generator=gen).split(BATCH):
                xb, yb = Xt[idx], yt[idx]
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
        return epoch
    return make


def torch_available() -> str | None:
    """PyTorch's version, or None when it cannot be imported here."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - any import failure means: skip it
        return None
    return torch.__version__


def contenders(with_torch: bool) -> dict:
    found = {"reference": make_reference, "ref-threaded": make_reference_threaded_update,
             "sklearn": make_sklearn}
    if with_torch:
        found["torch"] = make_torch(fused=False)
        found["torch-fused"] = make_torch(fused=True)
    return found


# --- the floor: the step's matrix products alone --------------------------------------------
def make_floor(n_samples: int, dtype: str):
    """One epoch of the matrix products of the steps (8 per step, written into fixed arrays)."""
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(SIZES[:-1], SIZES[1:])]
    batches = [BATCH] * (n_samples // BATCH) + ([n_samples % BATCH] if n_samples % BATCH else [])
    full_H = [rng.standard_normal((BATCH, s)).astype(dtype) for s in SIZES]
    full_dH = [rng.standard_normal((BATCH, s)).astype(dtype) for s in SIZES]
    dWs = [np.empty_like(W) for W in Ws]

    def epoch():
        for n in batches:
            H, dH = [h[:n] for h in full_H], [d[:n] for d in full_dH]
            for k, W in enumerate(Ws):                     # Z_k = H_{k-1} W_k
                np.matmul(H[k], W, out=H[k + 1])
            for k in reversed(range(len(Ws))):
                np.matmul(H[k].T, dH[k + 1], out=dWs[k])   # dW_k = H_{k-1}^T dZ_k
                if k:
                    np.matmul(dH[k + 1], Ws[k].T, out=dH[k])  # dH_{k-1} = dZ_k W_k^T
    return epoch, len(batches)


def make_reference_steps(X, y, dtype, steps: int = 100):
    """``steps`` steady-state steps of the reference: gather, loss_and_gradient, Adam."""
    net = Network.from_sizes(SIZES, ["relu", "relu", "identity"], seed=0, dtype=dtype)
    opt = Adam(lr=LR)
    rng = np.random.default_rng(2)
    order = np.resize(rng.permutation(X.shape[0]), steps * BATCH).reshape(steps, BATCH)
    X_batch, y_batch = np.empty((BATCH, X.shape[1]), X.dtype), np.empty(BATCH, y.dtype)

    def run():
        for idx in order:
            Xb, yb = take_rows(X, idx, X_batch), take_rows(y, idx, y_batch)
            _, grads = net.loss_and_gradient(Xb, yb, softmax_cross_entropy)
            opt.step(net.params, grads)
    return run


def make_step_parts(X, y, dtype, steps: int = 100) -> dict:
    """The parts of the steady-state step besides the matrix products, each timed on its own
    (``steps`` times): Adam's update, the batch gather and the loss. With the floor they give a
    lower bound for the step: the step cannot be faster than the sum of its parts."""
    net = Network.from_sizes(SIZES, ["relu", "relu", "identity"], seed=0, dtype=dtype)
    opt = Adam(lr=LR)
    rng = np.random.default_rng(3)
    grads = (rng.standard_normal(net.n_params) * 1e-2).astype(dtype)
    order = np.resize(rng.permutation(X.shape[0]), steps * BATCH).reshape(steps, BATCH)
    X_batch, y_batch = np.empty((BATCH, X.shape[1]), X.dtype), np.empty(BATCH, y.dtype)
    logits = rng.standard_normal((BATCH, SIZES[-1])).astype(dtype)
    labels, d_logits = y[:BATCH].copy(), np.empty_like(logits)

    def adam():
        for _ in range(steps):
            opt.step(net.params, grads)

    def gather():
        for idx in order:
            take_rows(X, idx, X_batch)
            take_rows(y, idx, y_batch)

    def loss():
        for _ in range(steps):
            softmax_cross_entropy(logits, labels, out=d_logits)
    return {"part:adam": adam, "part:gather": gather, "part:loss": loss}


# --- peak memory in a fresh process ------------------------------------------------------------
def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def memory_probe(name: str, dtype: str, n_samples: int) -> None:
    """Print the growth of the resident set (MiB) during the first epoch of ``name``: the
    optimizer state, the gradients, the buffers and the temporaries, beyond data and model."""
    X, y = synthetic_data(n_samples, dtype)
    epoch = contenders(True)[name](X, y, dtype)
    with open("/proc/self/clear_refs", "w") as f:  # resets the high-water mark VmHWM
        f.write("5")
    before = _rss_kib("VmRSS")
    epoch()
    print(f"{(_rss_kib('VmHWM') - before) / 1024:.1f}")


def peak_memory(name: str, dtype: str, n_samples: int) -> str:
    try:
        out = subprocess.run([sys.executable, __file__, "--memory-probe", name, dtype,
                              "--samples", str(n_samples), "--threads", str(THREADS)],
                             capture_output=True, text=True, timeout=600, check=True)
        return f"{float(out.stdout.strip().splitlines()[-1]):7.1f} MiB"
    except Exception as exc:  # noqa: BLE001 - memory is a side figure; say why it is missing
        return f"n/a ({type(exc).__name__})"


# --- timing --------------------------------------------------------------------------------
def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# Issue 13's targets: (dtype, peer, the largest allowed reference / peer time).
TARGETS = [("float32", "torch", 0.8), ("float32", "torch-fused", 1.0), ("float64", "torch", 1.0),
           ("float32", "sklearn", 0.5), ("float64", "sklearn", 0.5)]
FLOOR_TARGET = 1.6


def print_targets(med: dict, dtypes, n_steps: int, step_steps: int) -> None:
    print("targets (reference time / peer time):")
    for dt, peer, limit in TARGETS:
        if ("reference", dt) in med and (peer, dt) in med:
            ratio = med["reference", dt] / med[peer, dt]
            verdict = "met" if ratio <= limit else f"MISSED by {ratio / limit - 1:.0%}"
            print(f"  {dt} vs {peer:12s} {ratio:5.2f}x  (at most {limit}x)  {verdict}")
    for dt in dtypes:
        ratio = (med["step", dt] / step_steps) / (med["floor", dt] / n_steps)
        verdict = "met" if ratio <= FLOOR_TARGET else f"MISSED by {ratio / FLOOR_TARGET - 1:.0%}"
        print(f"  {dt} steady-state step / floor {ratio:5.2f}x  (at most {FLOOR_TARGET}x)  {verdict}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after one warm-up (default 5)")
    parser.add_argument("--samples", type=int, default=60_000, help="samples per epoch (default 60000)")
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS/torch threads (default 2)")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="float32,float64")
    parser.add_argument("--only", default="", help="comma-separated contenders (default: all)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--memory-probe", nargs=2, metavar=("NAME", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if threadpool_limits is not None:
        threadpool_limits(args.threads)
    if args.memory_probe:
        memory_probe(*args.memory_probe, args.samples)
        return 0

    torch_version = torch_available()
    found = contenders(torch_version is not None)
    if args.only:
        found = {k: v for k, v in found.items() if k in args.only.split(",")}
    dtypes = args.dtypes.split(",")
    import sklearn
    print(f"MLP {'-'.join(map(str, SIZES))}, ReLU, softmax cross-entropy, Adam lr {LR}, batch {BATCH}, "
          f"{args.samples} samples, {args.threads} threads, median of {args.rounds} rounds")
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          + (f"torch {torch_version}" if torch_version else
             "torch: not importable here, skipped (run with an interpreter that has it, "
             "PYTHONPATH=<course root>)"))
    print(f"load average before: {load()} (cores: {os.cpu_count()})")

    data = {dt: synthetic_data(args.samples, dt) for dt in dtypes}
    runs, times = {}, {}
    for dt in dtypes:
        X, y = data[dt]
        for name, make in found.items():
            runs[name, dt] = make(X, y, dt)
        runs["floor", dt], n_steps = make_floor(args.samples, dt)
        runs["step", dt] = make_reference_steps(X, y, dt)
        for part, fn in make_step_parts(X, y, dt).items():
            runs[part, dt] = fn
    for key, fn in runs.items():  # warm-up: allocations, first-touch, JIT-like caches
        fn()
    for _ in range(args.rounds):
        for key, fn in runs.items():
            times.setdefault(key, []).append(timed(fn))
    med = {key: statistics.median(ts) for key, ts in times.items()}
    print(f"load average after: {load()}\n")

    step_steps = 100
    print(f"{'dtype':8s} {'contender':12s} {'s/epoch':>8s} {'min':>7s} {'max':>7s}   "
          f"reference / this (medians; minima)")
    for dt in dtypes:
        ref = med.get(("reference", dt))
        for name in list(found) + ["floor"]:
            ts = times[name, dt]
            ratio = (f"{ref / med[name, dt]:6.2f}x; {min(times['reference', dt]) / min(ts):5.2f}x"
                     if ref and name != "reference" else "")
            print(f"{dt:8s} {name:12s} {med[name, dt]:8.3f} {min(ts):7.3f} {max(ts):7.3f}   {ratio}")
        step = med["step", dt] / step_steps
        floor_step = med["floor", dt] / n_steps
        print(f"{dt:8s} steady-state step {step * 1e3:.3f} ms, matrix products alone {floor_step * 1e3:.3f} ms: "
              f"{step / floor_step:.2f}x the floor" + (f" (whole epoch: {ref / med['floor', dt]:.2f}x)" if ref else ""))
        parts = {name: med["part:" + name, dt] / step_steps for name in ("adam", "gather", "loss")}
        least = floor_step + sum(parts.values())
        print(f"{dt:8s} parts timed alone: " + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in parts.items())
              + f"; with the products {least * 1e3:.3f} ms = {least / floor_step:.2f}x the floor, a lower "
              f"bound for the step (no Python calls, no layer work)")
        print()

    print_targets(med, dtypes, n_steps, step_steps)

    if not args.no_memory and sys.platform.startswith("linux"):
        print("peak memory: growth of the resident set during one epoch, fresh process holding the data")
        for dt in dtypes:
            for name in found:
                print(f"  {dt:8s} {name:12s} {peak_memory(name, dt, args.samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
