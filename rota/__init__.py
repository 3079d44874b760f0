"""The rota engine: coverage standards, the CP-SAT optimiser, the validator and explanations.

Pure Python: imports neither Flask nor SQLAlchemy. The console turns its rows into
rota.domain objects and calls this package.
"""
