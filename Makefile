# Two commands set everything up on a fresh machine (see README.md):
#   make run    install into .venv and start the clinic web app with a demo clinic
#   make test   install into .venv (with test tools and the system packages the
#               browser and PDF tests need) and run the whole test suite
# Versions are pinned in constraints.txt; pyproject.toml holds the ranges.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run assess-example test bench generate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/backcare serve --demo

assess-example: $(VENV)/.installed
	$(BIN)/backcare assess src/backcare/clinical/examples/acute-s1-herniation.yaml

test: $(VENV)/.installed-test tests/axe/node_modules/.installed
	scripts/system-deps.sh
	$(BIN)/python -m pytest

# axe-core from the npm registry, for the accessibility checks in the browser tests.
tests/axe/node_modules/.installed: tests/axe/package.json tests/axe/package-lock.json
	scripts/system-deps.sh
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/engine.py

# After editing the knowledge base YAML or the case model.
generate: $(VENV)/.installed-test
	$(BIN)/python -m backcare.clinical.generate

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
