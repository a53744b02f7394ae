"""Print the numbers of the datasheet (data/README.md) from the bundled data itself.

    python data/describe.py            # markdown tables, pasted into data/README.md

The helpers here (shingles, near_duplicates, distinct_actors) are also what
tests/test_bundled_data.py checks the data with, so the datasheet and the tests count alike.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = ("train", "dev", "test")
LABELS = ("supportive", "critical", "neutral")
HARD_CASES = ("negation_hedging", "opposing_actors", "actor_as_object", "sarcasm", "reported_speech",
              "neutral_charged", "stance_by_action", "pair_direction")
# Two sentences are near duplicates when the Jaccard similarity of their word 3-gram shingles
# exceeds 0.5: one word swapped mid-sentence still scores ~0.7 (with 5-grams it would fall to
# ~0.5, under the usual 0.6 cut), while unrelated wire sentences stay far below.
SHINGLE = 3
NEAR_DUPLICATE = 0.5


def shingles(text: str, n: int = SHINGLE) -> frozenset:
    words = re.findall(r"\w+", text.lower())
    return frozenset(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)))


def similar_pairs(left: list[str], right: list[str], threshold: float = NEAR_DUPLICATE,
                  n: int = SHINGLE) -> list[tuple[float, str, str]]:
    """``(jaccard, left_text, right_text)`` for every cross pair above ``threshold``, best first.

    An inverted index over shingles keeps this to the pairs that share at least one shingle.
    """
    right_sh = [shingles(t, n) for t in right]
    index: dict[tuple, list[int]] = defaultdict(list)
    for j, sh in enumerate(right_sh):
        for s in sh:
            index[s].append(j)
    hits = []
    for text in left:
        sh = shingles(text, n)
        for j in {j for s in sh for j in index.get(s, ())}:
            jac = len(sh & right_sh[j]) / len(sh | right_sh[j])
            if jac > threshold:
                hits.append((round(jac, 3), text, right[j]))
    return sorted(hits, reverse=True)


def near_duplicates(left: list[str], right: list[str]) -> list[tuple[float, str, str]]:
    return similar_pairs(left, right, NEAR_DUPLICATE, SHINGLE)


def distinct_actors(records: list[dict]) -> set[str]:
    """Actors counted conservatively: within a story, a short reference ("Okonkwo") is the
    same actor as the full name it ends ("Amara Okonkwo"), and case or a leading "the"
    does not make a new actor."""
    def norm(s: str) -> str:
        return re.sub(r"^the\s+", "", s.strip().lower())

    by_group: dict[str, set[str]] = defaultdict(set)
    for r in records:
        by_group[r["group"]].add(norm(r["actor"]))
    out = set()
    for names in by_group.values():
        for name in names:
            if not any(other != name and other.endswith(" " + name) for other in names):
                out.add(name)
    return out


def load_splits() -> dict[str, list[dict]]:
    sys.path.insert(0, str(HERE.parent / "src"))
    from actorstance.data import read_records

    return {name: read_records(HERE / "stance" / f"{name}.jsonl") for name in SPLITS}


def _pct(k: int, n: int) -> str:
    return f"{k} ({100 * k / n:.1f}%)"


def describe(splits: dict[str, list[dict]]) -> str:
    records = [r for name in SPLITS for r in splits[name]]
    parts = ["## Splits and labels", "",
             "| split | examples | groups | supportive | critical | neutral |", "|---|---:|---:|---:|---:|---:|"]
    for name, recs in [*splits.items(), ("all", records)]:
        c = Counter(r["label"] for r in recs)
        parts.append(f"| {name} | {len(recs)} | {len({r['group'] for r in recs})} | "
                     + " | ".join(_pct(c[lab], len(recs)) for lab in LABELS) + " |")

    parts += ["", "## Hard cases", "",
              "| hard case | train | dev | test | all | supportive / critical / neutral |", "|---|---:|---:|---:|---:|---|"]
    for tag in (*HARD_CASES, None):
        per = [sum(1 for r in splits[s] if r.get("hard_case") == tag) for s in SPLITS]
        c = Counter(r["label"] for r in records if r.get("hard_case") == tag)
        parts.append(f"| {tag or '(none)'} | " + " | ".join(map(str, per)) + f" | {sum(per)} | "
                     + " / ".join(str(c[lab]) for lab in LABELS) + " |")

    topics = Counter(r["topic"] for r in records)
    parts += ["", f"## Topics ({len(topics)})", "", "| topic | examples | train / dev / test |", "|---|---:|---|"]
    for topic, n in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0])):
        per = [sum(1 for r in splits[s] if r["topic"] == topic) for s in SPLITS]
        parts.append(f"| {topic} | {n} | " + " / ".join(map(str, per)) + " |")

    words = [len(r["text"].split()) for r in records]
    texts = Counter(r["text"] for r in records)
    writers = Counter(r["group"].split("-")[0] for r in records)
    groups = Counter(r["group"] for r in records)
    cross = {}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        ta, tb = sorted({r["text"] for r in splits[a]}), sorted({r["text"] for r in splits[b]})
        for n in (3, 5):
            best = similar_pairs(ta, tb, 0.0, n)
            cross[n] = max(cross.get(n, 0.0), best[0][0] if best else 0.0)
    parts += ["", "## Other counts", "",
              f"- distinct actor strings: {len({r['actor'] for r in records})}; distinct actors counted "
              f"conservatively (a surname-only reference merged with the full name in the same story): "
              f"{len(distinct_actors(records))}",
              f"- distinct target strings: {len({r['target'] for r in records})}",
              f"- groups (stories): {len(groups)}; examples per group: median {statistics.median(groups.values()):g}, "
              f"min {min(groups.values())}, max {max(groups.values())}",
              f"- sentences: {len(texts)} distinct; {sum(1 for n in texts.values() if n > 1)} of them carry two or "
              f"more examples (several actor/target pairs in one sentence): "
              + ", ".join(f"{k} pairs: {v}" for k, v in sorted(Counter(n for n in texts.values() if n > 1).items())),
              f"- words per sentence: mean {statistics.mean(words):.1f}, median {statistics.median(words):g}, "
              f"min {min(words)}, max {max(words)}",
              "- examples per writer batch: " + ", ".join(f"{k} {v}" for k, v in sorted(writers.items())),
              f"- most similar sentence pair across splits: word 3-gram Jaccard {cross[3]:.3f}, "
              f"word 5-gram Jaccard {cross[5]:.3f}"]

    actors = json.loads((HERE / "articles" / "actors.json").read_text(encoding="utf-8"))
    parts += ["", "## Articles", "", "| article | words | gold stances | supportive / critical / neutral |",
              "|---|---:|---:|---|"]
    for path in sorted((HERE / "articles").glob("*.txt")):
        gold_path = path.with_name(path.stem + ".gold.jsonl")
        gold = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x.strip()]
        c = Counter(g["label"] for g in gold)
        parts.append(f"| {path.name} | {len(path.read_text(encoding='utf-8').split())} | {len(gold)} | "
                     + " / ".join(str(c[lab]) for lab in LABELS) + " |")
    parts.append(f"\nactors.json: {len(actors)} canonical names with "
                 f"{sum(len(v) for v in actors.values())} aliases")
    return "\n".join(parts)


if __name__ == "__main__":
    print(describe(load_splits()))
