"""A scikit-learn estimator: ``DragonClassifier(hidden=..., finder=...).fit(X, y).predict(X)``.

Features are turned into spins before training: a feature with at most two distinct values is
split at the middle of its range, any other at its training median (``thresholds_``). The
network is trained by head cutting with the chosen finder (or by backprop with
``finder="backprop"``) through :func:`grover_train.train.run.train_model`; ``predict``
is argmin_k E+(x, k) and ``predict_proba`` the Boltzmann weights exp(-E+(x, k)) normalized
over the classes, so both come from the clamped energies.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from grover_train.data.datasets import Dataset


class DragonClassifier(ClassifierMixin, BaseEstimator):
    """An Ising ("dragon") network classifier with the scikit-learn estimator API.

    Args:
        hidden: hidden layer sizes (an int for one layer).
        finder: head finder name (``"sa"``, ``"grover"``, ...) or ``"backprop"``.
        budget: total queries of the training run.
        seed: seed of the whole run.
        finder_options: keyword options of the finder.
        train_options: other options of the method (``eta``, ``margin``, ...: fields of
            :mod:`grover_train.train.options`).

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DragonClassifier(hidden=8, budget=3000, seed=0).fit(X, y)
    >>> clf.score(X, y) > 0.6, clf.predict_proba(X[:2]).shape
    (True, (2, 3))
    """

    def __init__(
        self,
        hidden: int | list[int] = 32,
        finder: str = "sa",
        budget: int = 300000,
        seed: int = 0,
        finder_options: dict | None = None,
        train_options: dict | None = None,
    ):
        self.hidden = hidden
        self.finder = finder
        self.budget = budget
        self.seed = seed
        self.finder_options = finder_options
        self.train_options = train_options

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # accuracy depends on the query budget; small budgets may not reach sklearn's bar
        tags.classifier_tags.poor_score = True
        return tags

    def _spins(self, X: np.ndarray) -> np.ndarray:
        return np.where(X > self.thresholds_[None, :], 1.0, -1.0)

    def fit(self, X, y) -> DragonClassifier:
        """Binarize ``X``, train the network on ``(X, y)``; return ``self``."""
        from grover_train.finders import train_options
        from grover_train.train.options import method_options
        from grover_train.train.run import train_model

        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        lo, hi = X.min(axis=0), X.max(axis=0)
        two = np.array([len(np.unique(X[:, j])) <= 2 for j in range(X.shape[1])])
        self.thresholds_ = np.where(two, (lo + hi) / 2.0, np.median(X, axis=0))
        if len(self.classes_) < 2:  # one class: nothing to learn, every answer is it
            self.net_ = None
            return self
        S = self._spins(X)
        data = Dataset("sklearn", S, y_idx, S, y_idx, list(range(len(self.classes_))))
        options = train_options(self.finder)
        options.update(self.finder_options or {})
        result = train_model(
            data,
            method_options(self.finder, options, **(self.train_options or {})),
            hidden=self.hidden,
            budget=self.budget,
            seed=self.seed,
            progress=False,
        )
        self.net_ = result.net
        self.summary_ = dict(result.summary)
        return self

    def energies(self, X) -> np.ndarray:
        """Clamped energies E+(x, k), shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if self.net_ is None:
            return np.zeros((X.shape[0], 1))
        return self.net_.clamped_energies(self._spins(X))

    def predict_proba(self, X) -> np.ndarray:
        """exp(-E+(x, k)) normalized over the classes."""
        E = self.energies(X)
        W = np.exp(-(E - E.min(axis=1, keepdims=True)))
        return W / W.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """argmin_k E+(x, k), as the original labels."""
        E = self.energies(X)  # first: it checks that the estimator is fitted
        return self.classes_[np.argmin(E, axis=1)]
