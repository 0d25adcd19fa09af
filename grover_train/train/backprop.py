"""Backprop baseline: the same dragon network and classifier, trained by gradient descent
(the :class:`Backprop` updater of the training loop, :mod:`grover_train.train.loop`).

The logits are -beta E+(x, k) with the closed-form clamped energy
E+(x, k) = -sum_j |(W_L h_{L-1} + b_L + U^T e_k)_j| - e_k.c, so softmax cross-entropy over them
trains exactly the deployable classifier argmin_k E+(x, k). Layers below the last use
h_l = sign(W_l h_{l-1} + b_l) forward and the straight-through estimator backward (the gradient
of a hard tanh). With ``outputs="all"`` (default for C <= 8) the softmax runs over every
output configuration y in {+-1}^C with target e_k*, which also lowers the training error eps
(heads with non-one-hot outputs). Optimiser: Adam with step size ``eta`` (default 0.005) and
L2 ``weight_decay``.

Queries (docs/design.md section 3): one query = one sample's forward + backward pass, so a
mini-batch of B samples costs B queries. Metrics are measured as for head cutting
(:class:`grover_train.train.result.Evaluator`) and are not counted.

Randomness: initial weights from the same numpy stream as head cutting, batch order from a
per-epoch :class:`torch.Generator` seeded from the run's seed; no global torch state is touched.
On resume the optimiser's moment estimates start afresh (the weights, step and query counts
continue).
"""

from __future__ import annotations

import numpy as np

from grover_train.data.datasets import Dataset
from grover_train.enumeration import samples_to_states, states_to_samples
from grover_train.model.network import DragonNetwork, one_hot_spins
from grover_train.rng import child_seed
from grover_train.train.loop import Batch, StepResult, Updater
from grover_train.train.options import BackpropOptions

#: ``outputs="auto"`` uses the softmax over all 2^C outputs up to this many classes (its cost
#: grows as 2^C per sample; above, the C one-hot logits)
AUTO_ALL_OUTPUTS = 8


def logits(params: dict, X, num_layers: int, outputs=None):
    """-min_h E(h, y | x) for a batch as a torch tensor (N, K): for the one-hot outputs
    y = e_k (K = C, i.e. -E+(x, k)) or for the rows of ``outputs`` (K, C). ``params`` holds
    torch tensors W0.., b0.., U, c."""
    import torch

    h = X
    for layer in range(num_layers - 1):
        pre = h @ params[f"W{layer}"].T + params[f"b{layer}"]
        # sign forward, hard-tanh gradient backward (straight-through estimator)
        hard = torch.where(pre >= 0, 1.0, -1.0).to(pre.dtype)
        soft = torch.clamp(pre, -1.0, 1.0)
        h = soft + (hard - soft).detach()
    L = num_layers - 1
    F = h @ params[f"W{L}"].T + params[f"b{L}"]  # (N, H)
    U, c = params["U"], params["c"]
    Y = outputs if outputs is not None else 2 * torch.eye(U.shape[0], dtype=U.dtype) - 1
    # min_h E(h, y | x) = -sum_j |F_j + (U^T y)_j| - y.c for each row y of Y
    E = -(F[:, None, :] + (Y @ U)[None, :, :]).abs().sum(dim=2) - (Y @ c)[None, :]
    return -E


class Backprop(Updater):
    """Gradient descent on the logits -beta E+ (softmax cross-entropy, Adam).

    Args:
        options: the baseline's options (:class:`grover_train.train.options.BackpropOptions`;
            ``margin`` only enters the metric ``train_error_margin``).

    Queries: one per sample pass, so a step of B samples costs B (the last batch is cut to
    the queries left).

    >>> from grover_train.data.datasets import load_dataset
    >>> from grover_train.train.loop import train
    >>> ds = load_dataset('digits', seed=0, classes=[0, 1])
    >>> r = train(ds, Backprop(BackpropOptions()), hidden=4, budget=2000, seed=0, progress=False)
    >>> r.summary['finder'], r.summary['queries'], r.summary['test_accuracy'] > 0.9
    ('backprop', 2000, True)
    """

    name = "backprop"
    options: BackpropOptions

    def __init__(self, options: BackpropOptions | None = None) -> None:
        super().__init__(options if options is not None else BackpropOptions())

    def init(self, net: DragonNetwork, dataset: Dataset, state: dict, seed: int) -> None:
        import torch

        p = self.options
        self.meta = dict(net.meta)
        self.num_layers = L = net.num_layers
        dtype = self.dtype = torch.float64
        params = self.params = {}
        for layer in range(L):
            params[f"W{layer}"] = torch.tensor(net.W[layer], dtype=dtype, requires_grad=True)
            params[f"b{layer}"] = torch.tensor(net.b[layer], dtype=dtype, requires_grad=True)
        params["U"] = torch.tensor(net.U, dtype=dtype, requires_grad=True)
        params["c"] = torch.tensor(net.c, dtype=dtype, requires_grad=True)
        self.opt = torch.optim.Adam(params.values(), lr=p.eta, weight_decay=p.weight_decay)
        self.X = torch.tensor(dataset.X_train, dtype=dtype)
        self.y = torch.tensor(dataset.y_train, dtype=torch.long)
        C = net.num_classes
        if p.outputs == "all" or (p.outputs == "auto" and C <= AUTO_ALL_OUTPUTS):
            # softmax over all 2^C output configurations: pushes every head above e_k*, so the
            # training error eps falls too, not only the one-hot classification loss
            self.Y_all = torch.tensor(states_to_samples(np.arange(2**C), C), dtype=dtype)
            self.own = torch.tensor(
                samples_to_states(one_hot_spins(np.arange(C), C)), dtype=torch.long
            )
        else:
            self.Y_all = self.own = None
        self.noise = torch.Generator()
        # tiny tensors: one thread is fastest and keeps runs identical; restored by close()
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def order(self, rng: np.random.Generator, n: int):
        """A torch permutation seeded from ``rng`` (no global torch state is touched)."""
        import torch

        gen = torch.Generator()
        gen.manual_seed(child_seed(rng))
        return torch.randperm(n, generator=gen)

    def step(self, batch: Batch) -> StepResult:
        """One Adam step on the batch (cut to the queries left)."""
        import torch

        p = self.options
        take = min(len(batch.index), batch.budget - batch.queries)
        index = batch.index[:take]
        lr = p.eta / (1.0 + p.eta_decay * batch.epochs)
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad()
        xb = self.X[index]
        if p.input_noise > 0:
            # data augmentation: flip each input spin with probability input_noise
            self.noise.manual_seed(child_seed(batch.noise))
            flip = torch.rand(xb.shape, generator=self.noise, dtype=self.dtype) < p.input_noise
            xb = torch.where(flip, -xb, xb)
        out = p.beta * logits(self.params, xb, self.num_layers, self.Y_all)
        target = self.y[index] if self.Y_all is None else self.own[self.y[index]]
        loss = torch.nn.functional.cross_entropy(out, target)
        loss.backward()
        self.opt.step()
        return StepResult(
            queries=take, samples=take, row={"eta": lr, "loss": float(loss.detach()), "batch": take}
        )

    def network(self) -> DragonNetwork:
        import torch

        params, L = self.params, self.num_layers
        with torch.no_grad():
            return DragonNetwork(
                [params[f"W{i}"].numpy().copy() for i in range(L)],
                [params[f"b{i}"].numpy().copy() for i in range(L)],
                params["U"].numpy().copy(),
                params["c"].numpy().copy(),
                dict(self.meta),
            )

    def close(self) -> None:
        import torch

        if hasattr(self, "threads"):
            torch.set_num_threads(self.threads)


__all__ = ["Backprop", "logits"]
