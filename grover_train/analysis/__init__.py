"""Statistics the studies share: exponent fits, target rules, intervals, expected costs."""
