# The browser edition (lite/build.py): a static JupyterLite site with Pyodide and the whole kit.
#   make lite        the students' site in dist/lite/ (labs, slides, landing page)
#   make lite-test   the same site with the solutions, in dist/lite-test/, for tests/browser/test_lite_browser.py
# JupyterLite's builder lives in a virtualenv of its own (.venv-lite); the wheels and Pyodide come from
# PyPI and the npm registry once, into ~/.cache/lambda-lab-lite, and later builds need no network.
LITE_VENV := .venv-lite
LITE_STAMP := $(LITE_VENV)/.installed
LITE_PACKAGES := jupyterlite-core==0.8.6 jupyterlite-pyodide-kernel==0.8.6 jupyterlab-widgets==3.0.17 jupyter-server>=2.21
LITE_SOURCES := lite/build.py lite/precompile.py lite/precompile.mjs lite/index.html $(shell find emulator grader -name '*.py') $(wildcard labs/*.ipynb labs/fr/*.ipynb)
TEST_DEPS += lite-test

.PHONY: lite lite-test

$(LITE_STAMP): mk/lite.mk
	$(PYTHON) -m venv $(LITE_VENV)
	$(LITE_VENV)/bin/python -m pip install --quiet $(foreach p,$(LITE_PACKAGES),'$(p)')
	touch $(LITE_STAMP)

lite: venv $(LITE_STAMP) slides
	$(BIN)/python lite/build.py --out dist/lite --notebooks labs

lite-test: dist/lite-test/.built

dist/lite-test/.built: $(STAMP) $(LITE_STAMP) $(LITE_SOURCES) $(wildcard solutions/*.ipynb)
	$(BIN)/python lite/build.py --out dist/lite-test --notebooks solutions
	touch $@
