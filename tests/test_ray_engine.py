"""``actorstance predict --engine ray``: the rows of the plain command, resumable, bad shards reported.

Skipped where Ray is not installed (pip install 'actorstance[distributed]'). One local Ray
(2 CPUs) serves the in-process tests; the kill test starts its own in a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import GERMAN, ROOT

ray = pytest.importorskip("ray")

ARTICLES = sorted((ROOT / "data" / "articles").glob("*.txt"))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def local_ray():
    """Started once for the module; the engine joins a Ray the caller started and leaves it running."""
    import logging

    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": ENV["PYTHONPATH"]}})
    yield
    ray.shutdown()


def write_shard(path, prefix, copies=1):
    """The bundled articles, ``copies`` times, with ids PREFIX-N."""
    lines = [json.dumps({"id": f"{prefix}-{k}", "text": a.read_text(encoding="utf-8")})
             for k, a in enumerate(ARTICLES * copies)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [f"{prefix}-{k}" for k in range(len(lines))]


def run(capsys, *args):
    from actorstance.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def read_rows(*paths):
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines()]


def done_records(out_dir):
    return {p.name[: -len(".done.json")]: json.loads(p.read_text()) for p in out_dir.glob("*.done.json")}


@pytest.mark.slow
def test_rows_and_summary_equal_the_plain_command(tmp_path, tiny_tfidf_dir, local_ray, capsys):
    shards = tmp_path / "shards"
    shards.mkdir()
    write_shard(shards / "a.jsonl", "a")
    write_shard(shards / "b.jsonl", "b")
    texts = tmp_path / "texts"  # a folder of .txt: one shard
    texts.mkdir()
    for a in ARTICLES[:3]:
        (texts / a.name).write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    (texts / "de.txt").write_text(GERMAN, encoding="utf-8")  # named as not English by both engines
    common = ["--model", tiny_tfidf_dir, "--ner", "rules", "--actors", ROOT / "data" / "articles" / "actors.json"]
    code, _, err = run(capsys, "predict", shards, texts, *common, "--engine", "ray", "--workers", "2",
                       "--out-dir", tmp_path / "out", "--summary", tmp_path / "ray-summary.json")
    assert code == 0 and "does not read as English (de)" in err, err
    code, _, err = run(capsys, "predict", shards / "a.jsonl", shards / "b.jsonl", texts, *common, "-f", "jsonl",
                       "-o", tmp_path / "plain.jsonl", "--summary", tmp_path / "plain-summary.json")
    assert code == 0 and "does not read as English (de)" in err, err
    out = tmp_path / "out"
    ray_rows = read_rows(out / "a.rows.jsonl", out / "b.rows.jsonl", out / "texts.rows.jsonl")
    assert ray_rows and ray_rows == read_rows(tmp_path / "plain.jsonl")
    assert (tmp_path / "ray-summary.json").read_text() == (tmp_path / "plain-summary.json").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["articles"] == 2 * len(ARTICLES) + 4 and manifest["rows"] == len(ray_rows)
    assert done_records(out)["texts"]["ids"] == [a.stem for a in ARTICLES[:3]] + ["de"]
    assert manifest["not_english"] == ["de"]
    assert not list(out.glob(".*.tmp"))  # no temporary file left behind

    code, _, err = run(capsys, "predict", shards, texts, *common, "--engine", "ray", "--out-dir", out, "-f", "parquet")
    assert code == 2 and "other settings (format differ" in err  # one folder, one set of settings
    if importlib.util.find_spec("pyarrow") is None:
        return
    code, _, err = run(capsys, "predict", shards, texts, *common, "--engine", "ray", "--out-dir", tmp_path / "pq",
                       "-f", "parquet")
    assert code == 0, err
    import pyarrow.parquet as pq

    assert [r for s in ("a", "b", "texts") for r in pq.read_table(tmp_path / "pq" / f"{s}.rows.parquet").to_pylist()] \
        == ray_rows


@pytest.mark.slow
def test_several_models_score_as_one_as_in_the_plain_command(tmp_path, tiny_tfidf_dir, local_ray, capsys):
    """--model A --model B: each worker loads both and scores their mean, as the plain command does."""
    from pathlib import Path

    from conftest import tiny_records

    from actorstance.data import RawRow, to_dataset, validate_rows
    from actorstance.models.tfidf import TfidfStanceModel

    other = tmp_path / "other"
    TfidfStanceModel(seed=1).fit(to_dataset(validate_rows([RawRow(i + 1, r) for i, r in enumerate(tiny_records()[::2])],
                                                          Path("half.jsonl")))).save(other)
    write_shard(tmp_path / "a.jsonl", "a")
    both = ["--model", tiny_tfidf_dir, "--model", other, "--ner", "rules", "--all-pairs"]
    code, _, err = run(capsys, "predict", tmp_path / "a.jsonl", *both, "--engine", "ray", "--workers", "1",
                       "--out-dir", tmp_path / "out")
    assert code == 0, err
    code, _, err = run(capsys, "predict", tmp_path / "a.jsonl", *both, "-f", "jsonl", "-o", tmp_path / "plain.jsonl")
    assert code == 0, err
    ray_rows = read_rows(tmp_path / "out" / "a.rows.jsonl")
    assert ray_rows and ray_rows == read_rows(tmp_path / "plain.jsonl")
    code, _, err = run(capsys, "predict", tmp_path / "a.jsonl", "--model", tiny_tfidf_dir, "--ner", "rules",
                       "--all-pairs", "--engine", "ray", "--workers", "1", "--out-dir", tmp_path / "out")
    assert code == 2 and "other settings (model differ" in err  # one model is not the ensemble: no resume across them


@pytest.mark.slow
def test_a_killed_run_resumes_without_losing_or_repeating_articles(tmp_path, tiny_tfidf_dir, local_ray, capsys):
    shards, out = tmp_path / "shards", tmp_path / "out"
    shards.mkdir()
    ids = write_shard(shards / "p0.jsonl", "p0") + write_shard(shards / "p1.jsonl", "p1", copies=10) \
        + write_shard(shards / "p2.jsonl", "p2")
    args = ["predict", shards, "--model", tiny_tfidf_dir, "--ner", "rules", "--engine", "ray", "--out-dir", out]
    proc = subprocess.Popen([sys.executable, "-m", "actorstance", *map(str, args), "--workers", "1"], env=ENV,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:  # killed (all of Ray's processes with it) once the first shard is done, the second half-way
        deadline = time.monotonic() + 120
        while not (out / "p0.done.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert set(done_records(out)) == {"p0"}, proc.stderr.read().decode()
    first = (out / "p0.done.json").stat().st_mtime_ns
    (out / "p1.rows.jsonl").write_text('{"article_id": "p1-0"}\n')  # as if a partial file had been renamed in
    (out / ".p2.rows.jsonl.x.tmp").write_text("half a row")  # a temporary file left by the kill

    code, _, err = run(capsys, *args, "--workers", "2")
    assert code == 0, err
    assert "3 of 3 shards done (2 now, 1 by an earlier run)" in err
    assert (out / "p0.done.json").stat().st_mtime_ns == first  # not done again
    records = done_records(out)
    got = [i for name in ("p0", "p1", "p2") for i in records[name]["ids"]]
    assert got == ids  # none lost, none twice, in order
    assert sum(r["articles"] for r in records.values()) == json.loads((out / "manifest.json").read_text())["articles"]
    rows = read_rows(*(out / f"{n}.rows.jsonl" for n in ("p0", "p1", "p2")))
    assert {r["article_id"] for r in rows} <= set(ids) and len({r["article_id"] for r in rows}) > len(ARTICLES)

    (out / "p2.rows.jsonl").write_text("")  # a damaged output: its checksum no longer matches, so it is redone
    code, _, err = run(capsys, *args)
    assert code == 0 and "(1 now, 2 by an earlier run)" in err
    assert read_rows(*(out / f"{n}.rows.jsonl" for n in ("p0", "p1", "p2"))) == rows


@pytest.mark.slow
def test_a_bad_shard_is_named_by_file_and_line_and_the_others_complete(tmp_path, tiny_tfidf_dir, local_ray, capsys):
    shards, out = tmp_path / "shards", tmp_path / "out"
    shards.mkdir()
    write_shard(shards / "good.jsonl", "g")
    bad = shards / "bad.jsonl"
    bad.write_text('{"id": "x1", "text": "Anna Weber praised Marco Ruiz."}\n{"id": "x2", "text": \n', encoding="utf-8")
    args = ["predict", shards, "--model", tiny_tfidf_dir, "--ner", "rules", "--engine", "ray", "--out-dir", out]
    code, _, err = run(capsys, *args)
    assert code == 2 and "Traceback" not in err
    assert f"{bad}:2: invalid JSON" in err
    records = done_records(out)
    assert records["good"]["articles"] == len(ARTICLES) and records["good"]["problems"] == []
    assert records["bad"]["ids"] == ["x1"]  # the readable line of the bad shard is predicted too
    code, _, err = run(capsys, *args)  # a rerun redoes nothing, and still says what is wrong
    assert code == 2 and "(0 now, 2 by an earlier run)" in err and f"{bad}:2: invalid JSON" in err


@pytest.mark.parametrize("extra, message", [
    (["-o", "x.jsonl"], "not -o/--out"),
    ([], "give --out-dir DIR"),
])
def test_engine_arguments_are_checked_before_ray_starts(tmp_path, tiny_tfidf_dir, capsys, extra, message):
    write_shard(tmp_path / "a.jsonl", "a")
    code, _, err = run(capsys, "predict", tmp_path / "a.jsonl", "--model", tiny_tfidf_dir, "--engine", "ray", *extra)
    assert code == 2 and message in err


def test_the_plain_command_does_not_import_ray(tmp_path, tiny_tfidf_dir):
    write_shard(tmp_path / "a.jsonl", "a")
    code = ("import sys; from actorstance.cli import main; "
            f"rc = main(['predict', {str(tmp_path / 'a.jsonl')!r}, '--model', {str(tiny_tfidf_dir)!r}, '--ner', 'rules', "
            f"'-o', {str(tmp_path / 'rows.jsonl')!r}]); print(rc, 'ray' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True)
    assert result.stdout.split() == ["0", "False"], result.stderr


def test_shards_are_named_once_and_clashing_names_apart(tmp_path):
    from actorstance.articles.shards import list_shards
    from actorstance.errors import ActorstanceError

    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        write_shard(tmp_path / folder / "part.jsonl", folder)
    write_shard(tmp_path / "x" / "other.jsonl", "o")
    shards = list_shards([tmp_path / "x", tmp_path / "y" / "part.jsonl"])
    names = [s.name for s in shards]
    assert names[0] == "other" and names[1].startswith("part-") and names[2].startswith("part-") and len(set(names)) == 3
    assert [s.name for s in list_shards([tmp_path / "x", tmp_path / "y" / "part.jsonl"])] == names  # stable on rerun
    with pytest.raises(ActorstanceError, match="given twice"):
        list_shards([tmp_path / "x", tmp_path / "x" / "other.jsonl"])
