"""The bundled data set (data/stance, data/articles) keeps the promises its datasheet makes.

Fast checks over the shipped files: they validate, the splits are group-disjoint and share no
near-duplicate sentence, the labels are balanced, every span points at its mention, and the
coverage counts (examples, actors, topics, hard cases) hold. See data/README.md.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from conftest import ROOT, load_script

from actorstance import LABELS
from actorstance.data import read_records

STANCE = ROOT / "data" / "stance"
ARTICLES = ROOT / "data" / "articles"


def _load_describe():
    """data/describe.py prints the datasheet's numbers; the tests count with the same helpers."""
    return load_script("data/describe.py")


describe = _load_describe()
SPLITS, HARD_CASES = describe.SPLITS, describe.HARD_CASES
near_duplicates, distinct_actors = describe.near_duplicates, describe.distinct_actors


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {name: read_records(STANCE / f"{name}.jsonl") for name in SPLITS}


@pytest.fixture(scope="module")
def records(splits) -> list[dict]:
    return [r for name in SPLITS for r in splits[name]]


# --------------------------------------------------------------------------- near duplicates


def test_near_duplicate_finder_flags_a_reworded_copy():
    a = ("Foreign Minister Amara Okonkwo of Nigeria said on Tuesday that the ceasefire proposal offered the only credible "
         "path out of the fighting.")
    b = a.replace(" said ", " stated ")  # one word swapped mid-sentence: still the same sentence
    c = "The central bank held rates steady on Thursday, citing stubborn services inflation in the capital."
    assert [h[1:] for h in near_duplicates([a], [b, c])] == [(a, b)]
    assert near_duplicates([a], [c]) == []


# --------------------------------------------------------------------------- splits


def test_every_split_validates_with_full_metadata(splits):
    for name, recs in splits.items():
        assert recs, name
        for r in recs:
            where = f"{name}.jsonl {r['id']}"
            assert r["group"], f"{where}: no group"
            assert r["actor"] and r["target"], f"{where}: empty actor or target"
            assert r["actor_span"] and r["target_span"], f"{where}: missing span"
            assert r.get("topic"), f"{where}: no topic"
            assert r.get("hard_case") in (None, *HARD_CASES), f"{where}: unknown hard_case {r.get('hard_case')!r}"


def test_spans_match_their_mentions(records):
    for r in records:
        for field in ("actor", "target"):
            start, end = r[f"{field}_span"]
            assert r["text"][start:end] == r[field], f"{r['id']}: {field}_span"
            # a span never starts or ends inside a word ("Ono" inside "Monotony")
            assert not (start > 0 and r["text"][start - 1].isalnum() and r["text"][start].isalnum()), r["id"]
            assert not (end < len(r["text"]) and r["text"][end].isalnum() and r["text"][end - 1].isalnum()), r["id"]


def test_ids_and_examples_are_unique_across_splits(records):
    ids = Counter(r["id"] for r in records)
    assert [i for i, n in ids.items() if n > 1] == []
    keys = Counter((r["text"], r["actor"], r["target"]) for r in records)
    assert [k for k, n in keys.items() if n > 1] == []


def test_splits_share_no_group(splits):
    groups = {name: {r["group"] for r in recs} for name, recs in splits.items()}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert groups[a].isdisjoint(groups[b]), f"{a}/{b} share groups {sorted(groups[a] & groups[b])[:5]}"


def test_splits_share_no_near_duplicate_text(splits):
    texts = {name: sorted({r["text"] for r in recs}) for name, recs in splits.items()}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        hits = near_duplicates(texts[a], texts[b])
        assert hits == [], f"{a}/{b}: {hits[:3]}"


def test_label_shares_are_balanced(records, splits):
    for name, recs in [("all", records), *splits.items()]:
        counts = Counter(r["label"] for r in recs)
        for label in LABELS:
            share = counts[label] / len(recs)
            assert 0.25 <= share <= 0.45, f"{name}: {label} holds {share:.1%}"


# --------------------------------------------------------------------------- coverage


def test_coverage_counts(records):
    assert len(records) >= 1500
    assert len(distinct_actors(records)) >= 150
    assert len({r["topic"] for r in records}) >= 25
    tags = Counter(r["hard_case"] for r in records)
    for tag in HARD_CASES:
        assert tags[tag] >= 40, f"hard case {tag}: only {tags[tag]} examples"


def test_distinct_actor_count_merges_short_references():
    recs = [{"group": "g", "actor": "Amara Okonkwo"}, {"group": "g", "actor": "Okonkwo"},
            {"group": "h", "actor": "Okonkwo"}, {"group": "g", "actor": "The IMF"}, {"group": "h", "actor": "the IMF"}]
    assert distinct_actors(recs) == {"amara okonkwo", "okonkwo", "imf"}


# --------------------------------------------------------------------------- articles


def test_articles_and_gold_files():
    actors = json.loads((ARTICLES / "actors.json").read_text(encoding="utf-8"))
    texts = sorted(ARTICLES.glob("*.txt"))
    assert len(texts) >= 5
    for path in texts:
        words = len(path.read_text(encoding="utf-8").split())
        assert 300 <= words <= 900, f"{path.name}: {words} words"
        article = path.read_text(encoding="utf-8")
        gold_path = path.with_name(path.stem + ".gold.jsonl")
        gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert gold, gold_path.name
        for i, g in enumerate(gold, start=1):
            where = f"{gold_path.name}:{i}"
            assert g["label"] in LABELS, where
            assert g["evidence"] in article, f"{where}: evidence sentence not in the article"
            assert g["actor"] in actors and g["target"] in actors, f"{where}: actor/target not in actors.json"
            assert g["actor"] != g["target"], where


# --------------------------------------------------------------------------- datasheet


def test_datasheet_numbers_are_the_data_s_own(splits):
    """data/README.md quotes data/describe.py's output verbatim between two markers."""
    assert tuple(describe.LABELS) == tuple(LABELS)
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- begin: python data/describe.py -->\n", "\n<!-- end: python data/describe.py -->"
    assert begin in readme and end in readme, "data/README.md lacks the describe.py markers"
    quoted = readme.split(begin, 1)[1].split(end, 1)[0].strip()
    assert quoted == describe.describe(splits).strip(), (
        "data/README.md is out of date with the data: paste the output of `python data/describe.py` between the markers")
