# The two commands: `make demo` and `make test`. Both create and reuse .venv.
# JUPYTER_PATH puts the venv's kernel first, ahead of any python3 kernel the user installed elsewhere.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow venv check playground examples benchmark clean sandbox-tool site

venv: $(STAMP)

# Reinstall when the dependency list changes. The venv's bin/ goes on PATH for every command
# below because nbgrader runs the `alembic` executable to create its gradebook.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is required, found " + sys.version.split()[0]'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# Release every module, autograde the example class (examples/class), print the grade table,
# write the CSV and the feedback reports (all under grading/demo/).
demo: $(STAMP) sandbox-tool
	rm -rf grading/demo
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/nncourse demo --work grading/demo

# A student's self-check: make check NB=exercises/01_neurons_and_logic_gates/01_neurons_and_logic_gates.ipynb
check: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make check NB=exercises/<module>/<module>.ipynb"; exit 2; }
	@PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/nncourse check "$(NB)"

# Regenerate examples/class after changing solutions/ (a test checks it is in sync).
examples: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" $(BIN)/nncourse build-examples

# Grading speed: seconds per notebook with one worker and with all cores. Training speed: the
# reference implementation beside scikit-learn, and beside PyTorch where it is importable. PyTorch
# is not a dependency: `make benchmark TRAINING_PYTHON=/path/to/venv-with-torch/bin/python`.
# Notebook times: every lecture and solution notebook run top to bottom in a fresh kernel.
TRAINING_PYTHON ?= $(BIN)/python
benchmark: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/python benchmarks/grading_speed.py
	PYTHONPATH="$(CURDIR)" $(TRAINING_PYTHON) benchmarks/training_speed.py
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/python benchmarks/notebook_times.py

# Grading runs student kernels under bubblewrap; install it where it is missing and we may.
sandbox-tool:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq bubblewrap >/dev/null 2>&1); } || true
	@command -v bwrap >/dev/null 2>&1 || echo "note: bubblewrap (bwrap) is not installed and could not be installed here: install it (apt-get install bubblewrap) or grade with --no-sandbox"

test: $(STAMP) sandbox-tool
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

# The course website in build/site/: lectures executed (cached in build/site-work/), exercises'
# task text, the reference implementation's API and source. Works offline (local MathJax).
# `make test-slow` builds it again and checks every page in headless Chromium.
site: $(STAMP)
	@$(BIN)/python -c 'import sphinx, myst_nb, furo' 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[site]"
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" $(BIN)/python site/build.py --out build/site
	@echo "open build/site/index.html, or: $(BIN)/python -m http.server -d build/site 8000 (http://127.0.0.1:8000/)"

playground: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" MPLBACKEND=Agg $(BIN)/python -m nncourse.playground --out demo_output

clean:
	rm -rf $(VENV) demo_output grading
