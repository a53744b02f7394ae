"""The article's main names, predicted (``--focus``, articles/focus.py): learned from entity lists, saved with the
model and checked like its weights, and the pairs kept to them; on hand-made articles."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from test_article_stages import KeywordModel, write_seesaw

from actorstance.articles import Article, ArticlePipeline
from actorstance.articles.focus import FILE, FocusSelector, fit_for_run

PEOPLE = [("Ruth Okafor", "Tim Baird", "Lena Fox", "Omar Reyes"), ("Clara Voss", "Ivan Petrov", "Nia Grant", "Paul Hale"),
          ("Mira Stone", "Hugo Lange", "Tess Marsh", "Dev Patel"), ("Anna Kraus", "Leo Brandt", "Ida Moss", "Sam Cole"),
          ("Eva Lind", "Max Ruiz", "Zoe Park", "Ben Shaw"), ("Rosa Diaz", "Karl Heinz", "Amy Wood", "Joel Kent")]


def story(main, other, by1, by2):
    """Two people the story is about, named throughout; two bystanders named once, late."""
    m, o = main.split()[1], other.split()[1]
    return [f"Senator {main} praised Governor {other} on Monday.", f"{m} said {o} had kept every promise.",
            f"{o} thanked {m} at a rally.", f"{m} and {o} will meet again in May.",
            f"A spokesman, {by1}, declined to comment, as did {by2}."]


@pytest.fixture(scope="module")
def seesaw_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("focus") / "seesaw"
    for k, (main, other, by1, by2) in enumerate(PEOPLE):
        write_seesaw(root, story(main, other, by1, by2), [(0, main, "POS", other)], split="train", story=f"{800 + k}",
                     entities=(main, other))
    return root


@pytest.fixture(scope="module")
def selector(seesaw_root):
    pytest.importorskip("spacy")
    return fit_for_run({"train": [{"path": str(seesaw_root), "format": "seesaw", "options": {"split": "train"}}]},
                       threshold=0.5)


NEW = " ".join(story("Vera Holt", "Gil Soto", "Ken Ito", "Ada Byrne"))


def test_the_selector_learns_the_listed_names_and_the_pipeline_keeps_the_pairs_between_them(selector):
    assert selector.info["articles"] == len(PEOPLE) and selector.info["listed"] == 2 * len(PEOPLE)
    pipeline = ArticlePipeline(KeywordModel(), make_detector(), focus=selector)
    a, = pipeline.analyse([Article("new", NEW, "new")])
    p = selector.probabilities(a.mentions, a.sentences)
    assert min(p["Vera Holt"], p["Gil Soto"]) > 0.5 > max(p["Ken Ito"], p["Ada Byrne"])
    assert selector.main_names(a.mentions, a.sentences) == sorted([(c, p[c]) for c in ("Vera Holt", "Gil Soto")],
                                                                  key=lambda cp: -cp[1])
    assert a.main_names == selector.main_names(a.mentions, a.sentences)
    assert a.pairs and {(x.actor.canonical, x.target.canonical) for x in a.pairs} <= {("Vera Holt", "Gil Soto"),
                                                                                      ("Gil Soto", "Vera Holt")}
    every, = ArticlePipeline(KeywordModel(), make_detector()).analyse([Article("new", NEW, "new")])
    assert any("Ken Ito" in (x.actor.canonical, x.target.canonical) for x in every.pairs)  # the bystander's pairs, gone


def make_detector():
    from actorstance.articles.detectors import make_detector as make

    return make("auto", warn=lambda m: None)


def test_the_selector_is_saved_with_the_model_and_checked_like_its_weights(selector, tiny_tfidf_dir, tmp_path):
    from actorstance.errors import ModelLoadError
    from actorstance.models import load_model

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_tfidf_dir, model_dir)
    with pytest.raises(ModelLoadError, match="no name selector.*fit_focus.py"):
        FocusSelector.load(model_dir)
    selector.save(model_dir)
    assert json.loads((model_dir / "meta.json").read_text())["files"][FILE]
    load_model(model_dir)  # the directory holds only what meta.json lists
    assert FocusSelector.load(model_dir) == selector
    (model_dir / FILE).write_text((model_dir / FILE).read_text().replace('"threshold": 0.5', '"threshold": 0.1'))
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        load_model(model_dir)
    from actorstance.models.base import attach_file

    attach_file(model_dir, FILE, json.dumps({"format": "actorstance-focus/1", "coef": [1.0]}))
    with pytest.raises(ModelLoadError, match=f"{FILE}: not a name selector"):
        FocusSelector.load(model_dir)
    attach_file(model_dir, FILE, json.dumps({"format": "actorstance-focus/2", "coef": [1.0]}))
    with pytest.raises(ModelLoadError, match=f"{FILE}: not a name selector"):
        FocusSelector.load(model_dir)
    older = dataclasses.replace(selector, coef=selector.coef[:-2], names=None)  # the first format: no name priors
    older.save(model_dir)
    assert json.loads((model_dir / FILE).read_text())["format"] == "actorstance-focus/1"
    assert FocusSelector.load(model_dir) == older


def test_a_name_the_other_stories_mention_but_never_list_is_less_likely_kept(tmp_path):
    """The name prior: "Jo Reed" writes every fit story and is never listed, so in a new story she is less likely one
    of its names than an unknown writer in her place."""
    pytest.importorskip("spacy")
    from actorstance.articles.focus import fit_focus
    from actorstance.articles.gold import read_seesaw

    def reported(main, other, by1, by2, writer):
        return [s + f" {writer} reported." for s in story(main, other, by1, by2)[:2]] + story(main, other, by1, by2)[2:]

    root = tmp_path / "seesaw"
    for k, (main, other, by1, by2) in enumerate(PEOPLE):
        write_seesaw(root, reported(main, other, by1, by2, "Jo Reed"), [(0, main, "POS", other)], split="train",
                     story=f"{700 + k}", entities=(main, other))
    fitted = fit_focus(read_seesaw(root, "train"), ArticlePipeline(None, make_detector()))
    assert fitted.names["jo reed"] == (0, len(PEOPLE)) and fitted.names["ruth okafor"] == (1, 1)

    def probability(writer):
        a, = ArticlePipeline(None, make_detector()).analyse(
            [Article("new", " ".join(reported("Vera Holt", "Gil Soto", "Ken Ito", "Ada Byrne", writer)), "new")])
        return fitted.probabilities(a.mentions, a.sentences)[writer]

    assert probability("Jo Reed") < probability("Kim Ng")


def test_a_run_without_seesaw_data_cannot_fit_a_selector(tmp_path):
    from actorstance.errors import ConfigError

    with pytest.raises(ConfigError, match="seesaw format"):
        fit_for_run({"train": [{"path": str(tmp_path / "x.jsonl"), "format": "jsonl"}]})


def test_cli_focus_keeps_rows_to_the_predicted_names_and_says_when_it_cannot(selector, seesaw_root, tiny_tfidf_dir,
                                                                           tmp_path, capsys):
    from actorstance.cli import main

    article = tmp_path / "new.txt"
    article.write_text(NEW)
    assert main(["predict", str(article), "--model", str(tiny_tfidf_dir), "--focus"]) == 2
    assert "no name selector" in capsys.readouterr().err
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_tfidf_dir, model_dir)
    selector.save(model_dir)
    assert main(["predict", str(article), "--model", str(model_dir), "--focus", "--listed-only"]) == 2
    assert "give one" in capsys.readouterr().err
    out, summary = tmp_path / "rows.jsonl", tmp_path / "summary.json"
    assert main(["predict", str(article), "--model", str(model_dir), "--focus", "--all-pairs", "-o", str(out),
                 "--summary", str(summary)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and {(r["actor"], r["target"]) for r in rows} <= {("Vera Holt", "Gil Soto"), ("Gil Soto", "Vera Holt")}
    named, = json.loads(summary.read_text())["articles"]  # whom the article was read for, with how sure
    assert [m["name"] for m in named["main_names"]] in (["Vera Holt", "Gil Soto"], ["Gil Soto", "Vera Holt"])
    assert all(0.5 < m["probability"] <= 1 for m in named["main_names"])
    assert main(["predict", str(article), "--model", str(model_dir), "--all-pairs", "-o", str(out),
                 "--summary", str(summary)]) == 0
    assert "main_names" not in json.loads(summary.read_text())["articles"][0]
    report = tmp_path / "report.json"
    assert main(["evaluate-articles", str(seesaw_root), "--split", "train", "--model", str(model_dir), "--focus",
                 "--out", str(report)]) == 0
    focused = json.loads(report.read_text())
    assert main(["evaluate-articles", str(seesaw_root), "--split", "train", "--model", str(model_dir),
                 "--out", str(report)]) == 0
    assert focused["focus"] and 0 < focused["candidate_pairs"] < json.loads(report.read_text())["candidate_pairs"]


def test_a_run_with_focus_true_saves_the_selector_with_its_scorer(seesaw_root, tmp_path):
    from conftest import compose

    from actorstance.training import run

    pytest.importorskip("spacy")
    cfg = compose(["data=seesaw", "model=tfidf", "focus=true", "save_to_models=false", "data.dev=null", "data.test=null",
                   f'data.train=[{{path: "{seesaw_root}", format: seesaw, options: {{split: train}}}}]'])
    results = run(cfg, tmp_path / "run")
    assert results["focus"]["articles"] == len(PEOPLE)
    assert FocusSelector.load(tmp_path / "run" / "model").info == results["focus"]


def test_analyze_focus_keeps_rows_to_the_predicted_names(selector, tiny_tfidf_dir, tmp_path):
    pytest.importorskip("pandas")
    import actorstance

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_tfidf_dir, model_dir)
    selector.save(model_dir)
    rows = actorstance.analyze(NEW, model_dir, focus=True, all_pairs=True).rows
    assert len(rows) and set(zip(rows["actor"], rows["target"])) <= {("Vera Holt", "Gil Soto"), ("Gil Soto", "Vera Holt")}
    with pytest.raises(ValueError, match="give one"):
        actorstance.analyze(NEW, model_dir, focus=True, listed_only=True, actors={"Vera Holt": []})


def test_a_server_with_focus_keeps_the_pairs_to_the_predicted_names(selector, tiny_tfidf_dir):
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from actorstance.models import load_model
    from actorstance.serve import create_app

    with TestClient(create_app(load_model(tiny_tfidf_dir), None, focus=selector)) as c:
        rows = c.post("/v1/articles", json={"text": NEW, "all_pairs": True}).json()["rows"]
        listed = c.post("/v1/articles", json={"text": NEW, "actors": ["Ken Ito"], "listed_only": True})
    assert rows and {(r["actor"], r["target"]) for r in rows} <= {("Vera Holt", "Gil Soto"), ("Gil Soto", "Vera Holt")}
    assert listed.status_code == 422 and "serve --focus" in listed.json()["detail"]


def test_the_listed_experiments_fit_the_selector_and_the_others_do_not():
    from conftest import compose

    assert compose(["experiment=articles_listed"]).focus is True
    assert compose(["experiment=articles_listed_mpnet"]).focus is True
    focus = compose(["experiment=articles_focus"])
    assert focus.focus is True and all(d.options.focus_only and not d.options.get("listed_only")
                                       for d in (focus.data.train[0], focus.data.dev[0], focus.data.test[0]))
    assert compose([]).focus is False and compose(["experiment=articles"]).focus is False


def test_focus_only_trains_on_the_pairs_between_the_names_the_fit_stories_selector_predicts(seesaw_root):
    """The seesaw option ``focus_only`` (experiment=articles_focus): the pairs --focus will hand the scorer, on the
    training and the selection stories alike (the selector always from the fit stories)."""
    pytest.importorskip("spacy")
    from actorstance.articles.pairs import trained_on_listed_pairs
    from actorstance.articles.seesaw import read_seesaw_candidates
    from actorstance.errors import DataError

    main = {part for people in PEOPLE for name in people[:2] for part in (name, name.split()[1])}  # as the text says
    for part in ("fit", "select"):
        every = [r.record for r in read_seesaw_candidates(seesaw_root, {"split": "train", "part": part})]
        kept = [r.record for r in read_seesaw_candidates(seesaw_root, {"split": "train", "part": part,
                                                                         "focus_only": True})]
        assert kept and {(r["actor"], r["target"]) for r in kept} <= {(a, t) for a in main for t in main}
        assert any(r["actor"] not in main or r["target"] not in main for r in every)  # the bystanders' pairs, gone
    with pytest.raises(DataError, match="give one"):
        list(read_seesaw_candidates(seesaw_root, {"split": "train", "focus_only": True, "listed_only": True}))
    from types import SimpleNamespace

    trained = SimpleNamespace(info={"config": {"data": {"train": [{"path": "x", "options": {"focus_only": True}}]}}})
    assert trained_on_listed_pairs(trained)
