"""Model: the Ising network, its landscapes, clamped energies and the classifier."""

from grover_train.model.io import load_model, save_model
from grover_train.model.landscape import (
    free_bqm,
    has_head,
    head_threshold,
    label_exclusion,
    training_error,
)
from grover_train.model.network import DragonNetwork, one_hot_spins

__all__ = [
    "DragonNetwork",
    "free_bqm",
    "has_head",
    "head_threshold",
    "label_exclusion",
    "load_model",
    "one_hot_spins",
    "save_model",
    "training_error",
]
