# The two commands of README.md: `make run` (the whole system) and `make test` (ruff, mypy, pytest).
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[kiosk,hub,dev]'
	touch $(STAMP)

run: $(STAMP)
	@deploy/dev/system-packages.sh run
	$(BIN)/hailong demo

test: $(STAMP)
	@deploy/dev/system-packages.sh test
	$(BIN)/ruff check .
	$(BIN)/mypy hailong kiosk hub
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy hailong kiosk hub

docs: $(STAMP)
	$(BIN)/python -m hailong.docs

# The pictures in docs/images/, made from the real apps (docs/screenshots.py).
screenshots: $(STAMP)
	@deploy/dev/system-packages.sh screenshots
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build *.egg-info
