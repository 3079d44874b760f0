"""Benchmarks of the rota engine: `python -m rota.bench --help`."""
