"""Benchmarks of the console, each a command that prints figures for docs/benchmarks.md:
`python -m console.bench.pages` (the rota pages and a calendar feed), `python -m console.bench.queue` (ingest, the
queue page and search) and `python -m console.bench.words` (what the risk-word lists catch, and how fast)."""
