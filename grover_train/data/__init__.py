"""Data: binarized datasets (digits, teacher, mnist)."""

from grover_train.data.datasets import DATASETS, Dataset, load_dataset

__all__ = ["DATASETS", "Dataset", "load_dataset"]
