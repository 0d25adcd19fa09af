"""The tuning study of local readouts (docs/deep.md): one run on digits with its validation
split, then where each layer stands.

``python -m grover_train.studies.readouts_study '{"budget": 600000, "FINISH": 0.3}'`` trains
``--hidden 32,32,32 --max-qubits 24 --finder sa`` (seed 0 unless ``"seed"`` is given;
``"finder": "backprop"`` trains backprop on the same split, without windows; any other key is an
option of :func:`grover_train.train.options.method_options` or of ``train_model`` (``num_evals``),
upper-case keys are fields of
:class:`grover_train.train.readouts.ReadoutOptions`, e.g. ``"FINISH"`` is ``finish``) and prints
one JSON line: validation and test accuracy, the validation accuracy of every local network A_l
(raw, not averaged, weights) and of a linear probe (logistic regression) on the forward pass of
every layer (h_0 = x).
"""

from __future__ import annotations

import json
import sys
import time

from grover_train.data.datasets import Dataset, load_dataset, split_validation
from grover_train.model.network import DragonNetwork
from grover_train.train import readouts as ro


def probe_layers(net: DragonNetwork, ds: Dataset) -> list[float]:
    """Validation accuracy of a logistic-regression probe on each layer's forward pass
    (h_0 = x first): how much of the label the classifier's features still carry.

    >>> ds = split_validation(load_dataset('digits', seed=0, classes=[0, 1], pool=True), .2, 0)
    >>> len(probe_layers(DragonNetwork.random(16, [4, 4], 2, seed=0), ds))
    3
    """
    from sklearn.linear_model import LogisticRegression

    tr, va = net.forward(ds.X_train), net.forward(ds.X_val)
    return [
        float(LogisticRegression(max_iter=2000).fit(a, ds.y_train).score(b, ds.y_val))
        for a, b in zip(tr, va, strict=True)
    ]


def local_accuracies(net: DragonNetwork, readouts: ro.Readouts, X, y) -> list[float]:
    """Accuracy of every local network A_1..A_L (the last is the whole network).

    >>> net = DragonNetwork.random(4, [3, 3], 2, seed=0)
    >>> len(local_accuracies(net, ro.Readouts.random(net, 0), [[1.0] * 4] * 2, [0, 1]))
    2
    """
    return [ro.layer_net(net, readouts, m).accuracy(X, y) for m in range(net.num_layers)]


def main(argv: list[str] | None = None) -> dict:
    """Run the study of ``argv[0]`` (JSON options) and print its JSON line."""
    from grover_train.train.loop import raw_network
    from grover_train.train.options import method_options, option_names
    from grover_train.train.run import train_model

    opts = json.loads((argv or sys.argv[1:] or ["{}"])[0])
    readout = ro.ReadoutOptions.from_dict(
        {k: opts.pop(k) for k in [k for k in opts if k.isupper()]}
    )
    seed = int(opts.pop("seed", 0))
    hidden = opts.pop("hidden", [32, 32, 32])
    budget = int(opts.pop("budget", 150_000))
    mq = opts.pop("max_qubits", 24)
    finder = opts.pop("finder", "sa")
    if finder == "sa":
        opts.update(finder_options={"num_reads": 8, "num_sweeps": 10}, max_qubits=mq)
    ds = split_validation(load_dataset("digits", seed=seed), 0.15, seed)
    t0 = time.perf_counter()
    values = {k: v for k, v in opts.items() if k in option_names()}
    loop = {k: v for k, v in opts.items() if k not in values}  # e.g. num_evals
    if finder != "backprop":
        values["readouts"] = readout
    options = method_options(finder, values.pop("finder_options", None), **values)
    r = train_model(ds, options, hidden=hidden, budget=budget, seed=seed, progress=False, **loop)
    s, state = r.summary, r.net.meta["train_state"]
    out = {
        "validation_accuracy": s["validation_accuracy"],
        "test_accuracy": s["test_accuracy"],
        "wall_s": round(time.perf_counter() - t0, 1),
        "max_qubits_used": s["max_qubits_used"],
        "probe_validation": [round(v, 3) for v in probe_layers(r.net, ds)],
    }
    if "readouts" in state:
        raw = raw_network(r.net)
        acc = local_accuracies(raw, ro.Readouts.from_json(state["readouts"]), ds.X_val, ds.y_val)
        out["local_validation"] = [round(v, 3) for v in acc]
    opts.pop("finder_options", None)
    out.update(seed=seed, budget=budget, hidden=hidden, finder=finder, options=opts)
    out["readout_options"] = readout.to_dict()
    print(json.dumps(out), flush=True)
    return out


if __name__ == "__main__":
    main()
