# Lambda Lab. Every target creates .venv on first use; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= 2

.PHONY: venv lab test labs bench grade autograder-zip clean
SUBMISSIONS ?= submissions
GRADES ?= grades
LAB ?= 06_calculator

# Extra set-up that `make test` needs (a browser, the slides' npm packages): each mk/*.mk adds to it.
TEST_DEPS :=
-include mk/*.mk

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# JupyterLab on labs/; no browser is opened when there is no display.
lab: venv
	$(BIN)/jupyter lab --notebook-dir=labs --ip=127.0.0.1 $(if $(or $(DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root)

test: venv $(TEST_DEPS)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

# labs/ from solutions/, and labs/fr/ from labs/ and i18n/fr/ (stale translations are listed)
labs: venv
	$(BIN)/python -m grader labs solutions labs

# Grade a folder of student notebooks: make grade SUBMISSIONS=path/to/notebooks GRADES=grades
grade: venv
	$(BIN)/python -m grader grade $(SUBMISSIONS) --out $(GRADES)

# Gradescope's autograder.zip for one lab: make autograder-zip LAB=06_calculator
autograder-zip: venv
	$(BIN)/python -m grader autograder-zip --lab $(LAB) --out dist/autograder-$(LAB).zip

bench: venv
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) work test-artifacts
