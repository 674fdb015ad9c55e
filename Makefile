# gpuplan — run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
VENDOR       := book/_static/vendor
VENDOR_STAMP := $(VENDOR)/VERSIONS

.PHONY: help venv data test lint book notebooks vendor bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gpuplan needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(STAMP) ## Create .venv/ and install requirements.txt (done by every other target)

data: $(STAMP) ## Rebuild data/gpuplan.duckdb from data/*.csv (the library also rebuilds it by itself whenever a CSV changed)
	$(PY) -m gpuplan data build

# CPU torch + transformers + peft for the GPU-calibration harness test (bench/gpu/; ~35 s, local torch wheel)
GPU_HARNESS_STAMP := $(VENV)/.gpu-harness
$(GPU_HARNESS_STAMP): $(STAMP) bench/gpu/requirements-cpu.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/gpu/requirements-cpu.txt
	touch $@

test: lint $(STAMP) $(GPU_HARNESS_STAMP) $(VENDOR_STAMP) ## Lint (ruff) first, then run the whole test suite, with nbval on the committed notebooks
	$(PY) -m pytest tests/ notebooks/ --nbval --nbval-sanitize-with tests/sanitize.cfg --ignore-glob='*/tests/*.ipynb'

lint: $(STAMP) ## Lint the package, tests and benchmarks with ruff (rules in pyproject.toml)
	$(PY) -m ruff check gpuplan tests bench

# Vega, Vega-Lite (exactly altair.VEGALITE_VERSION), Vega-Embed and MathJax for offline pages, from the npm
# registry (node/npm): book/_static/vendor/ is gitignored and rebuilt when requirements.txt (altair) changes.
MATHJAX      := 3.2.2
$(VENDOR_STAMP): $(STAMP)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/npm
	set -euo pipefail; \
	read -r VEGA VEGALITE VEGAEMBED < <($(PY) -c 'import altair as a; print(a.VEGA_VERSION, a.VEGALITE_VERSION, a.VEGAEMBED_VERSION)'); \
	cd $(VENDOR)/npm && npm pack --silent vega@$$VEGA vega-lite@$$VEGALITE vega-embed@$$VEGAEMBED mathjax@$(MATHJAX) > ../VERSIONS.tmp; \
	for pkg in vega vega-lite vega-embed; do tar xzf $$pkg-[0-9]*.tgz --strip-components=2 -C .. package/build/$$pkg.min.js; done; \
	mkdir -p ../mathjax && tar xzf mathjax-*.tgz --strip-components=2 -C ../mathjax package/es5/tex-mml-chtml.js package/es5/input package/es5/output package/es5/ui package/es5/a11y; \
	printf '// Tells the Altair HTML loader that the vendored scripts are present (no CDN request).\nvar VEGA_DEBUG = {vega_version: "%s", vegalite_version: "%s", vegaembed_version: "%s"};\n' $$VEGA $$VEGALITE $$VEGAEMBED > ../altair-preloaded.js
	rm -rf $(VENDOR)/npm && mv $(VENDOR)/VERSIONS.tmp $@

vendor: $(VENDOR_STAMP) ## Fetch Vega/Vega-Lite/Vega-Embed/MathJax from npm into book/_static/vendor (offline charts)

PARAMS ?=
book: $(STAMP) $(VENDOR_STAMP) ## Build the book into _build/html (PARAMS=my.yaml: a personal edition in _editions/my/)
	$(PY) -m gpuplan book $(if $(PARAMS),--params $(PARAMS))

notebooks: $(STAMP) ## Re-execute notebooks/*.ipynb in place (the nbval baseline) and normalize their metadata
	$(PY) -m gpuplan book --refresh-baselines

RUNS ?= 3
bench: $(STAMP) $(VENDOR_STAMP) ## Time book builds, notebooks, batch vs serial papermill, sweeps -> BENCHMARKS.md (CPU heavy, minutes; RUNS=3)
	$(PY) bench/bench.py --runs $(RUNS)

clean: ## Remove build outputs (keeps .venv/)
	rm -rf _build _editions .stamps data/gpuplan.duckdb
