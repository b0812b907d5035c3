# The browser suite (tests/browser/): JupyterLab and the slides as a student sees them, in headless
# Chromium driven by Playwright. The browser is Debian's chromium package: Playwright never downloads one.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: chromium test-browser

TEST_DEPS += chromium

# A no-op when the browser is there; otherwise Debian's package, without the recommended extras.
chromium:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null || { echo "no $(CHROMIUM) and no apt-get: install Chromium, then run make with CHROMIUM=/path/to/chromium" >&2; exit 1; }; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

test-browser: venv chromium
	$(BIN)/python -m pytest tests/browser -q
