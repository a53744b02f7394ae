"""Fit the article name selector (``predict --focus``, articles/focus.py) into a saved model: for scorers trained before
their experiment set ``focus: true``, which now fits it at the end of ``python train.py``. It learns from the SEESAW
entry of the data the model was trained on (its config in meta.json), so nothing of select or valid.

    .venv/bin/python benchmarks/fit_focus.py --model RUN/model [--threshold 0.25]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    from actorstance.articles.focus import THRESHOLD, fit_for_run
    from actorstance.models.base import read_meta

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a saved model directory (a train.py run's model/)")
    ap.add_argument("--threshold", type=float, default=THRESHOLD, help=f"names kept from this probability (default {THRESHOLD})")
    args = ap.parse_args()
    data = (read_meta(Path(args.model)).get("config") or {}).get("data")
    if not data:
        ap.error(f"{args.model}: its meta.json holds no training config to find the SEESAW data in")
    selector = fit_for_run(data, threshold=args.threshold)
    print(f"{selector.save(args.model)}: {json.dumps(selector.info)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
