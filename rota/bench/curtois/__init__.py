"""The Curtois & Qu employee shift scheduling benchmark: the instance and roster files (`instance.py`), an independent
check and score of any roster (`check.py`), the CP-SAT model of an instance (`model.py`) and the search that solves it
(`solver.py`)."""
