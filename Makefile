# gpuplan — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help venv data test book notebooks bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gpuplan needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(STAMP) ## Create .venv/ and install requirements.txt (done by every other target)

data: $(STAMP) ## Build data/gpuplan.duckdb from data/*.csv (only when a CSV changed)
	$(PY) -m gpuplan data build

# CPU torch + transformers + peft for the GPU-calibration harness test (bench/gpu/; ~35 s, local torch wheel)
GPU_HARNESS_STAMP := $(VENV)/.gpu-harness
$(GPU_HARNESS_STAMP): $(STAMP) bench/gpu/requirements-cpu.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/gpu/requirements-cpu.txt
	touch $@

test: $(STAMP) $(GPU_HARNESS_STAMP) ## Run the whole test suite
	$(PY) -m pytest

clean: ## Remove build outputs (keeps .venv/)
	rm -rf _build _editions .stamps data/gpuplan.duckdb
