"""Which pairs ``--focus`` keeps: rules over the name selector's probabilities of a pair's two names, compared on
SEESAW's select stories. Every candidate pair is scored once (no selector), then each rule keeps its pairs and the
sentence's stances are decided again among them (``pipeline.decide``), as the pipeline does when the selector filters
first. The rule in use keeps a pair when both names reach the bar (``focus.THRESHOLD``); the others give the holder
and the target bars of their own, bar topics apart, or bar the product of the two probabilities. Select only.

    .venv/bin/python benchmarks/focus_rules.py --model RUN/model --name NAME

Writes benchmarks/results/articles_focus/NAME-rules-select.json: per rule, the triples, pair recall and pairs kept.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from run_record import ROOT, SHARED, write_result

OUT = ROOT / "benchmarks" / "results" / "articles_focus"
BARS = (0.15, 0.2, 0.25, 0.3, 0.35)


def rules() -> dict:
    """name -> keep(holder's probability, target's probability, target is a topic)."""
    out = {f"both >= {b}": (lambda a, t, topic, b=b: a >= b and t >= b) for b in BARS}
    out |= {f"holder >= {ba}, target >= {bt}": (lambda a, t, topic, ba=ba, bt=bt: a >= ba and t >= bt)
            for ba, bt in itertools.product(BARS, BARS) if ba != bt}
    out |= {f"product >= {b}": (lambda a, t, topic, b=b: a * t >= b) for b in (0.04, 0.06, 0.08, 0.1, 0.12)}
    out |= {f"both >= 0.25, topics >= {b}": (lambda a, t, topic, b=b: a >= 0.25 and t >= (b if topic else 0.25))
            for b in (0.1, 0.15, 0.2, 0.3, 0.4)}
    return out


def main() -> int:
    from actorstance import LABELS
    from actorstance.articles.evaluate import Tally
    from actorstance.articles.focus import FocusSelector
    from actorstance.articles.gold import read_seesaw
    from actorstance.articles.pipeline import ArticlePipeline, decide
    from actorstance.models import load_for_prediction

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model directory with its name selector (focus.json)")
    ap.add_argument("--name", required=True)
    args = ap.parse_args()
    model = load_for_prediction(Path(args.model), False, True, 0.0, flag=lambda n: "--" + n)
    selector = FocusSelector.load(args.model)
    golds = {g.id: g for g in read_seesaw(SHARED / "seesaw", "train", "select")}
    scored = []  # (gold, analysed, rows of every candidate pair, the selector's probabilities, its topics)
    for chunk, rows in ArticlePipeline.build(model).run_analysed(g.article() for g in golds.values()):
        for a in chunk:
            scored.append((golds[a.article.id], a, [r for r in rows if r["article_id"] == a.article.id],
                           selector.probabilities(a.mentions, a.sentences),
                           {m.canonical for m in a.mentions if m.kind == "topic"}))

    def undecided(r: dict) -> dict:  # the row as the scorer gave it, before the sentence's stances were decided
        label = max(LABELS, key=lambda lab: r[f"p_{lab}"])
        return {**r, "label": label, "probability": r[f"p_{label}"], "overruled": None}

    points = []
    for name, keep in rules().items():
        tally = Tally()
        for gold, a, rows, p, topics in scored:
            kept = [undecided(r) for r in rows if keep(p.get(r["actor"], 0.0), p.get(r["target"], 0.0),
                                                       r["target"] in topics)]
            tally.add(gold, a, decide(kept))
        report = tally.result()
        points.append({"rule": name, "triples": report["triples"], "pair_recall": report["stages"]["pair_recall"],
                       "candidate_pairs": report["candidate_pairs"]})
        print(f"{name}: triple F1 {report['triples']['f1']:.3f} (P {report['triples']['precision']:.3f}, "
              f"R {report['triples']['recall']:.3f}), pair recall {report['stages']['pair_recall']:.3f}", flush=True)
    write_result(OUT / f"{args.name}-rules-select.json", {"name": args.name, "model": args.model,
                                                           "gold": "SEESAW train (select)", "points": points})
    return 0


if __name__ == "__main__":
    sys.exit(main())
