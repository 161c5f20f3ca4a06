# slim: the two commands a newcomer runs are `make wheels` and `make test` (see README.md).
# Everything is installed into .venv from PyPI; system packages come from scripts/ (apt) when a step needs them.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
TARGETS ?=
# Target CPythons of `make wheels` (default: every version of slim/slim/targets.py PYTHONS)
PYTHONS ?= all

.PHONY: all venv dev wheels test test-engine zoo-census bench bench-prune fuzz fuzz-ci amalgamation clean help

all: wheels

help:
	@echo "make wheels          build the slimrt wheel(s) into dist/ (TARGETS=\"...\", PYTHONS=\"3.9 3.11\" for a subset)"
	@echo "make test            run the whole test suite"
	@echo "make test-engine     run only the engine tests (tests/engine)"
	@echo "make zoo-census      which zoo models (real + generated) slimrt runs, and which ops block the rest"
	@echo "make bench           compare slimrt with the official runtimes (speed, memory, import time)"
	@echo "make fuzz SECONDS=N  fuzz the model reader with libFuzzer (ASan/UBSan), exploring for N seconds"
	@echo "make fuzz-ci         the deterministic fuzz run CI does (FUZZ_RUNS inputs, fixed seed)"
	@echo "make bench-prune     slim prune on real PyPI wheel sets: sizes, trials, wall time"
	@echo "make amalgamation    the whole engine + binding as one file: dist/slimrt_all.cc + dist/slimrt_all.h"

$(VENV)/.stamp: requirements-dev.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "python3 venv module missing: apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.stamp

# The slimrt package built from this checkout and installed into .venv, plus the slim tool (editable) and the
# system packages the tests need (scripts/setup-system.sh).
dev: venv
	bash scripts/setup-system.sh
	$(PIP) install -q --no-build-isolation --no-deps --force-reinstall .
	$(PIP) install -q -e ./slim

# Through the slim CLI (slim/ on PYTHONPATH: `make wheels` does not need `make dev`).
wheels: venv
	bash scripts/setup-cross.sh --venv $(VENV) $(if $(TARGETS),--targets "$(TARGETS)") --pythons "$(PYTHONS)"
	PYTHONPATH=slim $(PY) -m slim build $(if $(TARGETS),--target "$(TARGETS)") --python "$(PYTHONS)"

# Everything cross-building needs (zig/conan/auditwheel into .venv; qemu-user, wine 32+64, target Pythons).
.PHONY: cross-setup
cross-setup: venv
	bash scripts/setup-cross.sh --venv $(VENV)

# The engine's model tests run a second time with the portable kernels (SLIMRT_ISA=generic), so the generic
# paths that other CPUs take are tested on this one too.
test: dev
	$(PY) -m pytest tests -q -ra
	SLIMRT_ISA=generic $(PY) -m pytest tests/engine -q -ra -m "real_model or op_model"

test-engine: dev
	$(PY) -m pytest tests/engine -q -ra
	SLIMRT_ISA=generic $(PY) -m pytest tests/engine -q -ra -m "real_model or op_model"

# The model zoo (docs/zoo.md): per source tried / official runs / slimrt matches, and the op gaps by models blocked.
zoo-census: dev
	$(PY) scripts/zoo.py census

bench: dev
	$(PY) bench/compare_runtimes.py

bench-prune: dev
	$(PY) bench/prune_bench.py

SECONDS ?= 60
fuzz:
	bash scripts/fuzz.sh $(SECONDS)

# What CI runs: a fixed number of inputs with a fixed seed, so every run tests the same inputs.
FUZZ_RUNS ?= 100000
fuzz-ci:
	bash scripts/fuzz.sh --runs $(FUZZ_RUNS) 1

# One C++17 file (+ one header) holding the whole engine; see scripts/amalgamate.py for the one-line build.
amalgamation:
	$(PYTHON) scripts/amalgamate.py dist

clean:
	rm -rf build dist _skbuild .pytest_cache
