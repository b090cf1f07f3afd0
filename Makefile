# The two set-up commands of the README. Both install what is missing first:
# Debian packages (GHDL, yosys, Tcl) through apt-get, and the pinned Python packages in .venv/.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# pytest-xdist workers for `make test`: one per CPU (rtl_tests share builds under file locks;
# --dist loadgroup keeps a file marked xdist_group on one worker, in order)
TEST_JOBS ?= auto
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := ghdl ghdl-llvm ghdl-mcode yosys tcl

.PHONY: build test system venv clean

build: system venv
	$(PY) -m vhdlgen build

test: system venv
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadgroup

system:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: vhdlgen needs Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf build .pytest_cache
