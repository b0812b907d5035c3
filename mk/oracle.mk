# The oracle of tests/test_runtime_parity.py: AWS's own Python runtime client, awslambdaric, from
# PyPI in a virtualenv of its own (never in .venv), made with the same python3 as .venv.
ORACLE_VENV := .venv-oracle
ORACLE_STAMP := $(ORACLE_VENV)/.installed
ORACLE_PACKAGE := awslambdaric==4.2.*
TEST_DEPS += $(ORACLE_STAMP)

.PHONY: oracle

oracle: $(ORACLE_STAMP)

$(ORACLE_STAMP): mk/oracle.mk
	$(PYTHON) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/python -m pip install --quiet '$(ORACLE_PACKAGE)'
	touch $(ORACLE_STAMP)
