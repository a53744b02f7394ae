"""The Python API: ``actorstance.load`` and ``actorstance.analyze``, DataFrames in and out.

A thin layer over what the command line uses (model resolution, the model contract, the article
pipeline and its summary), so that both give the same answers; pandas is imported only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import LABELS
from .errors import ActorstanceError, DataError

#: The columns every record needs (``actor_span``/``target_span`` are optional).
REQUIRED = ("text", "actor", "target")
PROBA_COLUMNS = [f"p_{label}" for label in LABELS]


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ActorstanceError("the Python API returns pandas DataFrames: pip install 'actorstance[api]'") from None
    return pandas


def _frame(data):
    """``data`` as a DataFrame (a copy: the caller's is never changed)."""
    pd = _pandas()
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if isinstance(data, (list, tuple)) and all(isinstance(r, dict) for r in data):
        return pd.DataFrame(list(data))
    raise ActorstanceError(f"expected a pandas DataFrame or a list of dicts with the columns {', '.join(REQUIRED)}, "
                           f"got {type(data).__name__}")


def _check_columns(df) -> None:
    """One clear error for misnamed columns, or for columns the prediction would overwrite."""
    from .validation import guess_columns

    found = [str(c) for c in df.columns]
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        guess = {c: f for f, c in guess_columns(found, missing).items() if c}
        hint = f": rename them, e.g. df.rename(columns={guess})" if guess else ""
        raise ActorstanceError(f"the input has the columns {', '.join(found) or '(none)'}; expected "
                               f"{', '.join(REQUIRED)} (missing: {', '.join(missing)}){hint}")
    clash = [c for c in ("label", *PROBA_COLUMNS) if c in found]
    if clash:
        raise ActorstanceError(f"the input already has the column(s) {', '.join(clash)}, which the prediction would "
                               f"overwrite: rename them first, e.g. df.rename(columns={{{clash[0]!r}: 'gold'}})")


def _records(df) -> list[dict]:
    """Validated model records from a frame's rows: the file validation, with problems named
    ``row:N`` where N is the row's position (``df.iloc[N]``)."""
    from .data import RawRow, validate_rows

    pd = _pandas()
    found = [str(c) for c in df.columns]
    keep = [c for c in ("text", "actor", "target", "actor_span", "target_span") if c in found]
    rows = []
    for i, values in enumerate(df[keep].itertuples(index=False, name=None)):
        # a missing cell (NaN, None) is an empty actor/target as in a CSV file; spans may be lists
        rec = {k: (None if not isinstance(v, (list, tuple)) and pd.isna(v) else v) for k, v in zip(keep, values)}
        rows.append(RawRow(i, rec))
    return validate_rows(rows, Path("row"), require_label=False)


class Model:
    """A saved model for use from Python: ``predict``/``predict_proba`` take a DataFrame or a
    list of dicts (``text``, ``actor``, ``target``, optional ``actor_span``/``target_span``) and
    return a DataFrame. The model of the common contract, which training and the command line
    use, is :attr:`stance_model`."""

    def __init__(self, stance_model, path: Path | None = None):
        self.stance_model, self.path = stance_model, path

    @property
    def family(self) -> str:
        return self.stance_model.family

    def __repr__(self) -> str:
        return f"actorstance.Model({self.family}, {str(self.path)!r})"

    def predict_proba(self, data):
        """The input columns plus ``p_supportive``, ``p_critical``, ``p_neutral`` (same index)."""
        df = _frame(data)
        _check_columns(df)
        proba = self.stance_model.predict_proba(_records(df)) if len(df) else None
        for j, column in enumerate(PROBA_COLUMNS):
            df[column] = proba[:, j] if proba is not None else []
        return df

    def predict(self, data):
        """The input columns plus the predicted ``label`` and ``p_<label>`` for each label."""
        df = self.predict_proba(data)
        df.insert(len(df.columns) - len(LABELS), "label",
                  [LABELS[i] for i in df[PROBA_COLUMNS].to_numpy().argmax(axis=1)] if len(df) else [])
        return df


def load(path: str | Path | None = None, *, int8: bool = False, onnx: bool = False, fp32: bool = False) -> Model:
    """A saved model: a model directory, a models folder (its ``LATEST``), or a ``LATEST`` file;
    without a path, ``models/LATEST`` as ``actorstance predict`` finds it. ``int8``/``onnx``/``fp32``: a
    transformer predicts with ONNX Runtime, or never with its int8 copy, as with ``predict --int8``/``--onnx``/``--fp32``."""
    from .models import load_for_prediction, resolve_model_dir

    model_dir = resolve_model_dir(path)
    return Model(load_for_prediction(model_dir, onnx=onnx, int8=int8, fp32=fp32), model_dir)


@dataclass
class Analysis:
    """What :func:`analyze` found: ``rows`` (one per sentence, actor and target; those with a
    stance unless ``all_pairs``), ``pairs`` and ``actors`` (the corpus summary, as the CLI's
    tables), and ``summary`` (the full summary, per article too, as ``--summary FILE.json``)."""

    rows: Any
    pairs: Any
    actors: Any
    summary: dict

    def __iter__(self):  # rows, pairs, actors = actorstance.analyze(...)
        return iter((self.rows, self.pairs, self.actors))


def as_articles(texts) -> list:
    """Articles from a str, a list of str (ids "0", "1", ...), a list of (id, text), or a list of dicts as the lines
    of JSONL input: ``{"text", "id"?, "actors"?}`` (``actors``: the names ``listed_only`` keeps this article's pairs
    to)."""
    from .articles.inputs import Article, check_article_text, set_listed, text_of_html

    items = [texts] if isinstance(texts, str) else list(texts) if isinstance(texts, (list, tuple)) else None
    if items is None:
        raise ActorstanceError(f"expected article text: a str, a list of str or a list of (id, text), got "
                               f"{type(texts).__name__}")
    articles, problems, seen = [], [], set()
    for i, item in enumerate(items):
        aid: object
        text: object
        if isinstance(item, str):
            aid, text, listed = str(i), item, None
        elif isinstance(item, tuple) and len(item) == 2:
            (aid, text), listed = item, None
        elif isinstance(item, dict):
            aid, text, listed = item.get("id", str(i)), item.get("text"), item.get("actors")
        else:
            aid, text, listed = str(i), None, None
        if not isinstance(text, str):
            problems.append(f"article {i}: expected a str, an (id, text) pair or a dict with a str \"text\", got "
                            f"{type(item).__name__}")
            continue
        if str(aid) in seen:
            problems.append(f"article {i}: id {aid!r} given twice")
        seen.add(str(aid))
        text = text_of_html(text)
        try:
            check_article_text(text, f"article {aid}")
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        article = Article(str(aid), text, f"article {aid}")
        if set_listed(article, listed, f"article {aid}", problems):
            articles.append(article)
    if problems:
        raise DataError(problems)
    return articles


def analyze(texts, model: Model | str | Path | list | None = None, *, actors=None, targets: list[str] | None = None,
            all_pairs: bool = False, per_sentence: int | None = None, salient: int | None = None,
            min_probability: float = 0.0, ner: str = "auto", evidence: int = 3,
            listed_only: bool = False, focus: bool = False) -> Analysis:
    """Stances in raw articles, through the pipeline and summary of ``actorstance predict`` with its
    defaults. ``texts``: a str, a list of str or of (id, text), or dicts as :func:`as_articles` reads; ``model``: a :class:`Model`
    or a path for :func:`load` (default ``models/LATEST``); ``actors``: an actor file or
    ``{canonical: [aliases]}``; ``targets``: topics that replace the default targets;
    ``min_probability``: stances below it are reported neutral, as ``--min-probability``; ``listed_only``: only
    pairs between the names of ``actors`` and ``targets`` (or an article's own ``actors``), as ``--listed-only``;
    ``focus``: only pairs between the names the model's selector predicts each article is about, as ``--focus``.
    ``model`` may be a list: the mean of their probabilities (an ensemble, as ``predict --model A --model B``)."""
    _pandas()  # fail before the work if pandas is missing
    from .articles import ArticlePipeline
    from .articles.pipeline import PER_SENTENCE, ROW_COLUMNS

    articles = as_articles(texts)
    if listed_only and not actors and not all(a.listed for a in articles):
        raise ValueError("listed_only keeps the pairs between the names you list: give actors (topics may come from "
                         "them or from targets), or each article its own as {\"text\": ..., \"actors\": [names]}")
    if listed_only and focus:
        raise ValueError("focus predicts the names to keep pairs to, listed_only takes them from you: give one")
    model = _one_model(model)
    from .articles.focus import FocusSelector

    selector = None
    if focus:
        if model.path is None:
            raise ValueError("focus: the name selector is saved with the model; load the model from its directory")
        selector = FocusSelector.load(model.path)
    pipeline = ArticlePipeline.build(model.stance_model, ner=ner, actors=actors, topics=targets,
                                     per_sentence=PER_SENTENCE if per_sentence is None else per_sentence,
                                     salient=salient, min_probability=min_probability, listed_only=listed_only,
                                     focus=selector)
    rows, full = analyze_rows(pipeline, articles, all_pairs, evidence)
    return Analysis(_pandas().DataFrame(rows, columns=ROW_COLUMNS), _summary_frame(full["corpus"]["pairs"], True),
                    _summary_frame(full["corpus"]["actors"], False), full)


def _one_model(model) -> Model:
    """A :class:`Model`, from a model, a path, or a list of them (the mean of their probabilities, an ensemble, as
    ``predict --model A --model B``; its selector and path are the first one's)."""
    if not isinstance(model, (list, tuple)):
        return model if isinstance(model, Model) else load(model)
    from .models import one_scorer

    members = [_one_model(m) for m in model]
    return Model(one_scorer([m.stance_model for m in members]), members[0].path)


def analyze_rows(pipeline, articles, all_pairs: bool = False, evidence: int = 3) -> tuple[list[dict], dict]:
    """The rows (those with a stance unless ``all_pairs``) and the full summary of ``articles``
    as plain lists and dicts: the one loop behind :func:`analyze` and ``actorstance serve``."""
    from .articles import Summary
    from .articles.writer import write_rows

    summary, rows = Summary(evidence), _Rows()
    write_rows(pipeline, articles, rows, summary, all_pairs)
    return list(rows), summary.as_dict()


class _Rows(list):
    """The rows of :func:`~.articles.writer.write_rows` kept in memory instead of written out."""

    def write(self, rows: list[dict]) -> None:
        self.extend(rows)


def _summary_frame(items: list[dict], with_target: bool):
    """Summary entries as rows: counts and mean probability per label, the dominant stance and
    the best evidence sentence."""
    rows = [{"actor": d["actor"], **({"target": d["target"]} if with_target else {}), "n": d["n"],
             **{lab: d["counts"][lab] for lab in LABELS}, **{f"mean_p_{lab}": d["mean"][lab] for lab in LABELS},
             "dominant": d["dominant"], "evidence": d["evidence"][0]["sentence"] if d["evidence"] else None}
            for d in items]
    columns = ["actor", *(["target"] if with_target else []), "n", *LABELS, *(f"mean_p_{lab}" for lab in LABELS),
               "dominant", "evidence"]
    return _pandas().DataFrame(rows, columns=columns)
