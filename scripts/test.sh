#!/usr/bin/env bash
# Install (as scripts/setup.sh), lint, and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# A headless browser for the web page's test (tests/test_serve_browser.py): Debian's chromium, where we may install it.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; } \
    || echo "notice: chromium could not be installed; the browser test will be skipped"
fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check src tests train.py benchmarks   # lint (rules in pyproject.toml)
.venv/bin/mypy                                         # types of src/ (settings in pyproject.toml)
.venv/bin/python -m pytest -q "$@"
