"""Loading and validation: every problem named as file:line: field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actorstance import data as D
from actorstance.errors import DataError
from conftest import tiny_records, write_jsonl


def problems_of(path, **kw) -> list[str]:
    with pytest.raises(DataError) as info:
        D.read_records(path, **kw)
    return info.value.problems


def test_jsonl_and_csv_read_the_same(tmp_path, tiny_jsonl):
    import csv

    rows = tiny_records()
    with open(tmp_path / "tiny.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    a = D.read_records(tiny_jsonl)
    b = D.read_records(tmp_path / "tiny.csv")
    assert [(r["text"], r["actor"], r["target"], r["label"], r["actor_span"]) for r in a] == \
           [(r["text"], r["actor"], r["target"], r["label"], r["actor_span"]) for r in b]
    ds = D.load(tiny_jsonl)
    assert len(ds) == len(rows) and ds[0]["actor_span"] == [11, 21]


def test_spans_found_and_checked(tmp_path):
    good = {"text": "Ruiz slammed Weber.", "actor": "Ruiz", "target": "Weber", "label": "critical",
            "actor_span": [0, 4], "target_span": [13, 18]}
    assert D.read_records(write_jsonl(tmp_path / "a.jsonl", [good]))[0]["target_span"] == [13, 18]
    bad = dict(good, target_span=[12, 17])
    [msg] = problems_of(write_jsonl(tmp_path / "b.jsonl", [bad]))
    assert "b.jsonl:1: target_span:" in msg and "not the mention 'Weber'" in msg
    outside = dict(good, actor_span=[0, 99])
    assert "outside the text" in problems_of(write_jsonl(tmp_path / "c.jsonl", [outside]))[0]
    reversed_span = dict(good, actor_span=[4, 0])
    assert "is empty or reversed" in problems_of(write_jsonl(tmp_path / "d.jsonl", [reversed_span]))[0]


def test_every_problem_is_reported_with_line_and_field(tmp_path):
    rows = [
        {"text": "A backed B.", "actor": "A", "target": "B", "label": "supportive", "id": "x"},
        {"text": "A backed B.", "actor": "A", "target": "B", "label": "critical", "id": "x"},
        {"text": "", "actor": "A", "target": "B", "label": "neutral"},
        {"text": "C met D.", "target": "D", "label": "neutral"},
        {"text": "C met D.", "actor": "C", "target": "D", "label": "pro"},
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    probs = problems_of(path)
    joined = "\n".join(probs)
    assert "bad.jsonl:2: id: duplicate id 'x'" in joined
    assert "bad.jsonl:2: label: 'critical' contradicts 'supportive' on line 1" in joined
    assert "bad.jsonl:3: text: empty" in joined
    assert "bad.jsonl:4: actor: missing field" in joined
    assert "bad.jsonl:5: label: unknown label 'pro'" in joined
    assert "bad.jsonl:6: invalid JSON" in joined


def test_label_aliases_only_through_a_map(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", [{"text": "A backs B.", "actor": "A", "target": "B", "label": "FAVOR"},
                                              {"text": "A hits B.", "actor": "A", "target": "B", "label": "against"}])
    assert "unknown label 'FAVOR'" in problems_of(path)[0]
    assert [r["label"] for r in D.read_records(path, label_map="stance")] == ["supportive", "critical"]
    assert [r["label"] for r in D.read_records(path, label_map={"favor": "supportive", "against": "critical"})] \
        == ["supportive", "critical"]


@pytest.mark.parametrize("content, expected", [
    (b"", "no records found"),
    (b"\x00\x01\x02binary\x00", "binary file"),
    (b'{"text": "caf\xe9", "actor": "", "target": "", "label": "neutral"}\n', ":1: not valid UTF-8"),
])
def test_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    assert expected in "\n".join(problems_of(path))


def test_missing_file_and_unknown_format(tmp_path):
    assert "file not found" in problems_of(tmp_path / "nope.jsonl")[0]
    (tmp_path / "x.dat").write_text("hello\n")
    assert "cannot tell the format" in problems_of(tmp_path / "x.dat")[0]


def test_unlabeled_records_for_prediction(tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [{"text": "A met B.", "actor": "A", "target": "B"}])
    assert D.read_records(path, require_label=False)[0]["label"] is None
    assert "label: missing field" in problems_of(path)[0]


def test_split_never_cuts_a_group(tiny_dataset):
    for seed in range(5):
        rest, held = D.split_by_group(tiny_dataset, 0.3, seed)
        assert len(rest) + len(held) == len(tiny_dataset) and len(held) > 0
        assert not set(rest["group"]) & set(held["group"])


def test_fingerprint_changes_with_content(tiny_dataset):
    a = D.fingerprint(tiny_dataset)
    b = D.fingerprint(tiny_dataset.select(range(len(tiny_dataset) - 1)))
    assert a != b and a == D.fingerprint(tiny_dataset)


def test_csv_with_ragged_row(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('text,actor,target,label\n"A met B.",A,B,neutral\n"C hit D.",C,D\n', encoding="utf-8")
    assert "r.csv:3: expected 4 columns" in problems_of(path)[0]


@pytest.mark.parametrize("kind", ["fifo", "device", "too large"])
def test_inputs_that_would_block_or_exhaust_memory_are_refused_at_once(tmp_path, monkeypatch, kind):
    import os

    from actorstance.data import read_text
    from actorstance.errors import DataError

    if kind == "fifo":
        path = tmp_path / "pipe.jsonl"
        os.mkfifo(path)  # nobody writes: opening it would block for ever
        expected = "not a regular file"
    elif kind == "device":
        path, expected = Path("/dev/zero"), "not a regular file"  # endless
    else:
        path = tmp_path / "big.jsonl"
        path.write_bytes(b"x" * (3 * 2**20))
        monkeypatch.setenv("ACTORSTANCE_MAX_FILE_MB", "2")
        expected = "over the input limit of 2 MiB"
    with pytest.raises(DataError, match=expected):
        read_text(path)


@pytest.mark.parametrize("body, expected", [
    ('"Anna praised Bob,Anna,Bob,supportive\nBob hit Anna,Bob,Anna,critical\n', "unexpected end of data"),
    ('"Anna praised "Bob",Anna,Bob,supportive\nBob hit Anna,Bob,Anna,critical\n', "unreadable CSV row"),
    ('"Anna praised Bob,Anna,Bob,supportive\nBob hit Anna,Bob,Anna,critical\nX",Y,Z,neutral\n', "unbalanced quote"),
    ('"Anna praised Bob,Anna,Bob,supportive\nX",Y,Z,neutral\n', "unbalanced quote"),
])
def test_an_unbalanced_csv_quote_is_an_error_not_merged_rows(tmp_path, body, expected):
    path = tmp_path / "bad.csv"
    path.write_text("text,actor,target,label\n" + body, encoding="utf-8")
    with pytest.raises(DataError, match=expected) as err:
        D.read_records(path)
    assert "bad.csv:2:" in str(err.value)


def test_a_quoted_multi_line_sentence_is_still_one_record(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text('text,actor,target,label\n"Anna praised\nBob",Anna,Bob,supportive\n', encoding="utf-8")
    assert [r["text"] for r in D.read_records(path)] == ["Anna praised\nBob"]


@pytest.mark.parametrize("line, expected", [
    ('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", "unreadable JSON (nested too deeply)"),
    ('{"text": "a", "actor": "", "target": "", "label": ' + "9" * 5000 + "}", "unreadable JSON (Exceeds the limit"),
    ('{"text": "bad \\ud800 text", "actor": "", "target": "", "label": "neutral"}', "text: holds an unpaired surrogate"),
])
def test_pathological_json_lines_are_named_not_tracebacks(tmp_path, line, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(expected)) as err:
        D.read_records(path)
    assert "bad.jsonl:1:" in str(err.value)


def test_misnamed_columns_are_one_message_with_the_mapping_to_paste(tmp_path):
    path = tmp_path / "my.csv"
    path.write_text("sentence,speaker,about,stance\n" + "".join(f"S{i} praised T.,S{i},T,favor\n" for i in range(30)),
                    encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 1  # not four 'missing field' lines per row
    assert "columns sentence, speaker, about, stance; expected text, actor, target, label" in problems[0]
    assert ("data=columns data.path=" + str(path) + " data.options.text=sentence data.options.actor=speaker "
            "data.options.target=about data.options.label=stance") in problems[0]
    # the mapping shown reads the file
    options = {"text": "sentence", "actor": "speaker", "target": "about", "label": "stance"}
    assert len(D.read_records(path, format="columns", options=options, label_map="stance")) == 30
    # prediction needs no label column, and an unguessable column is a placeholder
    path.write_text("line,speaker,about\nS praised T.,S,T\nR met T.,R,T\n", encoding="utf-8")
    problem, = problems_of(path, require_label=False)
    assert "expected text, actor, target (missing: text, actor, target)" in problem
    assert "--option text=COLUMN --option actor=speaker --option target=about" in problem


def test_the_same_error_on_many_rows_is_reported_once_with_its_count(tmp_path):
    rows = [{"text": f"A{i} met B.", "actor": f"A{i}", "target": "B", "label": "pro"} for i in range(8)]
    path = write_jsonl(tmp_path / "x.jsonl", rows + [{"text": "", "actor": "A", "target": "B", "label": "neutral"}])
    assert problems_of(path) == [
        f"{path}: label: unknown label 'pro'; expected one of supportive, critical, neutral (map aliases with a label "
        "map) (8 rows: lines 1, 2, 3, 4, 5, ...)",
        f"{path}:9: text: empty"]
