"""Per-actor and per-pair summaries of the rows, for each article and the corpus."""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .. import LABELS


def dominant(counts: dict) -> str:
    """The more frequent of supportive and critical ("mixed" on a tie); neutral only where no
    sentence is either. ``counts``: label -> number of rows."""
    s, c = counts.get("supportive", 0), counts.get("critical", 0)
    return "neutral" if s == c == 0 else "mixed" if s == c else ("supportive" if s > c else "critical")


@dataclass
class _Stats:
    n: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    #: probabilities summed in units of 1e-4 (rows carry 4 decimals): exact, so that summaries of
    #: shards merged (:meth:`Summary.merge_part`) equal one pass over the corpus
    sums: list = field(default_factory=lambda: [0] * len(LABELS))
    evidence: dict = field(default_factory=lambda: {lab: [] for lab in LABELS})

    def add(self, row: dict, keep: int) -> None:
        self.n += 1
        self.counts[row["label"]] += 1
        for i, lab in enumerate(LABELS):
            self.sums[i] += round(row[f"p_{lab}"] * 10_000)
        item = (row["probability"], -self.n, {k: row[k] for k in ("article_id", "sentence_index", "sentence")})
        self._keep(row["label"], item, keep)

    def _keep(self, label: str, item: tuple, keep: int) -> None:
        """The ``keep`` most probable items; on a tie the earlier row (larger ``-n``)."""
        heap = self.evidence[label]
        (heapq.heappush if len(heap) < keep else heapq.heappushpop)(heap, item)

    def state(self) -> dict:
        return {"n": self.n, "counts": self.counts, "sums": self.sums,
                "evidence": {lab: [[p, -neg, ev] for p, neg, ev in items] for lab, items in self.evidence.items()}}

    def merge(self, state: dict, keep: int) -> None:
        """Add the stats of rows that came after this one's: their row numbers continue ours, so
        the evidence kept (ties included) is what one pass would have kept."""
        offset, self.n = self.n, self.n + state["n"]
        for lab, k in state["counts"].items():
            self.counts[lab] += k
        self.sums = [a + b for a, b in zip(self.sums, state["sums"])]
        for lab, items in state["evidence"].items():
            for p, n, ev in items:
                self._keep(lab, (p, -(offset + n), ev), keep)

    def dominant(self) -> str:
        return dominant(self.counts)

    def as_dict(self) -> dict:
        dom = self.dominant()
        ev_labels = [dom] if dom in LABELS else ["supportive", "critical"]
        ev = sorted((e for lab in ev_labels for e in self.evidence[lab]), reverse=True)
        return {"n": self.n, "counts": dict(self.counts),
                "mean": {lab: round(v / self.n / 10_000, 4) for lab, v in zip(LABELS, self.sums)},
                "dominant": dom,
                "evidence": [dict(e[2], probability=e[0]) for e in ev]}


class Summary:
    """Per actor and per (actor, target) pair, for each article and for the whole corpus.

    Rows come in whole articles (as the pipeline yields them); each article's own summary is
    written to a temporary file as soon as it is complete, so memory holds the corpus-level
    tallies only, not one summary per article of a long corpus.
    """

    def __init__(self, evidence: int = 3):
        import tempfile

        self.keep = evidence
        self.corpus: dict[str, dict] = {"actors": {}, "pairs": {}}
        self.n_articles = 0
        self.articles_read: int | None = None  # all articles read, those without candidate pairs too (set by the caller)
        self.not_english: list[str] = []  # ids of the articles read that do not read as English (set by write_rows)
        self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(self, rows: Iterable[dict], main_names: dict[str, list[tuple[str, float]]] | None = None) -> None:
        """Rows of one or more complete articles; ``main_names``: article id -> the names ``--focus`` kept pairs
        to, with their probabilities (listed in that article's summary, so a reader sees whom it was read for)."""
        articles: dict[str, dict] = {}
        for r in rows:
            art = articles.setdefault(r["article_id"], {"actors": {}, "pairs": {}})
            for scope in (self.corpus, art):
                scope["actors"].setdefault(r["actor"], _Stats()).add(r, self.keep)
                scope["pairs"].setdefault((r["actor"], r["target"]), _Stats()).add(r, self.keep)
        for aid, art in articles.items():
            names = {} if main_names is None or aid not in main_names else \
                {"main_names": [{"name": n, "probability": round(p, 4)} for n, p in main_names[aid]]}
            self._spill.write(json.dumps({"article_id": aid, **names, **self._scope(art)}, ensure_ascii=False) + "\n")
            self.n_articles += 1

    @staticmethod
    def _scope(scope: dict) -> dict:
        actors = [{"actor": a, **s.as_dict()} for a, s in scope["actors"].items()]
        pairs = [{"actor": a, "target": t, **s.as_dict()} for (a, t), s in scope["pairs"].items()]
        key = lambda d: (-d["n"], d["actor"], d.get("target", ""))  # noqa: E731
        return {"actors": sorted(actors, key=key), "pairs": sorted(pairs, key=key)}

    def write_part(self, out: str | Path) -> None:
        """This summary in a form :meth:`merge_part` continues: the corpus tallies on the first
        line, then each article's summary, one a line (the ray engine's summary of a shard)."""
        from ..atomic import atomic_open

        head = {"n_articles": self.n_articles, "keep": self.keep,
                "actors": [[a, s.state()] for a, s in self.corpus["actors"].items()],
                "pairs": [[a, t, s.state()] for (a, t), s in self.corpus["pairs"].items()]}
        with atomic_open(out) as fh:
            fh.write(json.dumps(head, ensure_ascii=False) + "\n")
            for line in self._article_lines():
                fh.write(line + "\n")

    def merge_part(self, path: str | Path) -> None:
        """Add a part written by :meth:`write_part`, as if its rows came next."""
        with open(path, encoding="utf-8") as fh:
            head = json.loads(fh.readline())
            for actor, state in head["actors"]:
                self.corpus["actors"].setdefault(actor, _Stats()).merge(state, self.keep)
            for actor, target, state in head["pairs"]:
                self.corpus["pairs"].setdefault((actor, target), _Stats()).merge(state, self.keep)
            self._spill.seek(0, 2)
            for line in fh:
                self._spill.write(line)
        self.n_articles += head["n_articles"]

    def _corpus(self) -> dict:
        read: dict = {} if self.articles_read is None else {"articles_read": self.articles_read}
        if self.not_english:
            read["articles_not_english"] = self.not_english
        return {"articles_with_pairs": self.n_articles, **read, **self._scope(self.corpus)}

    def _article_lines(self) -> Iterator[str]:
        self._spill.flush()
        self._spill.seek(0)
        for line in self._spill:
            yield line.rstrip("\n")
        self._spill.seek(0, 2)

    def as_dict(self) -> dict:
        return {"corpus": self._corpus(), "articles": [json.loads(line) for line in self._article_lines()]}

    def write_json(self, out: str | Path) -> None:
        """``{"corpus": ..., "articles": [...]}``, streamed to a temporary file, then renamed."""
        from ..atomic import atomic_open

        with atomic_open(out) as fh:
            fh.write('{"corpus": ' + json.dumps(self._corpus(), ensure_ascii=False, indent=1) + ',\n"articles": [\n')
            for k, line in enumerate(self._article_lines()):
                fh.write((",\n" if k else "") + line)
            fh.write("\n]}\n")

    def tables(self, max_rows: int = 40) -> str:
        """The corpus summary as two readable tables: stance pairs first, then actors."""
        from ..output import render_table

        data = self._scope(self.corpus)

        def rows(items, with_target):
            out = []
            for d in items:
                ev = d["evidence"][0]["sentence"] if d["evidence"] else ""
                out.append({"actor": d["actor"], **({"target": d["target"]} if with_target else {}),
                            "n": d["n"], **{lab[:4]: d["counts"][lab] for lab in LABELS},
                            "dominant": d["dominant"], "evidence": ev})
            return out

        # candidate pairs with no stance are most of them: counted, not listed
        pairs = sorted(data["pairs"], key=lambda d: (d["dominant"] == "neutral", -d["n"]))
        polar = [d for d in pairs if d["dominant"] != "neutral"]
        actors = [d for d in data["actors"] if d["dominant"] != "neutral"]
        read = self.n_articles if self.articles_read is None else self.articles_read
        where = f"{read} article{'s' if read != 1 else ''}" + \
            (f", {self.n_articles} with candidate pairs" if self.n_articles != read else "")
        n_neutral = len(pairs) - len(polar)
        parts = [f"Stance pairs ({len(polar)} with a stance, {n_neutral} candidate pair{'s' if n_neutral != 1 else ''} "
                 f"without; {where}):",
                 render_table(rows(polar[:max_rows], True))]
        if read and not pairs:  # a one-line test ("X praised the plan.") meets this first
            parts.append("No candidate pairs: a sentence needs an actor and a second actor or a topic (a topic named once, "
                         "as \"the plan\", is one only with --target or --targets).")
        if len(polar) > max_rows:
            parts.append(f"... {len(polar) - max_rows} more pairs (see --summary FILE.json)")
        parts += ["", f"Actors with a stance ({len(actors)} of {len(data['actors'])}):",
                  render_table(rows(actors[:max_rows], False))]
        return "\n".join(parts) + "\n"
