"""Article throughput with the scorer beside the recogniser (the default) against the same
pipeline scoring each chunk in turn (``overlap=False``, the named baseline), one process, one
model, rounds alternating so that both see the same machine load.

    .venv/bin/python benchmarks/articles_overlap.py --model DIR --name NAME [--int8 --int8-recheck 0.1] [--rounds 3]

Scores SEESAW valid (../shared/data/seesaw, or ACTORSTANCE_SHARED_DATA), else the bundled
articles; writes benchmarks/results/articles_overlap/NAME.json (each round's wall time and
sentences/s, their ratio, and whether both modes gave the same rows) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "articles_overlap"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--int8-recheck", type=float)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from actorstance.articles.evaluate import evaluate_articles
    from actorstance.articles.pipeline import ArticlePipeline
    from actorstance.models import load_for_prediction
    from run_record import machine, valid_or_bundled  # beside this script

    gold, what = valid_or_bundled()
    model = load_for_prediction(Path(args.model), False, args.int8, args.int8_recheck, flag=lambda n: "--" + n)
    base = ArticlePipeline.build(model, ner="spacy")
    evaluate_articles(gold[:3], base)  # warm-up: first calls load kernels and caches
    runs: dict[str, list[dict]] = {"sequential": [], "overlap": []}
    rows: dict[str, list[dict]] = {"sequential": [], "overlap": []}
    for _ in range(args.rounds):
        for mode in runs:
            pipeline = base.with_options(overlap=mode == "overlap")
            kept: list[dict] = []
            report = evaluate_articles(gold, pipeline, kept.extend)
            runs[mode].append({"wall_s": report["timings"]["wall"], "sentences_per_s": report["timings"]["sentences_per_s"],
                               "triple_f1": report["triples"]["f1"]})
            rows[mode] = kept
    mean = {mode: round(statistics.mean(r["sentences_per_s"] for r in rs), 1) for mode, rs in runs.items()}
    result = {"name": args.name, "gold": what, "model": args.model, "int8": args.int8, "int8_recheck": args.int8_recheck,
              "command": "python benchmarks/articles_overlap.py " + " ".join(map(shlex.quote, sys.argv[1:])),
              "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "articles": len(gold),
              "sentences": report["timings"]["sentences"],  # as the pipeline splits them
              "rounds": runs, "mean_sentences_per_s": mean, "ratio": round(mean["overlap"] / mean["sequential"], 3),
              "same_rows": rows["overlap"] == rows["sequential"]}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"{what}: sequential {mean['sequential']} sentences/s, overlap {mean['overlap']} "
          f"(x{result['ratio']}, {args.rounds} rounds each); same rows: {result['same_rows']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
