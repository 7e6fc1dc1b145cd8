"""The framework layer: the pack's model, loader and as-of queries."""
