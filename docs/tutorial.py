# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---
# ruff: noqa: E402  (a notebook: each cell imports what it uses)
# %% [markdown]
# # Tutorial: train, search a landscape, look at its spectrum, read a report
#
# A jupytext script (open it as a notebook with `jupytext --to notebook docs/tutorial.py`, or
# run it as it is: `python docs/tutorial.py`). The test suite runs it (tests/test_docs_run.py).
# It writes `spectrum.png` and `tutorial-report/` into the current folder.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from grover_train.data import load_dataset
from grover_train.train.options import HeadCuttingOptions
from grover_train.train.run import train_model

# %% [markdown]
# ## 1. Train a small network by cutting heads with simulated annealing
# Three digit classes, 2x2 pooled images (16 inputs), 8 hidden units.

# %%
data = load_dataset("digits", seed=0, classes=[0, 1, 2], pool=True)
options = HeadCuttingOptions("sa")
result = train_model(data, options, hidden=8, budget=8000, seed=0, progress=False)
net = result.net
print(
    f"test accuracy {result.summary['test_accuracy']:.3f} after {result.summary['queries']} queries"
)

# %% [markdown]
# ## 2. Search one sample's landscape with the coherent finder
# The heads of (x, k*) are states of the free landscape below E+(x, k*) + margin that do not
# show the correct label.

# %%
from grover_train.finders import get_finder
from grover_train.finders.search_problem import SearchProblem
from grover_train.model import free_bqm, head_threshold, label_exclusion

x, k = data.X_test[0], int(data.y_test[0])
bqm = free_bqm(net, x)
tau, exclude = head_threshold(net, x, k, margin=1.0), label_exclusion(net, k)
heads = get_finder("grover", schedule="bbht").sample(
    bqm, threshold=tau, exclude=exclude, budget=500, seed=0, max_heads=3
)
print(f"{len(heads)} heads found with {heads.info['queries']} queries ({bqm.num_variables} spins)")

# %% [markdown]
# ## 3. The energy spectrum, the threshold and the heads found

# %%
problem = SearchProblem(bqm, tau, exclude)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(problem.energies, bins=60, color="0.6", label=f"all 2^{bqm.num_variables} states")
ax.axvline(tau, color="black", linestyle="--", label="threshold E+(x, k*) + margin")
for i, e in enumerate(heads.record.energy):
    ax.axvline(e, color="tab:red", label="heads found" if i == 0 else None)
ax.set_xlabel("energy")
ax.set_ylabel("states")
ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()
fig.savefig("spectrum.png", dpi=100)
print("marked states (true heads):", int(problem.marked.sum()))

# %% [markdown]
# ## 4. A tiny sweep into a store, and its report

# %%
from grover_train.reporting.report import write_report
from grover_train.runs.store import Store
from grover_train.runs.sweep import run_sweep

specs = [
    {
        "kind": "train",
        "dataset": "teacher",
        "teacher": [6, 4, 2],
        "num_samples": 40,
        "hidden": 4,
        "finder": finder,
        "budget": 400,
        "seed": seed,
    }
    for finder in ("random", "sa")
    for seed in (0, 1)
]
print(run_sweep(specs, "tutorial.sqlite", progress=False).as_dict())
with Store("tutorial.sqlite", readonly=True) as store:
    runs, metrics = store.tables()
print(f"{len(runs)} runs, {len(metrics)} metric rows")
report = write_report("tutorial.sqlite", "tutorial-report", num_boot=50, seed=0)
print(open("tutorial-report/report.md").read()[:400])
print(np.round(sorted(r["summary.train_error"] for r in runs), 3))
