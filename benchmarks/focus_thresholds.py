"""How many names ``--focus`` keeps: SEESAW's select stories scored end to end at several bars of the name selector's
probability (articles/focus.py), one model load and one reading of the articles per bar. Picks ``focus.THRESHOLD``;
select only (valid is read once, by articles_seesaw.py, with the bar chosen here).

    .venv/bin/python benchmarks/focus_thresholds.py --model RUN/model --name NAME [--bars 0.15,0.2,0.25,0.3,0.35]

Writes benchmarks/results/articles_focus/NAME-select.json: per bar, the triples, stage recalls and candidate pairs.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from run_record import ROOT, SHARED, write_result

OUT = ROOT / "benchmarks" / "results" / "articles_focus"


def main() -> int:
    from actorstance.articles.evaluate import evaluate_articles
    from actorstance.articles.focus import FocusSelector
    from actorstance.articles.gold import read_seesaw
    from actorstance.articles.pipeline import ArticlePipeline
    from actorstance.models import load_for_prediction

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model directory with its name selector (focus.json)")
    ap.add_argument("--name", required=True)
    ap.add_argument("--bars", default="0.15,0.2,0.25,0.3,0.35", help="probabilities from which names are kept")
    ap.add_argument("--int8-recheck", type=float, default=0.0, help="as evaluate-articles --int8-recheck (int8 copy)")
    args = ap.parse_args()
    model = load_for_prediction(Path(args.model), False, True, args.int8_recheck, flag=lambda n: "--" + n)
    selector = FocusSelector.load(args.model)
    golds = list(read_seesaw(SHARED / "seesaw", "train", "select"))
    points = []
    for bar in (float(b) for b in args.bars.split(",")):
        report = evaluate_articles(golds, ArticlePipeline.build(model, focus=dataclasses.replace(selector, threshold=bar)))
        points.append({"bar": bar, "triples": report["triples"], "stages": report["stages"],
                       "candidate_pairs": report["candidate_pairs"]})
        print(f"bar {bar:g}: triple F1 {report['triples']['f1']:.3f} (P {report['triples']['precision']:.3f}, "
              f"R {report['triples']['recall']:.3f}), {report['candidate_pairs']} candidate pairs", flush=True)
    write_result(OUT / f"{args.name}-select.json", {"name": args.name, "model": args.model,
                                                     "gold": "SEESAW train (select)", "int8_recheck": args.int8_recheck,
                                                     "points": points})
    return 0


if __name__ == "__main__":
    sys.exit(main())
