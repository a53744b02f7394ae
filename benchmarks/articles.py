"""The article pipeline on the bundled example articles: are the gold stances found, how fast?

Quality: precision and recall of (actor, target, label) triples against
data/articles/*.gold.jsonl (canonical names through data/articles/actors.json), counted
two ways: every sentence's prediction is a triple ("rows"), or each (actor, target) pair's
dominant stance in the article is one ("summary"). "polar" keeps only supportive/critical
triples on both sides; "pair recall" is the share of gold (actor, target) pairs that the
pipeline put before the model at all (its ceiling, whatever the model).

Speed: the 6 articles shuffled and repeated to N (default 200) articles, end to end
(sentence splitting, NER, pairs, model), after the model and spaCy are loaded.

    .venv/bin/python benchmarks/articles.py [--model DIR] [--onnx] [--int8] [--ner auto|spacy|rules] [--n 200]

Writes benchmarks/results/articles[-NAME].md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actorstance import LABELS  # noqa: E402
from actorstance.articles.detectors import make_detector  # noqa: E402
from actorstance.articles.lexicon import load_lexicon  # noqa: E402
from actorstance.articles import Article, ArticlePipeline, Summary, iter_articles  # noqa: E402
from actorstance.models import load_model  # noqa: E402
from actorstance.output import render_table  # noqa: E402

POLAR = ("supportive", "critical")


def gold_triples(folder: Path, lexicon) -> set[tuple]:
    out = set()
    for f in sorted(folder.glob("*.gold.jsonl")):
        article = f.name[: -len(".gold.jsonl")]
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                actor = lexicon.lookup(g["actor"]) or g["actor"]
                target = lexicon.lookup(g["target"]) or g["target"]
                out.add((article, actor, target, g["label"]))
    return out


def prf(pred: set, gold: set) -> dict:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"tp": tp, "predicted": len(pred), "gold": len(gold), "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def evaluate(pipeline: ArticlePipeline, folder: Path, lexicon) -> dict:
    """Triples against the gold files; predicted names are mapped through the actor file
    afterwards too, so that a run without it (--no-actor-file) is scored on the same names."""
    problems: list[str] = []
    articles = list(iter_articles(sorted(folder.glob("*.txt")), problems))
    rows = [r for chunk in pipeline.run(articles) for r in chunk]
    for r in rows:
        r["actor"] = lexicon.lookup(r["actor"]) or r["actor"]
        r["target"] = lexicon.lookup(r["target"]) or r["target"]
    summary = Summary()
    summary.add(rows)
    gold = gold_triples(folder, lexicon)
    by_rows = {(r["article_id"], r["actor"], r["target"], r["label"]) for r in rows}
    by_summary = set()
    for scope in summary.as_dict()["articles"]:
        aid = scope["article_id"]
        for d in scope["pairs"]:
            labels = [d["dominant"]] if d["dominant"] in LABELS else list(POLAR)
            by_summary |= {(aid, d["actor"], d["target"], lab) for lab in labels}
    polar = lambda s: {t for t in s if t[3] in POLAR}  # noqa: E731
    pairs_found = {t[:3] for t in by_rows}
    gold_pairs = {t[:3] for t in gold}
    result = {
        "articles": len(articles), "sentences": pipeline.timings.sentences, "pairs_scored": len(rows),
        "rows_all": prf(by_rows, gold), "rows_polar": prf(polar(by_rows), polar(gold)),
        "summary_all": prf(by_summary, gold), "summary_polar": prf(polar(by_summary), polar(gold)),
        "pair_recall": round(len(pairs_found & gold_pairs) / len(gold_pairs), 3),
        "missed_pairs": sorted(" -> ".join(p[1:]) + f" ({p[0]})" for p in gold_pairs - pairs_found),
        "per_article": {},
    }
    for aid in sorted({t[0] for t in gold}):
        mine = lambda s, aid=aid: {t for t in s if t[0] == aid}  # noqa: E731
        result["per_article"][aid] = {"rows_all": prf(mine(by_rows), mine(gold)),
                                      "summary_polar": prf(polar(mine(by_summary)), polar(mine(gold)))}
    return result


def speed(pipeline: ArticlePipeline, folder: Path, n: int, seed: int = 0) -> dict:
    base = [(f.stem, f.read_text(encoding="utf-8")) for f in sorted(folder.glob("*.txt"))]
    rng = random.Random(seed)
    order = [base[i % len(base)] for i in range(n)]
    rng.shuffle(order)
    articles = [Article(f"{stem}-{i}", text, stem) for i, (stem, text) in enumerate(order)]
    pipeline.timings = type(pipeline.timings)()
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    n_rows = sum(len(chunk) for chunk in pipeline.run(articles))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t = pipeline.timings
    return {"articles": n, "sentences": t.sentences, "pairs": n_rows, "wall_s": round(wall, 2),
            "cpu_s_main_process": round(cpu, 2), "load_avg_1min": [round(load0, 1), round(os.getloadavg()[0], 1)],
            "sentences_per_s": round(t.sentences / wall, 1), "pairs_per_s": round(n_rows / wall, 1),
            "ner_s": round(t.ner, 2), "pairs_s": round(t.pairs, 2), "model_s": round(t.model, 2),
            "ner_share": round(t.ner / wall, 3), "model_share": round(t.model / wall, 3)}


def to_markdown(res: dict) -> str:
    q, s = res["quality"], res["speed"]
    lines = [f"# Article pipeline on the bundled articles ({res['model_family']} model)", "",
             f"Command: `{res['command']}`  ", f"Date: {res['date']}; machine: {res['machine']}; "
             f"model: `{res['model']}`; actor detector: {res['detector']}; actor file used by the pipeline: "
             f"{'yes' if res['actor_file'] else 'no (only to map names when scoring)'}", "",
             f"## (actor, target, label) triples on data/articles ({q['articles']} articles, {q['sentences']} "
             f"sentences, {q['pairs_scored']} pairs scored)", ""]
    table = []
    for key, what in (("rows_all", "every sentence's prediction, all labels"),
                      ("rows_polar", "every sentence's prediction, supportive/critical only"),
                      ("summary_all", "dominant stance per pair and article, all labels"),
                      ("summary_polar", "dominant stance per pair and article, supportive/critical only")):
        d = q[key]
        table.append({"gold": d["gold"], "predicted": d["predicted"], "correct": d["tp"],
                      "precision": d["precision"], "recall": d["recall"], "F1": d["f1"], "triples": what})
    lines += ["```", render_table(table, max_width=200), "```", "",
              f"Pair recall (gold (actor, target) pairs that reach the model at all): **{q['pair_recall']:.3f}**"]
    if q["missed_pairs"]:
        lines.append("Missed pairs: " + "; ".join(q["missed_pairs"]))
    lines += ["", "Per article:", "", "```",
              render_table([{"article": a, "rows P": d["rows_all"]["precision"], "rows R": d["rows_all"]["recall"],
                             "summary polar P": d["summary_polar"]["precision"],
                             "summary polar R": d["summary_polar"]["recall"]} for a, d in q["per_article"].items()],
                           max_width=200), "```", ""]
    if not s:
        return "\n".join(lines)
    lines += [f"## Speed: {s['articles']} bundled-size articles end to end", "",
              f"{s['sentences']} sentences, {s['pairs']} (actor, target) pairs in {s['wall_s']} s: "
              f"**{s['sentences_per_s']} sentences/s** ({s['pairs_per_s']} pairs/s). "
              f"Split: NER {s['ner_s']} s ({s['ner_share']:.0%}), model {s['model_s']} s ({s['model_share']:.0%}), "
              f"sentences/quotes/pairs {s['pairs_s']} s. Loading (not counted): model {res['load_s']['model']} s, "
              f"detector {res['load_s']['detector']} s.", "",
              f"CPU time of the main process {s.get('cpu_s_main_process')} s; 1-minute load average before/after "
              f"{s.get('load_avg_1min')} on {os.cpu_count()} cores (other jobs shared the machine when the load "
              f"is above {os.cpu_count()}). NER worker processes: {res.get('ner_processes', 1)}; "
              f"int8: {res.get('int8', False)}; ONNX fp32: {res.get('onnx', False)}.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="model dir (default: models/LATEST)")
    ap.add_argument("--articles", default=str(ROOT / "data" / "articles"))
    ap.add_argument("--ner", default="auto", choices=["auto", "spacy", "rules"])
    ap.add_argument("--n", type=int, default=200, help="articles for the speed run (0: skip)")
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--ner-processes", type=int, default=1, help="spaCy worker processes")
    ap.add_argument("--int8", action="store_true", help="transformer models: the int8 ONNX path (as predict --int8)")
    ap.add_argument("--onnx", action="store_true", help="transformer models: fp32 with ONNX Runtime (as predict --onnx)")
    ap.add_argument("--no-actor-file", action="store_true",
                    help="run the pipeline without data/articles/actors.json (as on unseen news); the "
                         "file still maps predicted names to the gold names when scoring")
    ap.add_argument("--name", default="", help="suffix of the result files (articles-NAME.md)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model_dir = Path(args.model) if args.model else ROOT / "models" / (ROOT / "models" / "LATEST").read_text().strip()
    folder = Path(args.articles)
    t0 = time.perf_counter()
    model = load_model(model_dir)
    if args.onnx or args.int8:
        model.use_onnx(fp32=args.onnx, int8=args.int8)
    t1 = time.perf_counter()
    detector = make_detector(args.ner, processes=args.ner_processes)
    t2 = time.perf_counter()
    lexicon = load_lexicon(folder / "actors.json")
    pipeline = ArticlePipeline(model, detector, None if args.no_actor_file else lexicon, chunk_articles=args.chunk)
    quality = evaluate(pipeline, folder, lexicon)
    spd = speed(pipeline, folder, args.n) if args.n else None
    meta = json.loads((model_dir / "meta.json").read_text())
    res = {"command": "python benchmarks/articles.py " + " ".join(map(shlex.quote, argv or sys.argv[1:])),
           "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
           "model": str(model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir),
           "model_family": meta.get("family"), "detector": getattr(detector, "model", detector.name),
           "load_s": {"model": round(t1 - t0, 2), "detector": round(t2 - t1, 2)},
           "ner_processes": args.ner_processes, "int8": args.int8, "onnx": args.onnx,
           "actor_file": not args.no_actor_file, "quality": quality, "speed": spd}
    out = ROOT / "benchmarks" / "results" / (f"articles-{args.name}" if args.name else "articles")
    out.parent.mkdir(parents=True, exist_ok=True)
    md = to_markdown(res)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(md)
    print(f"written: {out.with_suffix('.md')} and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
