# Two commands for a fresh machine: `make run` (the console with demo data) and `make test` (the whole suite).
# Both create .venv and install requirements.txt themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements
PORT ?= 5000
# The demo's stand-in for the platform: it takes the decisions on the demo low-risk service and prints them.
PLATFORM_PORT ?= 5001
# Links in emails and on pages are built from PUBLIC_URL: for make run, the address it serves on.
PUBLIC_URL ?= http://127.0.0.1:$(PORT)
export FLASK_APP := wsgi
export PUBLIC_URL

.PHONY: run test bench totp chromium clean

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	@# Byte-compiled on every core at once (pip compiles one file at a time): every process that imports them, the
	@# test workers and the task queue's consumer among them, then starts in a third of the time.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(INSTALLED)

## run: migrate both databases, load demo data into an empty database, print the demo logins, serve on 127.0.0.1:$(PORT)
## with the task queue's consumer (solver runs, emails, decisions sent to the platform), the scheduler (alerts) and a
## stand-in for the platform's webhook (it prints each decision on the demo low-risk service) beside the web server;
## Ctrl-C stops them all.
# The stand-in platform listens on this machine, where decisions may go only in development (PLATFORM_ALLOW_LOOPBACK).
run: export PLATFORM_ALLOW_LOOPBACK = 1
run: $(INSTALLED)
	$(BIN)/flask db upgrade
	$(BIN)/flask vault upgrade
	$(BIN)/flask demo load
	@$(BIN)/flask demo logins
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(BIN)/huey_consumer console.worker.huey --workers 2 --worker-type thread --max-delay 1 --quiet & \
	consumer=$$!; \
	$(BIN)/flask scheduler run & \
	scheduler=$$!; \
	$(BIN)/flask platform receiver --connect demo-low --port $(PLATFORM_PORT) & \
	receiver=$$!; trap 'kill $$consumer $$scheduler $$receiver 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 wsgi:app

## test: ruff over the tree (the rules in pyproject.toml), then the whole suite, on SQLite and on PostgreSQL at
## 127.0.0.1:5432, with browser tests in Chromium, on three processes (each with databases of its own; on 2 cores,
## scikit-learn's training in the risk model's tests keeps to one thread in each)
test: $(INSTALLED) chromium
	$(BIN)/ruff check .
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 3 --dist worksteal

## bench: the long benchmarks left out of `make test` (the engine on the shared benchmarks at its real budget)
bench: $(INSTALLED)
	$(BIN)/python -m pytest -m benchmark -p no:cacheprovider

## totp: the current MFA code of the demo accounts that need one
totp: $(INSTALLED)
	@$(BIN)/flask demo totp

## chromium: Debian's Chromium for the browser tests (never a downloaded browser build)
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
