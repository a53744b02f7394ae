"""How much a pair's int8 probability depends on what is scored beside it.

Dynamic int8 quantisation sets one activation scale per tensor of a batch, so the same pair,
scored with other sentences, gets a slightly different probability. This scores the candidate
pairs of a corpus three ways with one model: in the pipeline's batches (chunks of 64 articles,
int8 with the model's own fp32 recheck of close calls, as `predict` does for a model saved with
its int8 copy), each article alone (the same, one call per article), and in fp32 (`--fp32`, the
baseline: the same probability however the pairs are batched). It reports how many labels and
how much probability differ, and each way's scoring time.

    .venv/bin/python benchmarks/int8_batches.py --model DIR --name NAME

Scores SEESAW valid (../shared/data/seesaw, or ACTORSTANCE_SHARED_DATA), else the bundled
articles; writes benchmarks/results/int8_batches/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "int8_batches"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--name", required=True)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np

    from actorstance import LABELS
    from actorstance.articles.pairs import model_record
    from actorstance.articles.pipeline import ArticlePipeline
    from actorstance.models import load_for_prediction
    from run_record import machine, valid_or_bundled  # beside this script

    gold, what = valid_or_bundled()
    int8 = load_for_prediction(Path(args.model))
    if not getattr(int8, "int8", False):
        sys.exit(f"{args.model}: saved without its int8 copy; nothing to compare")
    exact = load_for_prediction(Path(args.model), fp32=True)
    pipeline = ArticlePipeline.build(int8, ner="spacy")
    per_article = [[model_record(a.article, p, a.sentences) for p in a.pairs]
                   for a in pipeline.analyse(g.article() for g in gold)]
    per_article = [recs for recs in per_article if recs]
    chunks = [[r for recs in per_article[i:i + pipeline.chunk_articles] for r in recs]
              for i in range(0, len(per_article), pipeline.chunk_articles)]

    def timed(model, calls):
        model.predict_proba(calls[0][:8])  # warm-up
        t = time.perf_counter()
        proba = np.concatenate([model.predict_proba(c) for c in calls])
        return proba, round(time.perf_counter() - t, 2)

    batched, t_batched = timed(int8, chunks)
    alone, t_alone = timed(int8, per_article)
    fp32, t_fp32 = timed(exact, chunks)

    def compare(a, b) -> dict:
        diff = np.abs(a - b).max(axis=1)
        return {"labels_differ": int((a.argmax(1) != b.argmax(1)).sum()),
                "labels_differ_share": round(float((a.argmax(1) != b.argmax(1)).mean()), 4),
                "stances_differ": int(((a.argmax(1) != b.argmax(1)) & ((a.argmax(1) != LABELS.index("neutral"))
                                                                       | (b.argmax(1) != LABELS.index("neutral")))).sum()),
                "max_probability_difference": round(float(diff.max()), 4),
                "mean_probability_difference": round(float(diff.mean()), 5),
                "pairs_moved_over_0.05": int((diff > 0.05).sum())}

    result = {"name": args.name, "gold": what, "model": args.model, "int8_recheck": int8.int8_recheck,
              "command": "python benchmarks/int8_batches.py " + " ".join(map(shlex.quote, sys.argv[1:])),
              "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(),
              "articles": len(per_article), "pairs": int(len(batched)),
              "seconds": {"int8_pipeline_batches": t_batched, "int8_each_article_alone": t_alone, "fp32": t_fp32},
              "int8_pipeline_batches_vs_each_article_alone": compare(batched, alone),
              "int8_pipeline_batches_vs_fp32": compare(batched, fp32),
              "int8_each_article_alone_vs_fp32": compare(alone, fp32)}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
