"""The report and ``reproduce``: every registered study run and written up."""
