"""The Python API (actorstance.load / analyze) and the examples of docs/python-api.md and the README."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, tiny_records

pd = pytest.importorskip("pandas")

import actorstance  # noqa: E402
from actorstance.errors import ActorstanceError, DataError, ModelLoadError  # noqa: E402
from actorstance.models import resolve_model_dir  # noqa: E402


@pytest.fixture
def models_dir(tmp_path, tiny_tfidf_dir):
    """``models/`` as training leaves it: a model and LATEST naming it."""
    models = tmp_path / "models"
    shutil.copytree(tiny_tfidf_dir, models / "m1")
    (models / "LATEST").write_text("m1\n", encoding="utf-8")
    return models


def test_load_takes_a_models_folder_its_latest_or_a_model_dir(models_dir, monkeypatch):
    for path in (models_dir, models_dir / "LATEST", models_dir / "m1", str(models_dir)):
        assert resolve_model_dir(path) == models_dir / "m1"
        assert actorstance.load(path).family == "tfidf"
    monkeypatch.chdir(models_dir.parent)
    assert actorstance.load().path == models_dir / "m1"  # models/LATEST, as `actorstance predict` finds it
    (models_dir / "LATEST").write_text("\n", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="LATEST: empty"):
        actorstance.load(models_dir)
    with pytest.raises(ModelLoadError, match="not found"):
        actorstance.load(models_dir / "nope")


def test_predict_matches_the_model_contract_and_keeps_the_input(tiny_tfidf_dir):
    model = actorstance.load(tiny_tfidf_dir)
    records = tiny_records()
    df = pd.DataFrame(records).drop(columns=["label"]).set_index("id")
    out = model.predict(df)
    proba = model.stance_model.predict_proba(records)
    assert list(out.columns) == [*df.columns, "label", "p_supportive", "p_critical", "p_neutral"]
    assert (out.index == df.index).all() and out[df.columns].equals(df)
    assert out[["p_supportive", "p_critical", "p_neutral"]].to_numpy() == pytest.approx(proba)
    assert list(out["label"]) == model.stance_model.predict(records)
    assert "label" not in df.columns  # the caller's frame is untouched
    listed = model.predict_proba([{k: r[k] for k in ("text", "actor", "target")} for r in records])
    assert listed[["p_supportive", "p_critical", "p_neutral"]].to_numpy() == pytest.approx(proba)
    empty = model.predict(df.iloc[:0])
    assert len(empty) == 0 and "label" in empty.columns


def test_missing_cells_and_spans_are_read_as_in_files(tiny_tfidf_dir):
    model = actorstance.load(tiny_tfidf_dir)
    text = "Weber said Berlin would back the mission."
    df = pd.DataFrame({"text": [text, text], "actor": ["Berlin", None], "target": ["the mission", float("nan")],
                       "actor_span": [[11, 17], None]})
    out = model.predict(df)
    assert list(out["actor"].isna()) == [False, True] and out["label"].notna().all()


@pytest.mark.parametrize("data, message", [
    (pd.DataFrame({"sentence": ["x"], "speaker": ["a"], "about": ["b"]}),
     "the input has the columns sentence, speaker, about; expected text, actor, target (missing: text, actor, target): "
     "rename them, e.g. df.rename(columns={'sentence': 'text', 'speaker': 'actor', 'about': 'target'})"),
    ([{"text": "A met B.", "actor": "A"}], "the input has the columns text, actor; expected text, actor, target "
                                          "(missing: target)"),
    (pd.DataFrame({"text": [], "actor": []}), "(missing: target)"),
    (pd.DataFrame({"text": ["A met B."], "actor": ["A"], "target": ["B"], "label": ["neutral"]}),
     "already has the column(s) label"),
    ("A met B.", "expected a pandas DataFrame or a list of dicts"),
    (pd.DataFrame({"text": ["A met B.", " "], "actor": ["A", "A"], "target": ["B", "B"]}), "row:1: text: empty"),
    (pd.DataFrame({"text": ["A met B."], "actor": ["A"], "target": ["B"], "actor_span": [[2, 7]]}),
     "row:0: actor_span: text[2:7] is 'met B', not the mention 'A'"),
])
def test_wrong_input_is_one_clear_error(tiny_tfidf_dir, data, message):
    with pytest.raises(ActorstanceError) as info:
        actorstance.load(tiny_tfidf_dir).predict(data)
    assert message in str(info.value)


def test_analyze_gives_the_rows_and_summary_of_the_cli(tmp_path, tiny_tfidf_dir, capsys):
    from actorstance.cli import main

    article = ROOT / "data" / "articles" / "02-un-veto-sanctions.txt"
    actors = ROOT / "data" / "articles" / "actors.json"
    result = actorstance.analyze([(article.stem, article.read_text(encoding="utf-8"))], model=tiny_tfidf_dir,
                                 actors=actors, ner="rules")
    assert main(["predict", str(article), "--model", str(tiny_tfidf_dir), "--actors", str(actors), "--ner", "rules",
                 "-f", "jsonl", "--summary", str(tmp_path / "s.json")]) == 0
    cli_rows = pd.read_json(io.StringIO(capsys.readouterr().out), lines=True)
    assert len(result.rows) == len(cli_rows) > 0
    assert list(result.rows["label"]) == list(cli_rows["label"])
    assert list(result.rows["p_critical"]) == pytest.approx(list(cli_rows["p_critical"]))
    cli_summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert result.summary["corpus"]["actors"] == cli_summary["corpus"]["actors"]
    assert list(result.actors["actor"]) == [a["actor"] for a in cli_summary["corpus"]["actors"]]
    assert set(result.pairs.columns) >= {"actor", "target", "n", "supportive", "critical", "neutral", "dominant"}


def test_analyze_inputs(tiny_tfidf_dir):
    text = "Opposition leader Marco Ruiz dismissed the ceasefire deal as a stunt, attacking Anna Weber."
    one = actorstance.analyze(text, model=tiny_tfidf_dir, ner="rules", all_pairs=True)
    assert set(one.rows["article_id"]) == {"0"} and len(one.rows) > 0
    two = actorstance.analyze([text, text], model=actorstance.load(tiny_tfidf_dir), ner="rules", all_pairs=True)
    assert set(two.rows["article_id"]) == {"0", "1"}
    stances = actorstance.analyze(text, model=tiny_tfidf_dir, ner="rules")
    assert (stances.rows["label"] != "neutral").all()
    with pytest.raises(DataError, match="article 1: empty"):
        actorstance.analyze(["ok text.", " "], model=tiny_tfidf_dir)
    with pytest.raises(DataError, match="id 'a' given twice"):
        actorstance.analyze([("a", "x."), ("a", "y.")], model=tiny_tfidf_dir)
    with pytest.raises(ActorstanceError, match="expected article text"):
        actorstance.analyze(42, model=tiny_tfidf_dir)
    listed = actorstance.analyze(text, model=tiny_tfidf_dir, ner="rules", all_pairs=True, actors={"Anna Weber": []},
                                 targets=["ceasefire deal"], listed_only=True)
    assert set(zip(listed.rows["actor"], listed.rows["target"])) == {("Anna Weber", "ceasefire deal")}
    with pytest.raises(ValueError, match="listed_only keeps the pairs between the names you list"):
        actorstance.analyze(text, model=tiny_tfidf_dir, listed_only=True)
    # or each article its own names, as a JSONL line gives them
    own = actorstance.analyze([{"id": "w", "text": text + " Lena Fox thanked Anna Weber.",
                                "actors": ["Marco Ruiz", "Weber"]}],
                              model=tiny_tfidf_dir, ner="rules", all_pairs=True, listed_only=True)
    assert set(zip(own.rows["article_id"], own.rows["actor"], own.rows["target"])) == {
        ("w", "Marco Ruiz", "Anna Weber"), ("w", "Anna Weber", "Marco Ruiz")}  # not Lena Fox's pair
    with pytest.raises(ValueError, match="or each article its own"):
        actorstance.analyze([{"text": text, "actors": ["Anna Weber"]}, text], model=tiny_tfidf_dir, listed_only=True)
    with pytest.raises(DataError, match="article 0: actors: expected a list of names"):
        actorstance.analyze([{"text": text, "actors": "Anna Weber"}], model=tiny_tfidf_dir)


def _python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("doc", ["docs/python-api.md", "README.md"])
def test_doc_examples_run(doc, models_dir, monkeypatch, capsys):
    blocks = _python_blocks(ROOT / doc)
    assert blocks, f"no python examples in {doc}"
    monkeypatch.chdir(models_dir.parent)
    namespace: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"{doc} example {k + 1}", "exec"), namespace)
    assert "p_neutral" in capsys.readouterr().out
    assert len(namespace["pairs"]) > 0  # the article example found actors and targets


def test_import_stays_cheap():
    code = "import sys, actorstance; print(sorted(m for m in ('pandas', 'torch', 'sklearn', 'transformers', 'numpy') " \
           "if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT / "src")})
    assert proc.stdout.strip() == "[]"


def test_load_int8_applies_to_transformers_only(tiny_tfidf_dir, tiny_bert_dir, tmp_path):
    with pytest.raises(ActorstanceError, match="int8: .* tfidf model; int8 applies to transformer models"):
        actorstance.load(tiny_tfidf_dir, int8=True)
    pytest.importorskip("onnxruntime")
    from actorstance.models.transformer import TransformerStanceModel

    path = TransformerStanceModel(pretrained=tiny_bert_dir, epochs=1, max_length=32, progress=False,
                                  head="spans").fit(tiny_records()).save(tmp_path / "tiny")
    model = actorstance.load(path, int8=True)
    assert model.stance_model.int8 and "int8" in model.stance_model.onnx_sessions_
    out = model.predict(pd.DataFrame(tiny_records()[:3]).drop(columns=["label"]))
    assert out[["p_supportive", "p_critical", "p_neutral"]].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-4)
