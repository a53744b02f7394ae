"""Adapters for published stance data: tiny hand-written files in each format, detection,
per-file formats in data configs, and (where ../shared/data exists) the full public files."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from conftest import ROOT, compose, load_script

from actorstance import data as D
from actorstance.errors import ActorstanceError, DataError
from actorstance.splits import load_splits

SHARED = Path(os.environ.get("ACTORSTANCE_SHARED_DATA") or ROOT.parent / "shared" / "data")


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path, **kw) -> list[str]:
    with pytest.raises(DataError) as info:
        D.read_records(path, **kw)
    return info.value.problems


# ------------------------------------------------------------------------------ park2021

PARK = (
    "A [Los Angele]s news anchor said coffee is now sold in [the United State]s.\tLos Angele\tthe United State\t0\n"
    "[Trump] praised [Kasich’]s health plan.\tTrump\tKasich’\t1\n"
    "[Moscow] said [Kyiv] had been attacked, and Kyiv blamed Moscow.\tMoscow\tKyiv\t4\n"
    '"[Merkel] told [Macron] ""no"" on Monday."\tMerkel\tMacron\t3\n'
    "[Omar Othman ] met [Jordan] officials.\tOmar Othman\tJordan\t2\n"
    "[Trump] praised [Kasich’]s health plan.\tTrump\tKasich’\t1\n"  # an exact duplicate line
)


@pytest.fixture
def park_file(tmp_path) -> Path:
    return write(tmp_path / "park.txt", PARK)


def test_park2021_two_directed_examples_per_line(park_file, caplog):
    with caplog.at_level(logging.INFO, logger="actorstance.adapters"):
        recs = D.read_records(park_file, format="park2021")
    assert len(recs) == 10  # 5 distinct lines x (p->q, q->p); the repeated line is read once
    assert "skipped 1 exact duplicate lines" in caplog.text
    by_id = {r["id"]: r for r in recs}
    assert set(by_id) >= {"park2021-1-pq", "park2021-1-qp", "park2021-5-qp"} and "park2021-6-pq" not in by_id
    for r in recs:  # brackets gone, spans point at the mentions, the sentence is the group
        assert "[" not in r["text"] and r["group"] == r["text"] and r["source"] == "park2021:park"
        assert r["text"][slice(*r["actor_span"])] == r["actor"]
        assert r["text"][slice(*r["target_span"])] == r["target"]
    labels = {rid: r["label"] for rid, r in by_id.items()}
    assert labels == {"park2021-1-pq": "neutral", "park2021-1-qp": "neutral",
                      "park2021-2-pq": "supportive", "park2021-2-qp": "neutral",   # 1: p positive toward q
                      "park2021-3-pq": "neutral", "park2021-3-qp": "critical",     # 4: q negative toward p
                      "park2021-4-pq": "critical", "park2021-4-qp": "neutral",     # 3: p negative toward q
                      "park2021-5-pq": "neutral", "park2021-5-qp": "supportive"}   # 2: q positive toward p


def test_park2021_bracket_that_cuts_a_word_short_takes_the_whole_word(park_file):
    recs = {r["id"]: r for r in D.read_records(park_file, format="park2021")}
    first = recs["park2021-1-pq"]
    assert first["text"] == "A Los Angeles news anchor said coffee is now sold in the United States."
    assert (first["actor"], first["target"]) == ("Los Angeles", "the United States")
    assert first["actor_span"] == [2, 13] and first["target_span"] == [53, 70]
    assert recs["park2021-2-pq"]["target"] == "Kasich’s"
    # the other mention of Kyiv/Moscow (unbracketed) is not the span
    third = recs["park2021-3-pq"]
    assert third["actor_span"] == [0, 6] and third["target_span"] == [12, 16]
    # CSV-quoted field with doubled quotes; whitespace inside a bracket is not part of the mention
    assert recs["park2021-4-pq"]["text"] == 'Merkel told Macron "no" on Monday.'
    assert recs["park2021-5-pq"]["actor"] == "Omar Othman" and recs["park2021-5-pq"]["actor_span"] == [0, 11]


def test_park2021_line_scores_rebuild_one_label_per_line():
    from actorstance.metrics import park2021_lines

    def row(line, direction, gold, pred, confidence):
        probs = {f"p_{lab}": (confidence if lab == pred else (1 - confidence) / 2)
                 for lab in ("supportive", "critical", "neutral")}
        return {"id": f"park2021-{line}-{direction}", "gold": gold, "pred": pred, **probs}

    rows = [row(1, "pq", "supportive", "supportive", 0.9), row(1, "qp", "neutral", "critical", 0.6),  # pq wins: 1
            row(2, "pq", "neutral", "critical", 0.5), row(2, "qp", "critical", "critical", 0.8),      # qp wins: 4
            row(3, "pq", "neutral", "neutral", 0.9), row(3, "qp", "neutral", "supportive", 0.7),      # 2, gold 0
            row(4, "pq", "neutral", "neutral", 0.9),                                                   # no partner
            {"id": "newsmtsc-7", "gold": "neutral", "pred": "neutral", "p_neutral": 1.0}]
    lines = park2021_lines(rows)
    assert lines["n_lines"] == 3 and lines["accuracy"] == pytest.approx(2 / 3)
    m = lines["confusion_matrix"]["matrix"]
    assert m[1][1] == 1 and m[4][4] == 1 and m[0][2] == 1
    # classes 0 and 2 each score F1 0 (one missed, one wrong), 1 and 4 score 1
    assert lines["macro_f1"] == pytest.approx(0.5)
    assert park2021_lines(rows[-1:]) is None


def test_park2021_adjacent_mentions_do_not_swallow_each_other(tmp_path):
    path = write(tmp_path / "adjacent.txt", "Visit [Fill][Kettle].com today.\tFill\tKettle\t0\n")
    first = D.read_records(path, format="park2021")[0]
    assert first["text"] == "Visit FillKettle.com today."
    assert (first["actor"], first["target"]) == ("Fill", "Kettle")


def test_park2021_keep_duplicates_option(park_file):
    assert len(D.read_records(park_file, format="park2021", options={"keep_duplicates": True})) == 12


def test_park2021_malformed_lines_name_file_line_and_field(tmp_path):
    bad = write(tmp_path / "bad.txt",
                "[A] met [B].\tA\tB\t0\n"
                "[A] met [B].\tA\tB\t7\n"
                "[A] met [B].\tA\tB\n"
                "[A] met B.\tA\tB\t1\n")
    found = problems(bad, format="park2021")
    assert found == [f"{bad}:2: label: unknown label '7'; expected 0-4 (Park et al. 2021 classes)",
                     f"{bad}:3: expected 4 tab-separated fields (sentence, p, q, label), found 3",
                     f"{bad}:4: q: 'B' is not bracketed in the sentence (bracketed: 'A')"]


# ------------------------------------------------------------------------------ newsmtsc

NEWSMTSC = [
    {"primary_gid": "g1", "sentence_normalized": "Hillary Clinton blamed Facebook for her defeat.",
     "targets": [{"Input.gid": "g1-t1", "from": 0, "to": 15, "mention": "Hillary Clinton", "polarity": 2.0,
                  "further_mentions": [{"from": 36, "to": 39, "mention": "her"}]},
                 {"Input.gid": "g1-t2", "from": 23, "to": 31, "mention": "Facebook", "polarity": 4.0}]},
    {"primary_gid": "g2", "sentence_normalized": "Voters cheered Judge Gorsuch.",
     "targets": [{"Input.gid": "g2-t1", "from": 15, "to": 28, "mention": "Judge Gorsuch", "polarity": 6.0}]},
]


def test_newsmtsc_one_record_per_target_with_exclusive_to(tmp_path):
    path = write(tmp_path / "train.jsonl", "".join(json.dumps(o) + "\n" for o in NEWSMTSC))
    recs = D.read_records(path, format="newsmtsc")
    assert [(r["id"], r["actor"], r["target"], r["label"]) for r in recs] == [
        ("g1-t1", "", "Hillary Clinton", "critical"), ("g1-t2", "", "Facebook", "neutral"),
        ("g2-t1", "", "Judge Gorsuch", "supportive")]
    for r in recs:
        assert r["text"][slice(*r["target_span"])] == r["target"] and r["actor_span"] is None
        assert r["group"] == r["text"] and r["source"] == "newsmtsc:train"
    assert json.loads(recs[0]["further_mention_spans"]) == [[36, 39]]
    assert recs[1]["further_mention_spans"] is None


def test_newsmtsc_malformed(tmp_path):
    lines = [
        json.dumps({"sentence_normalized": "Obama spoke.", "targets": [
            {"from": 0, "to": 5, "mention": "Obama", "polarity": 5.0}]}),
        json.dumps({"sentence_normalized": "Obama spoke.", "targets": [
            {"from": 0, "to": 4, "mention": "Obama", "polarity": 4.0}]}),   # `to` as an inclusive index
        json.dumps({"sentence_normalized": "Obama spoke.", "targets": []}),
        json.dumps({"sentence_normalized": "Obama spoke.", "targets": [{"from": 0, "mention": "Obama", "polarity": 4.0}]}),
        "{not json",
    ]
    bad = write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    found = problems(bad, format="newsmtsc")
    assert found[0] == (f"{bad}:1: targets[0].polarity: unknown polarity 5.0; "
                        "expected 2.0 (negative), 4.0 (neutral) or 6.0 (positive)")
    assert found[1] == f"{bad}:2: target_span: text[0:4] is 'Obam', not the mention 'Obama'"
    assert found[2] == f"{bad}:3: targets: missing or empty (expected a list of targets)"
    assert found[3] == f"{bad}:4: targets[0].to: missing field"
    assert found[4].startswith(f"{bad}:5: invalid JSON")


# --------------------------------------------------------------------------- semeval2016

def test_semeval2016_labels_and_windows_1252_fallback(tmp_path, caplog):
    raw = ("ID\tTarget\tTweet\tStance\r\n"
           "101\tHillary Clinton\tShe\u2019s the one we need #SemST\tFAVOR\r\n"
           "102\tAtheism\tGod is great \"really\tAGAINST\r\n"
           "103\tClimate Change is a Real Concern\tNice weather today\tNONE\r\n").encode("cp1252")
    path = write(tmp_path / "semeval.txt", raw)
    with caplog.at_level(logging.WARNING, logger="actorstance.adapters"):
        recs = D.read_records(path, format="semeval2016")
    assert "read as Windows-1252" in caplog.text
    assert [(r["id"], r["actor"], r["target"], r["label"]) for r in recs] == [
        ("101", "", "Hillary Clinton", "supportive"), ("102", "", "Atheism", "critical"),
        ("103", "", "Climate Change is a Real Concern", "neutral")]
    assert recs[0]["text"] == "She’s the one we need #SemST"
    assert recs[1]["text"] == 'God is great "really'  # an unbalanced quote is just text


def test_semeval2016_malformed_and_unlabeled(tmp_path):
    bad = write(tmp_path / "bad.txt", "ID\tTarget\tTweet\tStance\n1\tAtheism\tx y\tMAYBE\n2\tAtheism\tonly three\n")
    assert problems(bad, format="semeval2016") == [
        f"{bad}:2: Stance: unknown stance 'MAYBE'; expected FAVOR, AGAINST or NONE",
        f"{bad}:3: expected 4 tab-separated columns as in the header, found 3"]
    header = write(tmp_path / "header.txt", "id\ttweet\n1\tx\n")
    assert "header: expected ID Target Tweet Stance" in problems(header, format="semeval2016")[0]
    unlabeled = write(tmp_path / "test.txt", "ID\tTarget\tTweet\tStance\n9\tAtheism\tPraying today\tUNKNOWN\n")
    assert D.read_records(unlabeled, format="semeval2016", require_label=False)[0]["label"] is None
    assert problems(unlabeled, format="semeval2016") == [f"{unlabeled}:2: label: empty"]


# ------------------------------------------------------------------------------- columns

MAPPING = {"text": "sentence", "actor": "source", "target": "entity", "label": "stance"}


def test_columns_csv_with_a_label_map(tmp_path):
    path = write(tmp_path / "foreign.csv", "sentence,source,entity,stance,topic\n"
                 "Paris backed the accord.,Paris,the accord,FAVOR,climate\n"
                 "Oslo rejected the plan.,Oslo,the plan,against,energy\n")
    recs = D.read_records(path, format="columns", options=MAPPING, label_map="stance")
    assert [(r["actor"], r["target"], r["label"], r["topic"]) for r in recs] == [
        ("Paris", "the accord", "supportive", "climate"), ("Oslo", "the plan", "critical", "energy")]
    assert recs[0]["actor_span"] == [0, 5]
    # foreign labels are never accepted silently
    assert "unknown label 'FAVOR'" in problems(path, format="columns", options=MAPPING)[0]
    # the example config maps these very names: `python train.py data=columns data.path=FILE`
    cfg = compose(["data=columns", f"data.path={path}", "data.dev_fraction=0.5"])
    splits = load_splits(cfg.data, seed=0)
    assert sorted(list(splits["train"]["label"]) + list(splits["dev"]["label"])) == ["critical", "supportive"]


def test_columns_jsonl_nested_null_and_missing(tmp_path):
    rows = [{"s": "The writer likes the plan.", "about": {"name": "the plan"}, "y": "supportive"},
            {"s": "The plan is bad.", "about": {}, "y": "critical"}]
    path = write(tmp_path / "nested.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    opts = {"text": "s", "actor": None, "target": "about.name", "label": "y"}
    found = problems(path, format="columns", options=opts)
    assert found == [f"{path}:2: about.name: missing column (mapped to target by the column mapping) (the columns here: "
                     "s, about, y)"]
    rows[1]["about"]["name"] = "The plan"
    write(path, "".join(json.dumps(r) + "\n" for r in rows))
    recs = D.read_records(path, format="columns", options=opts)
    assert [(r["actor"], r["target"], r["target_span"]) for r in recs] == [("", "the plan", [17, 25]),
                                                                          ("", "The plan", [0, 8])]
    assert "no column mapping given" in problems(path, format="columns")[0]


# ---------------------------------------------------------------------------- detection

def test_format_detected_from_content(tmp_path, park_file, tiny_jsonl):
    news = write(tmp_path / "news.jsonl", json.dumps(NEWSMTSC[0]) + "\n")
    sem = write(tmp_path / "sem.txt", "ID\tTarget\tTweet\tStance\n1\tAtheism\tx\tNONE\n")
    assert D.get_format(None, park_file).name == "park2021"
    assert D.get_format(None, news).name == "newsmtsc"
    assert D.get_format(None, sem).name == "semeval2016"
    assert D.get_format(None, tiny_jsonl).name == "jsonl"
    assert len(D.read_records(park_file)) == 10  # read_records detects too
    other = write(tmp_path / "notes.txt", "just some text\n")
    with pytest.raises(DataError, match="cannot tell the format"):
        D.get_format(None, other)


# ---------------------------------------------------------------------- configs & the CLI

def test_data_config_path_override_and_fixed_split_seed(park_file):
    lines = park_file.read_text(encoding="utf-8").splitlines()
    many = park_file.with_name("many.txt")
    write(many, "\n".join(lines[:5] * 1) + "\n" + "".join(
        f"[Actor{i}] met [Target{i}] in town.\tActor{i}\tTarget{i}\t{i % 5}\n" for i in range(40)))
    splits = {}
    for seed in (1, 2):
        cfg = compose(["data=park2021", f"data.path={many}", f"seed={seed}"])
        splits[seed] = load_splits(cfg.data, seed)
    train, dev = splits[1]["train"], splits[1]["dev"]
    assert len(train) + len(dev) == 90 and 0 < len(dev) < len(train)
    assert not set(train["text"]) & set(dev["text"])  # a sentence never sits on both sides
    assert list(splits[1]["dev"]["id"]) == list(splits[2]["dev"]["id"])  # split_seed: same dev for every seed


def test_unlabeled_files_join_train_without_labels_and_need_a_teacher(tmp_path, park_file, tiny_jsonl):
    """data.unlabeled: its records join train with label None after the dev split (never in dev),
    even where the file has labels; a run without model.distill_from to label them is refused."""
    from actorstance.errors import ConfigError
    from actorstance.training import run

    lines = park_file.read_text(encoding="utf-8").splitlines()
    many = write(park_file.with_name("many.txt"), "\n".join(lines[:5]) + "\n" + "".join(
        f"[Actor{i}] met [Target{i}] in town.\tActor{i}\tTarget{i}\t{i % 5}\n" for i in range(40)))
    cfg = compose(["data=park2021", f"data.path={many}", f"data.unlabeled=[{{path:{tiny_jsonl},format:jsonl}}]"])
    splits = load_splits(cfg.data, 0)
    unlabeled = [ex for ex in splits["train"] if ex["label"] is None]
    assert len(unlabeled) == 18 and {ex["source"] for ex in unlabeled} == {"tiny"}
    assert None not in set(splits["dev"]["label"]) and len(splits["train"]) + len(splits["dev"]) == 90 + 18
    with pytest.raises(ConfigError, match="distill_from"):
        run(cfg, tmp_path / "run")


def test_per_file_formats_in_one_split(tmp_path, park_file, tiny_jsonl):
    news = write(tmp_path / "news.jsonl", "".join(json.dumps(o) + "\n" for o in NEWSMTSC))
    cfg = OmegaConf.create({
        "train": [{"path": str(park_file), "format": "park2021"}, str(tiny_jsonl)],
        "dev": [{"path": str(news), "format": "newsmtsc"}], "test": None, "format": None})
    splits = load_splits(cfg)
    assert len(splits["train"]) == 10 + 18 and len(splits["dev"]) == 3
    assert set(splits["train"]["source"]) == {"park2021:park", "tiny"}
    with pytest.raises(ActorstanceError, match="unknown format"):
        load_splits(OmegaConf.create({"train": [{"path": str(news), "format": "nope"}]}))
    with pytest.raises(ActorstanceError, match="needs a path"):
        load_splits(OmegaConf.create({"train": [{"format": "newsmtsc"}]}))


def test_cli_evaluate_with_format(tmp_path, park_file, tiny_dataset, capsys):
    from actorstance.cli import main
    from actorstance.models.tfidf import TfidfStanceModel

    model_dir = TfidfStanceModel(seed=0).fit(tiny_dataset).save(tmp_path / "model")
    assert main(["evaluate", "--model", str(model_dir), str(park_file), "--format", "park2021"]) == 0
    assert "10 examples from" in capsys.readouterr().out
    bad = write(tmp_path / "bad.txt", "[A] met [B].\tA\tB\t9\n")
    assert main(["evaluate", "--model", str(model_dir), str(bad), "--format", "park2021"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: label: unknown label '9'" in err and "Traceback" not in err


# ------------------------------------------------------------- the full public files

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data not found at {SHARED}")


@needs_shared
def test_full_park2021_counts(caplog):
    path = SHARED / "park2021" / "train.txt"
    n_lines = sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip())
    assert n_lines == 13_144  # as the data README states
    every = D.read_records(path, format="park2021", options={"keep_duplicates": True})
    assert len(every) == 2 * 13_144
    with caplog.at_level(logging.INFO, logger="actorstance.adapters"):
        unique = D.read_records(path)  # detected
    assert "skipped 1611 exact duplicate lines" in caplog.text
    assert len(unique) == 2 * (13_144 - 1_611)
    assert all(r["text"][slice(*r["actor_span"])] == r["actor"] for r in unique)


@needs_shared
def test_full_newsmtsc_counts():
    root = SHARED / "newsmtsc"
    train = D.read_records(root / "train.jsonl")  # detected
    assert len(train) == 8_739 and len({r["primary_gid"] for r in train}) == 7_758  # README counts
    assert {r["label"] for r in train} == {"supportive", "critical", "neutral"}
    for name in ("dev_rw.jsonl", "dev_mt.jsonl"):
        assert len(D.read_records(root / name, format="newsmtsc")) > 300


@needs_shared
def test_every_seesaw_article_reads_as_english():
    """The bar of ``looks_english`` (a tenth of the words among the commonest English ones) is far
    below real English news: SEESAW's articles all hold a fifth or more."""
    import re

    from actorstance.articles.gold import read_seesaw
    from actorstance.articles.inputs import _ENGLISH_WORDS, ENGLISH_SHARE, looks_english

    shares = []
    for split in ("train", "valid"):
        for g in read_seesaw(SHARED / "seesaw", split):
            words = re.findall(r"[^\W\d_]+", g.text.lower())
            shares.append(sum(w in _ENGLISH_WORDS for w in words) / len(words))
            assert looks_english(g.text), g.id
    assert len(shares) == 486 and min(shares) > 2 * ENGLISH_SHARE


# ---------------------------------------------------------------- the benchmark's table

def _bench():
    return load_script("benchmarks/benchmark.py")


def _metrics(f1s, n=10):
    per_class = {lab: {"f1": f, "precision": f, "recall": f, "support": n}
                 for lab, f in zip(("supportive", "critical", "neutral"), f1s)}
    return {"n": 3 * n, "macro_f1": sum(f1s) / 3, "accuracy": 0.5, "f_avg": (f1s[0] + f1s[1]) / 2,
            "per_class": per_class, "sentences_per_second": 100.0}


def test_benchmark_summary_merge_and_table(tmp_path):
    bench = _bench()
    runs = [{"dev": _metrics([0.2, 0.4, 0.6])}, {"dev": _metrics([0.4, 0.6, 0.8])}]
    s = bench.summarise(runs, "dev")
    assert s["macro_f1"]["mean"] == pytest.approx(0.5) and s["macro_f1"]["sd"] == pytest.approx(0.1 * 2 ** 0.5)
    assert s["per_class_f1"]["critical"]["mean"] == pytest.approx(0.5) and s["support"]["neutral"] == 10
    entry = {"label": "tfidf", "data": "newsmtsc", "seeds": [1, 2], "n_train": 5, "splits": {"dev": s},
             "train_seconds": bench.mean_sd([1.0, 3.0]), "command": "cmd", "date": "today",
             "machine": {"cpu": "cpu", "cores": 2, "python": "3"}, "versions": {"numpy": "2"}}
    old = dict(entry, label="transformer")
    (tmp_path / "quality.json").write_text(json.dumps({"entries": [old, dict(entry, seeds=[9])]}), encoding="utf-8")
    merged = bench.merge(tmp_path / "quality.json", [entry], fresh=False)
    assert [(e["label"], e["seeds"]) for e in merged] == [("transformer", [1, 2]), ("tfidf", [1, 2])]
    table = bench.render_markdown(merged)
    assert "| tfidf | newsmtsc | dev_rw | 30 | 2 | 0.500 ± 0.141 |" in table and "2.0 ± 1.4" in table


def test_benchmark_names_each_split_from_the_run_config():
    """An experiment can change a data config's splits (experiment=newsmtsc_best picks on 10% of train and scores
    both authors' dev sets): the table names what the run used, not what data=newsmtsc alone would."""
    bench = _bench()
    best = bench.describe_splits(compose(["model=transformer", "data=newsmtsc", "experiment=newsmtsc_best"]).data)
    assert best == {"dev": "10% of train", "test": "dev_rw + dev_mt"}
    assert bench.describe_splits(compose(["data=newsmtsc"]).data) == {"dev": "dev_rw", "test": "dev_mt"}
    entry = {"label": "transformer experiment=newsmtsc_best", "data": "newsmtsc", "split_names": best}
    assert bench.split_name(entry, "dev") == "10% of train"
    assert bench.split_name(dict(entry, label="tfidf"), "dev") == "dev_rw"  # no experiment: the data config's own


def test_benchmark_keeps_no_words_of_the_public_data(tmp_path):
    """A kept prediction table of a public data set holds no gold label and no id in its words (NewsMTSC's ids
    quote the mention), only the id's digest; the bundled data's, ours, keep both."""
    bench = _bench()
    run = tmp_path / "run"
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text("seed: 1\n", encoding="utf-8")
    (run / "metrics.json").write_text("{}", encoding="utf-8")
    row = {"id": "allsides_1_2_3_Senator Ruth Okafor, a critic of the plan_0_5", "pred": "critical", "gold": "critical",
           "p_supportive": 0.1, "p_critical": 0.8, "p_neutral": 0.1}
    (run / "predictions_dev.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    bench.keep_files(run, tmp_path / "public", public=True)
    text = (tmp_path / "public" / "predictions_dev.json").read_text(encoding="utf-8")
    assert "Okafor" not in text and "gold" not in text
    assert json.loads(text) == {"columns": ["id_sha256", "pred", "p_supportive", "p_critical", "p_neutral"],
                                "rows": [[bench.public_id(row["id"]), "critical", 0.1, 0.8, 0.1]]}
    assert len(bench.public_id(row["id"])) == 16 and bench.public_id(row["id"]) != bench.public_id("other")
    bench.keep_files(run, tmp_path / "ours", public=False)
    ours = json.loads((tmp_path / "ours" / "predictions_dev.json").read_text(encoding="utf-8"))
    assert ours["rows"] == [[row["id"], "critical", 0.1, 0.8, 0.1, "critical"]]


@pytest.mark.slow
def test_benchmark_writes_its_table_and_resume_reuses_only_a_finished_run_of_the_same_config(tmp_path):
    bench = _bench()
    small = ["data.limit=120"]
    assert bench.main(["--models", "tfidf", "--data", "bundled", "--seeds", "1", "--override", small[0],
                       "--shared-data", str(tmp_path), "--workdir", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    assert "| tfidf data.limit=120 | bundled | dev | " in (tmp_path / "out" / "quality.md").read_text(encoding="utf-8")
    first = json.loads((tmp_path / "out" / "quality.json").read_text(encoding="utf-8"))["entries"][0]["runs"][0]
    kept = tmp_path / "out" / "quality_runs" / "tfidf__data.limit-120" / "bundled" / "seed1"
    predictions = json.loads((kept / "predictions_dev.json").read_text(encoding="utf-8"))
    assert predictions["columns"] == ["id", "pred", "p_supportive", "p_critical", "p_neutral", "gold"]  # bundled: ours
    assert len(predictions["rows"]) == first["dev"]["n"] and (kept / "config.yaml").is_file()
    assert bench.slug("transformer experiment=park2021_best") == "transformer__experiment-park2021_best"
    run_dir = tmp_path / "tfidf" / "bundled" / "seed1"
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics["dev"]["macro_f1"] = -1.0  # a mark: only a reused run can return it
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    assert bench.run_one("tfidf", "bundled", 1, small, tmp_path, resume=True)["dev"]["macro_f1"] == -1.0
    assert bench.run_one("tfidf", "bundled", 1, small, tmp_path)["dev"]["macro_f1"] == first["dev"]["macro_f1"]
    other = bench.run_one("tfidf", "bundled", 1, ["data.limit=100"], tmp_path, resume=True)  # another config: retrained
    assert other["dev"]["macro_f1"] >= 0 and other["n_train"] < first["n_train"]
