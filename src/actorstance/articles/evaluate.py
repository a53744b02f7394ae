"""End-to-end scoring of the article pipeline against gold triples, stage by stage.

A predicted triple is a row labeled supportive or critical; it is right when a gold triple of
a gold sentence that overlaps the row's sentence has the same label and both names match
(:func:`.gold.names_match`). Matching is one to one: each gold triple is claimed once, rows
taken in order of probability. The stage figures say where a miss comes from:

- actor / target recall: the gold holder / target is among the sentence's mentions (named,
  nominal, resolved references, the quote's speaker; targets also topics and the article's
  main subjects, candidate targets of every sentence);
- candidate-pair recall: the directed pair is among the candidates put before the scorer;
- label accuracy on found pairs: of those, how many the scorer labels as the gold does;
- summary: per article, each (actor, target)'s dominant stance (the more frequent of
  supportive and critical) against the gold's, as precision / recall / F1 of polar pairs.

Two more say whether a threshold is the problem: the triple figures at other operating points
(each row's neutral probability scaled by 0.7, 0.5, 0.3, then decided as the pipeline does:
lower scales trade precision for recall), and the share of predicted triples in sentences
that hold no gold stance at all (a prediction there cannot be right, however defensible).
The other way, ``confidence_points`` give the triple figures when only stances at least as
probable as 0.5 ... 0.9 are kept (``--min-probability``): how far precision rises as rows are
dropped, so a user who wants fewer, surer rows can pick the bar.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Iterable

from .. import LABELS
from .gold import GoldArticle, gold_sentence_ids, names_match
from .pipeline import PER_SENTENCE, Analysed, ArticlePipeline, decide
from .summary import dominant

POLAR = ("supportive", "critical")
#: Scales of the neutral probability at which the triples are scored again (1.0 is the pipeline's own decision).
NEUTRAL_SCALES = (0.7, 0.5, 0.3)
#: Bars of ``--min-probability`` at which the triples are scored again.
MIN_PROBABILITIES = (0.5, 0.6, 0.7, 0.8, 0.9)


def _prf(tp: int, predicted: int, gold: int) -> dict:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"tp": tp, "predicted": predicted, "gold": gold, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


class Tally:
    """Counts over articles; :meth:`result` turns them into the report."""

    def __init__(self, per_sentence: int = PER_SENTENCE, min_probability: float = 0.0):
        self.c: Counter[str] = Counter()
        self.per_sentence, self.min_probability = per_sentence, min_probability

    def add(self, gold: GoldArticle, analysed: Analysed, rows: list[dict]) -> None:
        c = self.c
        c["articles"] += 1
        c["sentences"] += len(gold.sentences)
        c["gold"] += len(gold.triples)
        c["skipped_unnamed"] += gold.skipped
        c["pairs"] += len(rows)
        ids_of = {s.index: gold_sentence_ids((s.start, s.end), gold.sentences) for s in analysed.sentences}
        # names present in each gold sentence, and candidate pairs (with their labels) per gold sentence
        actor_names: defaultdict[int, set[str]] = defaultdict(set)
        target_names: defaultdict[int, set[str]] = defaultdict(set)
        for s in analysed.sentences:
            names = {m.canonical for m in analysed.mentions if s.start <= m.start < s.end and m.kind != "topic"}
            topics = {m.canonical for m in analysed.mentions if s.start <= m.start < s.end and m.kind == "topic"}
            if s.speaker is not None:
                names.add(s.speaker.canonical)
            for k in ids_of[s.index]:
                actor_names[k] |= names
                target_names[k] |= names | topics | {m.canonical for m in analysed.salient}
        candidates = defaultdict(list)
        for r in rows:
            for k in ids_of[r["sentence_index"]]:
                candidates[k].append(r)
        for g in gold.triples:
            c["actor_found"] += any(names_match(n, g.actor) for n in actor_names[g.sentence])
            c["target_found"] += any(names_match(n, g.target) for n in target_names[g.sentence])
            found = [r for r in candidates[g.sentence] if names_match(r["actor"], g.actor)
                     and names_match(r["target"], g.target)]
            c["pair_found"] += bool(found)
            c["label_right"] += any(r["label"] == g.label for r in found)
        # triples, one to one
        predicted, hits = _triples(gold, ids_of, rows)
        c["predicted"] += len(predicted)
        for label in hits:
            c["tp"] += 1
            c[f"tp_{label}"] += 1
        for label in POLAR:
            c[f"gold_{label}"] += sum(g.label == label for g in gold.triples)
            c[f"predicted_{label}"] += sum(k[3] == label for k in predicted)
        stance_sentences = {g.sentence for g in gold.triples} | set(gold.unnamed_sentences)
        c["predicted_without_gold"] += sum(not ids_of[k[0]] & stance_sentences for k in predicted)
        for scale in NEUTRAL_SCALES:
            predicted, hits = _triples(gold, ids_of, decide(_rescaled(rows, scale), self.per_sentence,
                                                            self.min_probability))
            c[f"predicted@{scale}"] += len(predicted)
            c[f"tp@{scale}"] += len(hits)
        for bar in MIN_PROBABILITIES:
            kept = [r for r in rows if r["label"] not in POLAR or r["probability"] >= bar]
            predicted, hits = _triples(gold, ids_of, kept)
            c[f"predicted>={bar}"] += len(predicted)
            c[f"tp>={bar}"] += len(hits)
        # the summary: dominant stance per (actor, target) in the article
        pred_pairs = defaultdict(list)
        for r in rows:
            pred_pairs[(r["actor"], r["target"])].append(r["label"])
        pred_dom = {k: d for k, v in pred_pairs.items() if (d := dominant(Counter(v))) in POLAR}
        gold_n, tp = summary_agreement(gold, pred_dom)
        c["summary_gold"] += gold_n
        c["summary_predicted"] += len(pred_dom)
        c["summary_tp"] += tp

    def result(self) -> dict:
        c = self.c
        gold = c["gold"] or 1
        return {
            "articles": c["articles"], "sentences": c["sentences"], "gold_triples": c["gold"],
            "skipped_unnamed_gold": c["skipped_unnamed"], "candidate_pairs": c["pairs"],
            "triples": _prf(c["tp"], c["predicted"], c["gold"]),
            "by_label": {lab: _prf(c[f"tp_{lab}"], c[f"predicted_{lab}"], c[f"gold_{lab}"]) for lab in POLAR},
            "stages": {
                "actor_recall": round(c["actor_found"] / gold, 4),
                "target_recall": round(c["target_found"] / gold, 4),
                "pair_recall": round(c["pair_found"] / gold, 4),
                "label_accuracy_on_found": round(c["label_right"] / c["pair_found"], 4) if c["pair_found"] else 0.0,
            },
            "summary": _prf(c["summary_tp"], c["summary_predicted"], c["summary_gold"]),
            "predicted_in_sentences_without_gold": round(c["predicted_without_gold"] / c["predicted"], 4)
            if c["predicted"] else 0.0,
            "operating_points": [{"neutral_scale": 1.0, **_prf(c["tp"], c["predicted"], c["gold"])}] + [
                {"neutral_scale": s, **_prf(c[f"tp@{s}"], c[f"predicted@{s}"], c["gold"])} for s in NEUTRAL_SCALES],
            "confidence_points": [{"min_probability": b, **_prf(c[f"tp>={b}"], c[f"predicted>={b}"], c["gold"])}
                                  for b in MIN_PROBABILITIES if b > self.min_probability],
        }


def summary_agreement(gold: GoldArticle, predicted: dict[tuple[str, str], str]) -> tuple[int, int]:
    """(gold pairs with a dominant stance, how many of them ``predicted`` agrees with): each gold (holder, target)'s
    dominant stance against the predicted ``(actor, target) -> stance``, names matched leniently, one to one."""
    gold_pairs = defaultdict(list)
    for g in gold.triples:
        gold_pairs[(g.actor, g.target)].append(g.label)
    open_gold = [(k, d) for k, v in gold_pairs.items() if (d := dominant(Counter(v))) in POLAR]
    gold_n, tp = len(open_gold), 0
    for (a, t), d in predicted.items():
        agreed = next(((k, gd) for k, gd in open_gold if gd == d and names_match(a, k[0]) and names_match(t, k[1])), None)
        if agreed is not None:
            open_gold.remove(agreed)
            tp += 1
    return gold_n, tp


def _triples(gold: GoldArticle, ids_of: dict[int, set[int]], rows: list[dict]) -> tuple[dict, list[str]]:
    """The rows' distinct supportive/critical triples, and the labels of those a gold triple claims
    (one to one, the most probable first)."""
    predicted: dict[tuple[int, str, str, str], float] = {}
    for r in rows:
        if r["label"] in POLAR:
            key = (r["sentence_index"], r["actor"], r["target"], r["label"])
            predicted[key] = max(predicted.get(key, 0.0), r["probability"])
    unclaimed, hits = list(gold.triples), []
    for (si, actor, target, label), _ in sorted(predicted.items(), key=lambda kv: -kv[1]):
        hit = next((g for g in unclaimed if g.sentence in ids_of[si] and g.label == label
                    and names_match(actor, g.actor) and names_match(target, g.target)), None)
        if hit is not None:
            unclaimed.remove(hit)
            hits.append(label)
    return predicted, hits


def _rescaled(rows: list[dict], scale: float) -> list[dict]:
    """Copies of the rows labeled again with the neutral probability times ``scale``."""
    out = []
    for r in rows:
        probs = {lab: r[f"p_{lab}"] * (scale if lab == "neutral" else 1.0) for lab in LABELS}
        label = max(probs, key=probs.__getitem__)
        out.append({**r, "label": label, "probability": r[f"p_{label}"], "overruled": None})
    return out


def evaluate_articles(gold_articles: Iterable[GoldArticle], pipeline: ArticlePipeline, keep_rows=None) -> dict:
    """Run the pipeline on the gold articles' raw text and score it (see the module doc);
    ``keep_rows``, a callable, gets each chunk's rows (to write them out)."""
    by_id: dict[str, GoldArticle] = {}

    def texts():
        for g in gold_articles:
            by_id[g.id] = g
            yield g.article(listed=pipeline.listed_only)

    tally = Tally(pipeline.per_sentence, pipeline.min_probability)
    started, outside = time.perf_counter(), 0.0  # outside: this loop's own work, not the pipeline's
    for chunk, rows in pipeline.run_analysed(texts()):
        t0 = time.perf_counter()
        if keep_rows is not None:
            keep_rows(rows)
        rows_of = defaultdict(list)
        for r in rows:
            rows_of[r["article_id"]].append(r)
        for a in chunk:
            tally.add(by_id.pop(a.article.id), a, rows_of[a.article.id])
        outside += time.perf_counter() - t0
    seconds = time.perf_counter() - started - outside  # the stages overlap: wall time, not their sum
    report = tally.result()
    tm = pipeline.timings
    report["timings"] = {**tm.as_dict(), "wall": round(seconds, 3),
                         "sentences_per_s": round(tm.sentences / seconds, 1) if seconds else None}
    return report


def format_report(report: dict, title: str = "") -> str:
    """The report as a short readable table."""
    from ..output import render_table

    t, st, sm = report["triples"], report["stages"], report["summary"]
    lines = [title] if title else []
    lines.append(f"{report['articles']} articles, {report['sentences']} sentences, {report['gold_triples']} gold "
                 f"stance triples ({report['skipped_unnamed_gold']} more with an unnamed holder/target, not scored), "
                 f"{report['candidate_pairs']} candidate pairs")
    rows = [{"scope": "triples", **{k: t[k] for k in ("precision", "recall", "f1", "tp", "predicted", "gold")}}]
    rows += [{"scope": f"  {lab}", **{k: v[k] for k in ("precision", "recall", "f1", "tp", "predicted", "gold")}}
             for lab, v in report["by_label"].items()]
    rows.append({"scope": "summary pairs", **{k: sm[k] for k in ("precision", "recall", "f1", "tp", "predicted",
                                                                   "gold")}})
    lines.append(render_table(rows).rstrip("\n"))
    lines.append("stages: " + ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in st.items()))
    if "operating_points" in report:
        lines.append(f"predicted triples in sentences with no gold stance: {report['predicted_in_sentences_without_gold']:.3f}; "
                     "neutral probability x " + ", ".join(f"{o['neutral_scale']}: F1 {o['f1']:.3f} (P {o['precision']:.3f}, "
                                                          f"R {o['recall']:.3f})" for o in report["operating_points"]))
    if report.get("confidence_points"):
        lines.append("stances kept only from probability " + ", ".join(
            f"{o['min_probability']}: P {o['precision']:.3f}, R {o['recall']:.3f} ({o['predicted']} triples)"
            for o in report["confidence_points"]))
    tm = report.get("timings", {})
    if tm.get("sentences_per_s"):
        lines.append(f"speed: {tm['sentences_per_s']} sentences/s end to end after loading ({tm.get('wall', 0):.1f} s: "
                     f"recogniser and parser {tm['ner']:.1f} s, candidates {tm['pairs']:.1f} s, scorer "
                     f"{tm['model']:.1f} s, partly beside them)")
    return "\n".join(lines) + "\n"
