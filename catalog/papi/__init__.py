"""PAPI-compatible catalog routes (/v1/catalog/...), shaped like AI4OS PAPI's answers."""
