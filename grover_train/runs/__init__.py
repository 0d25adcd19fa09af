"""Run infrastructure: sweep configs, the results store, runners and the sweep executor."""
