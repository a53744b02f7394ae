"""Where an article scorer's misses lie on SEESAW, counted from the rows `actorstance evaluate-articles --rows` wrote.

    actorstance evaluate-articles ../shared/data/seesaw --model DIR --int8 --split train --part select --rows ROWS.jsonl
    .venv/bin/python benchmarks/articles_errors.py --rows ROWS.jsonl --split train --part select --name NAME

A diagnostic of the gold, the candidates and the scorer, not a yardstick (the yardstick is the triple F1 of
`evaluate-articles`). For each gold stance it asks the same question as the report's stages, and then why:

- ``found_pairs``: of the gold stances whose (holder, target) pair is a candidate, how many the scorer labels right,
  with the other polarity, or neutral, split by the probability it gives the gold's label (confidently neutral, or
  a close call);
- ``target_misses``: of the gold stances whose target is no candidate target of their sentence, where the article
  names it: in one of the two sentences before, in the next one, elsewhere, or nowhere (as the candidates name it);
- ``summary_rules``: the per-article summary's P / R / F1 as the pipeline decides it (each pair's more frequent
  stance among its rows), and as the sum or the maximum of each pair's stance probabilities over its sentences
  would decide it at several bars: whether pooling a pair's evidence across sentences helps the summary.

Writes benchmarks/results/articles_errors/NAME.json and rebuilds README.md beside it. The names are matched with the
evaluation's own lenient rule (`actorstance.articles.gold.names_match`). SEESAW is not in this repository: set
ACTORSTANCE_SHARED_DATA or --data.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actorstance.articles.evaluate import POLAR, _prf, summary_agreement  # noqa: E402  (the report's own rules)
from actorstance.articles.gold import gold_sentence_ids, names_match, read_seesaw  # noqa: E402
from actorstance.articles.summary import dominant  # noqa: E402
OUT = ROOT / "benchmarks" / "results" / "articles_errors"
SUM_BARS = (0.3, 0.5, 0.8, 1.0)
MAX_BARS = (0.4, 0.5, 0.6, 0.8)


def found_pairs(gold, rows_of_sentence: dict[int, list[dict]], counts: Counter) -> None:
    for t in gold.triples:
        found = [r for r in rows_of_sentence.get(t.sentence, [])
                 if names_match(r["actor"], t.actor) and names_match(r["target"], t.target)]
        if not found:
            continue
        labels = {r["label"] for r in found}
        p = max(r[f"p_{t.label}"] for r in found)
        counts["right" if t.label in labels else "other polarity" if labels & set(POLAR)
               else "neutral, gold label's probability < 0.1" if p < 0.1
               else "neutral, gold label's probability 0.1-0.3" if p < 0.3
               else "neutral, gold label's probability >= 0.3"] += 1


def target_misses(gold, rows_of_sentence: dict[int, list[dict]], counts: Counter) -> None:
    names: defaultdict[int, set[str]] = defaultdict(set)  # the candidate names of each gold sentence
    for k, rows in rows_of_sentence.items():
        names[k] = {n for r in rows for n in (r["actor"], r["target"])}
    everywhere = set().union(*names.values()) if names else set()

    def named(where: set[str], target: str) -> bool:
        return any(names_match(n, target) for n in where)

    for t in gold.triples:
        if named(names[t.sentence], t.target):
            continue
        counts["in one of the two sentences before" if named(names[t.sentence - 1] | names[t.sentence - 2], t.target)
               else "in the next sentence" if named(names[t.sentence + 1], t.target)
               else "elsewhere in the article" if named(everywhere, t.target)
               else "not among the article's candidates"] += 1


def _pooled(rows: list[dict], how: str, bar: float) -> dict:
    """(actor, target) -> stance when the sum (or maximum) over its sentences of a stance's probability reaches
    ``bar``; each sentence counts once, by its least neutral row."""
    per_sentence: dict[tuple, dict] = {}
    for r in rows:
        key = (r["actor"], r["target"], r["sentence_index"])
        if key not in per_sentence or r["p_neutral"] < per_sentence[key]["p_neutral"]:
            per_sentence[key] = r
    pooled: defaultdict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (actor, target, _), r in per_sentence.items():
        for i, lab in enumerate(POLAR):
            p = r[f"p_{lab}"]
            pooled[(actor, target)][i] = pooled[(actor, target)][i] + p if how == "sum" else max(pooled[(actor, target)][i], p)
    return {k: POLAR[int(v[1] > v[0])] for k, v in pooled.items() if max(v) >= bar}


def _counted(rows: list[dict]) -> dict:
    labels: defaultdict[tuple, Counter] = defaultdict(Counter)
    for r in rows:
        labels[(r["actor"], r["target"])][r["label"]] += 1
    return {k: d for k, c in labels.items() if (d := dominant(c)) in POLAR}


def training_fit(model_dir: str, overrides: list[str]) -> dict:
    """How well a scorer fits its own training data: per source, the share of the stance pairs whose label it gives
    (at any of the pair's readings) and of the neutral examples it finds a stance in. A scorer that cannot fit the
    stances it was taught is limited by what its inputs and labels hold, not by its number of epochs."""
    import numpy as np
    from hydra import compose, initialize_config_dir

    from actorstance import LABELS
    from actorstance.models import load_model
    from actorstance.splits import load_splits

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    train = load_splits(cfg.data, seed=cfg.seed, base_dir=ROOT)["train"]
    records = train.to_list() if hasattr(train, "to_list") else list(train)
    proba = np.asarray(load_model(model_dir).predict_proba(records))
    predicted = [LABELS[i] for i in proba.argmax(1)]
    pairs: defaultdict[tuple, list[bool]] = defaultdict(list)
    neutral: defaultdict[str, list[bool]] = defaultdict(list)
    for r, pred in zip(records, predicted):
        source = str(r.get("source") or "").split(":")[0]
        if r["label"] == "neutral":
            neutral[source].append(pred != "neutral")
        else:
            pairs[(source, r.get("bag") or r["id"])].append(pred == r["label"])
    out = {}
    for source in sorted({s for s, _ in pairs} | set(neutral)):
        fit = [any(v) for (s, _), v in pairs.items() if s == source]
        out[source] = {"stance_pairs": len(fit), "stance_pairs_fit": round(sum(fit) / len(fit), 4) if fit else None,
                       "neutral_examples": len(neutral[source]),
                       "neutral_read_as_stance": round(sum(neutral[source]) / len(neutral[source]), 4)
                       if neutral[source] else None}
    return out


def diagnose(golds, rows_of: dict[str, list[dict]]) -> dict:
    found, misses = Counter(), Counter()
    rules = {"rows' more frequent stance (the pipeline's)": _counted,
             **{f"sum of a stance's probability >= {b}": (lambda rs, b=b: _pooled(rs, "sum", b)) for b in SUM_BARS},
             **{f"maximum of a stance's probability >= {b}": (lambda rs, b=b: _pooled(rs, "max", b)) for b in MAX_BARS}}
    summary = {name: Counter() for name in rules}
    gold_triples = 0
    for g in golds:
        rows = rows_of.get(g.id, [])
        gold_triples += len(g.triples)
        rows_of_sentence: defaultdict[int, list[dict]] = defaultdict(list)
        for r in rows:
            for k in gold_sentence_ids(tuple(r["sentence_span"]), g.sentences):
                rows_of_sentence[k].append(r)
        found_pairs(g, rows_of_sentence, found)
        target_misses(g, rows_of_sentence, misses)
        for name, rule in rules.items():
            predicted = rule(rows)
            gold_n, tp = summary_agreement(g, predicted)
            summary[name].update(gold=gold_n, predicted=len(predicted), tp=tp)
    return {"gold_triples": gold_triples, "found_pairs": dict(found), "target_misses": dict(misses),
            "summary_rules": {name: _prf(c["tp"], c["predicted"], c["gold"]) for name, c in summary.items()}}


def render(folder: Path) -> str:
    lines = ["# Where the article scorers' misses lie (SEESAW)", "",
             "Generated by `benchmarks/articles_errors.py` from the JSON reports beside it (each holds its commands). "
             "A diagnostic: shares of gold stances, not scores.", ""]
    for path in sorted(folder.glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        lines += [f"## {r['name']}", "", f"`{r['command']}` ({r['when'][:10]})", "",
                  f"{r['gold_triples']} gold stances.", "", "| gold stances whose pair is a candidate | n | share |",
                  "|---|---|---|"]
        total = sum(r["found_pairs"].values()) or 1
        lines += [f"| {k} | {v} | {v / total:.2f} |" for k, v in sorted(r["found_pairs"].items(), key=lambda kv: -kv[1])]
        total = sum(r["target_misses"].values()) or 1
        lines += ["", "| gold stances whose target is no candidate target of the sentence: the article names it | n | share |",
                  "|---|---|---|"]
        lines += [f"| {k} | {v} | {v / total:.2f} |" for k, v in sorted(r["target_misses"].items(), key=lambda kv: -kv[1])]
        lines += ["", "| summary: a pair's stance from | P | R | F1 | pairs |", "|---|---|---|---|---|"]
        lines += [f"| {k} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['predicted']} |"
                  for k, s in r["summary_rules"].items()]
        if "training_fit" in r:
            fit = r["training_fit"]
            lines += ["", f"How `{fit['model']}` fits its own training data (`{' '.join(fit['overrides'])}`):", "",
                      "| source | stance pairs | given their label | neutral examples | read as a stance |",
                      "|---|---|---|---|---|"]
            lines += [f"| {src} | {v['stance_pairs']} | {v['stance_pairs_fit']} | {v['neutral_examples']} | "
                      f"{v['neutral_read_as_stance']} |" for src, v in fit["by_source"].items()]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", required=True, help="evaluate-articles --rows output (JSONL)")
    ap.add_argument("--split", default="valid", choices=("train", "valid"))
    ap.add_argument("--part", default="all", choices=("all", "fit", "select"))
    ap.add_argument("--name", required=True)
    ap.add_argument("--rows-command", required=True, help="the evaluate-articles command that wrote --rows")
    ap.add_argument("--fit-model", help="also: how this model fits its training data (as composed by --override)")
    ap.add_argument("--override", action="append", default=[], help="train.py overrides that give that data, "
                    "e.g. experiment=articles (repeatable)")
    ap.add_argument("--data", help="SEESAW folder (default: $ACTORSTANCE_SHARED_DATA/seesaw or ../shared/data/seesaw)")
    args = ap.parse_args(argv)
    from actorstance.output import write_text

    data = Path(args.data or Path(os.environ.get("ACTORSTANCE_SHARED_DATA") or ROOT.parent / "shared" / "data") / "seesaw")
    rows_of: defaultdict[str, list[dict]] = defaultdict(list)
    with open(args.rows, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows_of[r["article_id"]].append(r)
    report = diagnose(read_seesaw(data, args.split, args.part), rows_of)
    if args.fit_model:
        report["training_fit"] = {"model": args.fit_model, "overrides": args.override,
                                  "by_source": training_fit(args.fit_model, args.override)}
    report.update(name=args.name, split=args.split, part=args.part, rows_command=args.rows_command,
                  command="python benchmarks/articles_errors.py " + shlex.join(argv if argv is not None else sys.argv[1:]),
                  when=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_text(json.dumps(report, indent=2) + "\n", OUT / f"{args.name}.json")
    write_text(render(OUT), OUT / "README.md")
    print(json.dumps({k: report[k] for k in ("found_pairs", "target_misses")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
