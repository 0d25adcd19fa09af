"""grover-train: train Ising ("dragon") networks by finding and cutting their deep spurious minima.

The package follows the data flow data -> model -> finders -> train -> analysis -> studies ->
runs -> reporting -> cli (docs/design.md section 10).

>>> import grover_train
>>> grover_train.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
