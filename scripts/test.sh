#!/usr/bin/env bash
# Install (as scripts/setup.sh), lint, and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/ruff check src tests train.py benchmarks   # lint (rules in pyproject.toml)
.venv/bin/python -m pytest -q "$@"
