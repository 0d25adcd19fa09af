"""Studies: one module per experiment."""
