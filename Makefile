# The two commands a newcomer needs: `make demo` and `make test`.
.PHONY: setup demo test lint bench

VENV := .venv/bin

setup:
	@bash tools/setup.sh

demo: setup
	@bash tools/demo.sh

test: setup lint
	$(VENV)/python -m pytest -q -ra

lint:
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports

bench: setup
	$(VENV)/python bench/import_list.py --rows 1000000
