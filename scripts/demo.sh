#!/usr/bin/env bash
# The main job on a fresh checkout: install, train on the bundled data, predict on a bundled article.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/python train.py
.venv/bin/actorstance predict data/articles/02-un-veto-sanctions.txt --actors data/articles/actors.json
