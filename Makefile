# The two commands a newcomer needs: `make build` (the main job) and `make test`.
# Both run `setup` first, so each works alone on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Notebooks run side by side, one per core, beside TensorFlow's own threads: one BLAS thread
# per kernel (scikit-learn's LogisticRegression in lecture 08 took 5.6 s of CPU per fit with
# OpenBLAS's threads contending, 0.07 s with one).
export OPENBLAS_NUM_THREADS ?= 1

# The real-data mirror beside the checkout (../shared/data: real subsets of MNIST and
# Fashion-MNIST, MobileNet's ImageNet weights; see its README), used by build, test and lab
# when it exists and COURSE_DATA_DIR is not set. Without it: the documented stand-ins.
MIRROR := $(abspath $(CURDIR)/../shared/data)
ifeq ($(origin COURSE_DATA_DIR),undefined)
ifneq ($(wildcard $(MIRROR)/.),)
export COURSE_DATA_DIR := $(MIRROR)
endif
endif

.PHONY: setup build test lab lab-instructor clean

setup: $(STAMP)

# Re-installs only when the dependency list changed (pyproject.toml is the one source).
$(STAMP): pyproject.toml scripts/install-system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[instructor,test]'
	bash scripts/install-system-packages.sh
	touch $(STAMP)

build: setup
	$(BIN)/course build

# Unit tests, grading round trips, and every lecture notebook executed (nbval, fast profile).
# The masters in solutions/ run in tests/course/grading/test_check.py, as `course check` runs
# them (sandboxed and graded: every automatic point, and no cell may raise), not again by nbval.
# Each file stays on one worker (--dist loadscope), in the order tests/conftest.py sets (the
# longest first, not xdist's most-tests-first). Two workers, one per core: with a third,
# JupyterLab's Run All of lecture 01 missed its 240 s in a CI run (its kernel never ran).
test: setup
	COURSE_PROFILE=$${COURSE_PROFILE:-fast} $(BIN)/python -m pytest -n 2 --dist loadscope \
		--no-loadscope-reorder --nbval-lax --nbval-current-env -q tests lectures

# The student's JupyterLab on work/ (copies of lectures/ and assignments/, refreshed without
# overwriting a change, so `git pull` never clashes) and the instructor's (formgrader on
# .grading/). Their Jupyter configuration is written to .jupyter/<view>/ (never ~/.jupyter).
# More jupyter lab options: make lab LAB_OPTIONS=--port=8890
lab: setup
	$(BIN)/course lab --student -- $(LAB_OPTIONS)

lab-instructor: setup
	$(BIN)/course lab -- $(LAB_OPTIONS)

clean:
	rm -rf build .grading
