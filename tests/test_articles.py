"""The article pipeline: sentences and quotes, actors and aliases, pairs, spans, bad input, CLI."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import GERMAN, ROOT, tiny_records

from actorstance.articles.detectors import RuleDetector, make_detector
from actorstance.articles.lexicon import ActorLexicon, load_lexicon, read_names, topic_lexicon
from actorstance.articles import Article, ArticlePipeline, Summary, is_article_input, iter_articles
from actorstance.articles.segmentation import find_quotes, paragraphs, split_sentences

ARTICLES = ROOT / "data" / "articles"
KOVAC = ("Prime Minister Elena Kovac met Jonas Berg in Oslo on Monday.\n\n"
         "\"We are grateful to Jonas Berg for his help. The monitoring mission will go ahead,\" Kovac said. "
         "\"Berg has been a good friend to us. Nobody else stood by us.\"\n\n"
         "Berg praised Kovac for her patience.\n")


@pytest.fixture(scope="session")
def ner():
    """spaCy's NER where installed (loaded once), else the rules: the tests hold for both."""
    return make_detector("auto")


def analyse(text, detector, actors=None, topics=None, aid="a"):
    pipe = ArticlePipeline(None, detector, actors, topics)
    a, = pipe.analyse([Article(aid, text, aid)])
    sentences, pairs = a.sentences, a.pairs
    return sentences, pairs


def pair_set(pairs):
    """The pairs of names within one sentence (not those toward the article's main subjects)."""
    return {(p.actor.canonical, p.target.canonical) for p in pairs if p.via != "article"}


def test_sentences_keep_quotes_and_abbreviations():
    text = ('"We came here in good faith," Lazaridis said. "But the Front broke every promise. '
            'We need guarantees." Gen. Morozan met U.S. envoys on Oct. 1 in Doha. He left "early."  Then it rained.')
    sents = [text[s:e] for s, e in split_sentences(text)]
    # "No." ends no sentence before a number, and is a word elsewhere
    assert [text2[s:e] for text2 in ["Ruiz voted no. Weber ranked No. 2 in the poll."]
            for s, e in split_sentences(text2)] == ["Ruiz voted no.", "Weber ranked No. 2 in the poll."]
    assert sents == ['"We came here in good faith," Lazaridis said.', '"But the Front broke every promise.',
                     'We need guarantees."', "Gen. Morozan met U.S. envoys on Oct. 1 in Doha.", 'He left "early."',
                     "Then it rained."]
    quotes = [text[s:e] for s, e in find_quotes(text)]
    assert quotes == ['"We came here in good faith,"', '"But the Front broke every promise. We need guarantees."',
                      '"early."']


def test_paragraphs_lines_and_hard_wrapping():
    text = "Headline without a full stop\nFirst paragraph is a single long line " + "x" * 120 + ".\n\nWrapped\nlines."
    paras = [text[s:e] for s, e in paragraphs(text)]
    assert paras[0] == "Headline without a full stop" and paras[-1] == "Wrapped\nlines."
    # Windows line ends: a blank line is still a blank line
    text = "HEADLINE: SENATOR SLAMS PLAN\r\n\r\nSen. Ana Ruiz spoke.\r\n \r\nShe left."
    assert [text[s:e] for s, e in paragraphs(text)] == ["HEADLINE: SENATOR SLAMS PLAN", "Sen. Ana Ruiz spoke.", "She left."]
    # a list item opens a paragraph even among short lines; its wrapped continuation stays with it
    text = "Key points:\n\u2022 Ruiz said the plan \"would gut schools.\"\n\u2022 Baird defended\n  it on Monday.\n1. A vote."
    assert [text[s:e] for s, e in paragraphs(text)] == [
        "Key points:", '\u2022 Ruiz said the plan "would gut schools."', "\u2022 Baird defended\n  it on Monday.", "1. A vote."]


def test_list_bullets_are_no_part_of_a_name_and_the_table_keeps_one_line_per_row(ner):
    from actorstance.output import render_table

    text = "Lawmakers met on Monday.\n\n\u2022 Maria Lopez criticized Tom Baird.\n\u2022 Baird defended the plan to Lopez."
    sentences, pairs = analyse(text, ner)
    assert len(sentences) == 3 and pairs and all("\u2022" not in p.actor.text + p.target.text for p in pairs)
    assert {("Maria Lopez", "Tom Baird"), ("Tom Baird", "Maria Lopez")} <= pair_set(pairs)
    from actorstance.articles.mentions import _clean  # a recogniser's span may take the bullet in: "\u2022 Briggs"
    line = 'schools."\n\u2022 Briggs defended it.'
    s, e = _clean(line, line.index("\u2022"), line.index(" defended"), "PERSON")
    assert line[s:e] == "Briggs"
    table = render_table([{"actor": "Ana Ruiz", "sentence": "Wrapped\nsentence  here."}], max_width=80)
    assert table.splitlines()[-1] == "Ana Ruiz  Wrapped sentence here."


def test_short_names_and_quote_attribution(ner):
    sentences, pairs = analyse(KOVAC, ner)
    speakers = [s.speaker.canonical if s.speaker else None for s in sentences]
    # the quote's 1st sentence (its frame "Kovac said" stands in the 2nd) and both sentences of
    # the frameless second quote are Kovac's; the frame sentence itself names her
    assert speakers == [None, "Elena Kovac", None, "Elena Kovac", "Elena Kovac", None]
    got = pair_set(pairs)
    assert ("Elena Kovac", "Jonas Berg") in got and ("Jonas Berg", "Elena Kovac") in got  # both directions
    # "Berg" in a quote that names no speaker still yields Kovac -> Berg, via the quote
    assert any(p.via == "quote" and p.sentence.index == 3 and p.target.canonical == "Jonas Berg" for p in pairs)
    assert all(p.actor.canonical != "Kovac" and p.target.canonical != "Berg" for p in pairs)  # resolved


def test_quote_continuing_into_next_paragraph(ner):
    text = ('"The plan is sound," said Maria Lopez of the Green Party.\n\n'
            '"The critics are wrong about Tom Hardy and they know it."\n\nTom Hardy did not comment.')
    sentences, pairs = analyse(text, ner)
    assert sentences[1].speaker is not None and sentences[1].speaker.canonical == "Maria Lopez"
    assert ("Maria Lopez", "Tom Hardy") in pair_set(pairs)
    assert sentences[2].speaker is None


def test_he_said_with_curly_quotes(ner):
    text = ("WASHINGTON, Oct 2 (Reuters) - Secretary of State John Kerry rejected the criticism.\n\n"
            "“Russia’s campaign only helps Bashar al-Assad. It will fail,” he said.")
    sentences, pairs = analyse(text, ner)
    assert sentences[1].speaker is not None and sentences[1].speaker.canonical == "John Kerry"
    assert ("John Kerry", "Russia") in pair_set(pairs)
    assert not any("Reuters" in p.actor.canonical + p.target.canonical for p in pairs)  # the dateline


def test_actor_file_merges_aliases_within_and_across_articles(tmp_path, ner):
    (tmp_path / "actors.csv").write_text("name,alias,alias\nVladimir Putin,Putin,the Kremlin\n"
                                         "United States,Washington,U.S.\n", encoding="utf-8")
    lex = load_lexicon(tmp_path / "actors.csv")
    assert read_names(tmp_path / "actors.csv")["Vladimir Putin"] == ["Putin", "the Kremlin"]
    a = "Vladimir Putin criticised Washington on Monday. The Kremlin said the U.S. was wrong."
    b = "Putin thanked the U.S. for the grain deal."
    for text in (a, b):
        _, pairs = analyse(text, ner, actors=lex)
        assert ("Vladimir Putin", "United States") in pair_set(pairs)
    tsv = tmp_path / "actors.tsv"
    tsv.write_text("Vladimir Putin\tPutin\n", encoding="utf-8")
    assert load_lexicon(tsv).lookup("Putin") == "Vladimir Putin"
    # a capitalised alias matches only as written: "Front" is not "front lines"
    lex2 = ActorLexicon({"Eastern Front": ["Front", "the council"]})
    found = [m[2] for m in lex2.find("Troops at the front lines. The council and the Front met.")]
    assert found == ["Eastern Front", "Eastern Front"]


def test_bundled_actor_file_loads():
    lex = load_lexicon(ARTICLES / "actors.json")
    assert lex.lookup("Halvorsen") == "Ingrid Halvorsen" and lex.lookup("EU") == "European Union"


def test_topics_are_matched_case_insensitively_with_spans(ner):
    text = "Anna Weber praised the Climate Bill. Marco Ruiz said the climate bill would cost jobs."
    topics = topic_lexicon(["climate bill"])
    _, pairs = analyse(text, ner, topics=topics)
    assert {(p.actor.canonical, p.target.canonical) for p in pairs} == {("Anna Weber", "climate bill"),
                                                                        ("Marco Ruiz", "climate bill")}
    assert [text[p.target.start:p.target.end] for p in pairs] == ["Climate Bill", "climate bill"]


def test_affiliations_are_not_pairs(ner):
    lex = ActorLexicon({"Russia": [], "Sergei Baranov": [], "United Nations": ["UN"], "Ingrid Halvorsen": []})
    text = ("Russia's ambassador, Sergei Baranov, spoke first. UN special envoy Ingrid Halvorsen listened. "
            "Sergei Baranov accused Ingrid Halvorsen of bias.")
    _, pairs = analyse(text, ner, actors=lex)
    assert pair_set(pairs) == {("Sergei Baranov", "Ingrid Halvorsen"), ("Ingrid Halvorsen", "Sergei Baranov")}
    # a quotation's end between two names is no noun phrase: the speaker and the name quoted are a pair
    for text in ("“It is time to act against Russia,” Ingrid Halvorsen said.", "\"We trust Russia\" — Ingrid Halvorsen"):
        _, pairs = analyse(text, ner, actors=lex)
        assert ("Ingrid Halvorsen", "Russia") in pair_set(pairs), text


def test_places_and_datelines_are_not_actors(ner):
    text = ("GENEVA, May 2 (Wire) - Anna Weber met Marco Ruiz in Geneva. A Geneva-based group praised Marco Ruiz. "
            "Washington criticised Marco Ruiz.")
    _, pairs = analyse(text, ner)
    got = pair_set(pairs)
    assert ("Washington", "Marco Ruiz") in got and ("Anna Weber", "Marco Ruiz") in got
    assert not {"Geneva", "GENEVA"} & {name for pair in got for name in pair}
    assert ("Geneva-based group", "Marco Ruiz") in got  # the group is the actor, not the place
    # a dateline with a dash, and the portfolio of a title, are not actors either
    for text in ("WASHINGTON — Secretary of State Anna Weber criticised Russia on Tuesday.",
                 "WASHINGTON -- Secretary of State Anna Weber criticised Russia on Tuesday.",
                 "BRUSSELS (Reuters) - Secretary of State Anna Weber criticised Russia on Tuesday.",
                 "WASHINGTON - Secretary of State Anna Weber criticised Russia on Tuesday.",
                 # a dateline after a headline or caption joined to the text ("... Photo. WASHINGTON -- ...")
                 "Photo by Jane Roe. WASHINGTON -- Secretary of State Anna Weber criticised Russia on Tuesday."):
        names = {name for pair in pair_set(analyse(text, ner)[1]) for name in pair}
        assert names == {"Anna Weber", "Russia"}, text


def test_party_tags_and_photo_credits_are_not_actors(ner):
    """Web news leaves "(R-Texas)" after senators and captions with photo credits in the text."""
    text = ("Sen. Anna Weber (R-Texas) criticised Marco Ruiz on Tuesday. Rep. Tom Hale, D-Calif., praised Marco Ruiz.\n\n"
            "Jane Doe / AFP / Getty Images Marco Ruiz rejected the plan of Anna Weber.")
    _, pairs = analyse(text, ner)
    names = {name for pair in pair_set(pairs) for name in pair}
    assert {"Anna Weber", "Marco Ruiz", "Tom Hale"} <= names
    assert not {"Texas", "Calif", "Calif.", "Jane Doe", "AFP", "Getty Images"} & names, names


@pytest.mark.parametrize("kind", ["ner", "rules"])
def test_gold_pairs_of_the_bundled_articles_reach_the_model(kind, ner):
    """The pipeline's ceiling: (nearly) every gold (actor, target) pair is put before the model."""
    detector = ner if kind == "ner" else RuleDetector()
    lex = load_lexicon(ARTICLES / "actors.json")
    gold, found = set(), set()
    for f in sorted(ARTICLES.glob("*.gold.jsonl")):
        aid = f.name[: -len(".gold.jsonl")]
        for line in f.read_text(encoding="utf-8").splitlines():
            g = json.loads(line)
            gold.add((aid, lex.lookup(g["actor"]) or g["actor"], lex.lookup(g["target"]) or g["target"]))
        text = (ARTICLES / f"{aid}.txt").read_text(encoding="utf-8")
        _, pairs = analyse(text, detector, actors=lex, aid=aid)
        found |= {(aid, a, t) for a, t in pair_set(pairs)}
    assert len(gold & found) >= 0.95 * len(gold), sorted(gold - found)


def test_spans_point_into_the_article(ner):
    text = ARTICLES.joinpath("01-ceasefire-talks.txt").read_text(encoding="utf-8")
    model = _ConstantModel()
    pipe = ArticlePipeline(model, ner, load_lexicon(ARTICLES / "actors.json"))
    rows = [r for chunk in pipe.run([Article("a1", text, "a1")]) for r in chunk]
    assert len(rows) > 20
    for r in rows:
        s, e = r["sentence_span"]
        assert text[s:e] == r["sentence"]
        assert text[slice(*r["actor_span"])] == r["actor_mention"]
        assert text[slice(*r["target_span"])] == r["target_mention"]
        if r["via"] in ("article", "context"):  # the article's subject, or a name of the sentence before
            assert r["model_target_span"] is None and not (s <= r["target_span"][0] < e)
        else:
            assert r["sentence"][slice(*r["model_target_span"])] == r["target_mention"]
        if r["via"] == "quote" or (r["via"] in ("article", "context") and r["model_actor_span"] is None):
            assert r["model_actor_span"] is None and not (s <= r["actor_span"][0] < e)
        else:
            assert r["sentence"][slice(*r["model_actor_span"])] == r["actor_mention"]
    got = {(r["actor"], r["target"]) for r in rows}
    assert ("Ingrid Halvorsen", "Qatar") in got and ("Viktor Lazaridis", "Eastern Liberation Front") in got


class _ConstantModel:
    """Scores every pair the same, so that the pipeline can be tested without training."""

    def predict_proba(self, records):
        import numpy as np

        return np.tile([0.2, 0.7, 0.1], (len(records), 1))


def test_summary_counts_dominant_and_evidence():
    def row(aid, actor, target, label, p, sent):
        probs = {lab: (p if lab == label else (1 - p) / 2) for lab in ("supportive", "critical", "neutral")}
        return {"article_id": aid, "sentence_index": 0, "actor": actor, "target": target, "label": label,
                "probability": p, **{f"p_{k}": v for k, v in probs.items()}, "sentence": sent}

    s = Summary(evidence=2)
    s.add([row("a", "X", "Y", "critical", 0.9, "s1"), row("a", "X", "Y", "neutral", 0.8, "s2")])
    s.add([row("b", "X", "Y", "critical", 0.6, "s3"), row("b", "X", "Y", "critical", 0.7, "s4"),
           row("b", "X", "Z", "supportive", 0.7, "s5"), row("b", "X", "Z", "critical", 0.7, "s6")])
    d = s.as_dict()
    xy = next(p for p in d["corpus"]["pairs"] if p["target"] == "Y")
    assert xy["counts"] == {"supportive": 0, "critical": 3, "neutral": 1} and xy["dominant"] == "critical"
    assert [e["sentence"] for e in xy["evidence"]] == ["s1", "s4"]  # top 2 by probability
    assert next(p for p in d["corpus"]["pairs"] if p["target"] == "Z")["dominant"] == "mixed"
    assert d["articles"][0]["article_id"] == "a" and d["articles"][0]["actors"][0]["n"] == 2
    assert d["corpus"]["articles_with_pairs"] == 2
    assert "critical" in s.tables()


def test_rule_based_detector_finds_names_without_spacy():
    text = "The talks ended. Foreign Minister Viktor Lazaridis met the Eastern Liberation Front in Doha on Monday."
    spans = {text[s:e] for s, e, _ in RuleDetector().detect([text])[0]}
    assert {"Viktor Lazaridis", "Eastern Liberation Front", "Doha"} <= spans
    assert not spans & {"The", "Monday", "Foreign Minister Viktor Lazaridis"}
    sentences, pairs = analyse(KOVAC, RuleDetector())
    assert ("Elena Kovac", "Jonas Berg") in pair_set(pairs)


def test_a_titled_full_name_the_recogniser_missed_is_a_person():
    from actorstance.articles.detectors import titled_people

    text = "Councilmember Nithya Raman wrote it. Mayor Karen Bass agreed. President Obama spoke."
    bass = (text.index("Karen"), text.index(" agreed"), "PERSON")
    # Raman is added; Bass, found already, is not twice; "President Obama" has no first name to go by
    assert titled_people(text, [bass]) == [(text.index("Nithya"), text.index(" wrote"), "PERSON")]


def test_auto_detector_falls_back_with_a_notice(monkeypatch):
    import actorstance.articles.detectors as A

    monkeypatch.setattr(A, "SPACY_MODELS", ("no_such_spacy_model_xyz",))
    notes = []
    det = make_detector("auto", warn=notes.append)
    assert isinstance(det, RuleDetector) and "rule-based" in notes[0] and "no_such_spacy_model_xyz" in notes[0]


def test_bad_files_are_reported_and_the_rest_read(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Anna Weber praised Marco Ruiz.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "latin1.txt").write_bytes("line one\nCaf\xe9 Weber".encode("latin-1"))
    (tmp_path / "huge.txt").write_text("word " * 30_000, encoding="utf-8")
    (tmp_path / "saved.txt").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")  # text-like, yet a PDF
    (tmp_path / "word.txt").write_bytes(b"PK\x03\x04" + b"word/document.xml" * 3)
    (tmp_path / "rich.txt").write_bytes(rb"{\rtf1\ansi Anna Weber praised Marco Ruiz.}")
    jl = tmp_path / "arts.jsonl"
    jl.write_text('{"id": "j1", "text": "Kyiv thanked Warsaw."}\nnot json\n{"id": "j3", "title": "T", "body": "B"}\n'
                  '{"id": "j4", "text": 4}\n', encoding="utf-8")
    problems = []
    arts = list(iter_articles([tmp_path], problems))  # .jsonl is not picked from a folder
    assert [a.id for a in arts] == ["good"]
    arts = list(iter_articles([jl], problems))
    assert [a.id for a in arts] == ["j1"]
    text = "\n".join(problems)
    for needle in ("empty.txt: empty", "binary.txt: binary file", "saved.txt: a PDF document: extract its text first",
                   "word.txt: a zip archive or Word/OpenDocument file", "rich.txt: an RTF document",
                   "latin1.txt:2: not valid UTF-8 text (byte 0xe9 at offset 12; save it as UTF-8",
                   "huge.txt:1: line of 150,000 characters", "arts.jsonl:2: invalid JSON",
                   "arts.jsonl:3: text: missing field (the line has 'id', 'title', 'body';",
                   "arts.jsonl:4: text: expected a string, got int"):
        assert needle in text, text


def test_article_inputs_are_told_from_record_files(tmp_path):
    rec = tmp_path / "r.jsonl"
    rec.write_text(json.dumps(tiny_records()[0]) + "\n", encoding="utf-8")
    art = tmp_path / "a.jsonl"
    art.write_text('{"id": "x", "text": "Some news."}\n', encoding="utf-8")
    assert not is_article_input(rec) and is_article_input(art) and is_article_input(ARTICLES)
    assert is_article_input(ARTICLES / "01-ceasefire-talks.txt") and not is_article_input(tmp_path / "r.csv")
    assert not is_article_input(art, format="jsonl")


# ------------------------------------------------------------------------------------- CLI


def test_cli_predicts_a_bundled_article(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    article = ARTICLES / "01-ceasefire-talks.txt"
    out, summ = tmp_path / "rows.jsonl", tmp_path / "summary.json"
    code, _, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, article, "--actors",
                       ARTICLES / "actors.json", "-o", out, "--summary", summ)
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    text = article.read_text(encoding="utf-8")
    assert rows and {r["article_id"] for r in rows} == {"01-ceasefire-talks"}
    assert all(text[slice(*r["actor_span"])] == r["actor_mention"] for r in rows)
    assert {"Ingrid Halvorsen", "Viktor Lazaridis", "Samir Haddad"} <= {r["actor"] for r in rows}
    assert all(abs(r["p_supportive"] + r["p_critical"] + r["p_neutral"] - 1) < 1e-3 for r in rows)
    summary = json.loads(summ.read_text())
    assert summary["corpus"]["articles_with_pairs"] == 1 and summary["corpus"]["pairs"][0]["evidence"]
    assert [a["article_id"] for a in summary["articles"]] == ["01-ceasefire-talks"]


def test_an_article_without_candidate_pairs_is_counted_and_the_summary_says_why(tmp_path, tiny_tfidf_dir, capsys,
                                                                                  monkeypatch):
    """A first try with one line ("... praised the plan.") has one actor and a topic named once: no pair to
    score. The summary counts the article and says how to name the topic, and --target gives the pair."""
    one, other = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("Senator Ruth Okafor praised the plan.\n", encoding="utf-8")
    other.write_text("Senator Ruth Okafor praised Governor Tim Baird on Monday.\n", encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, one, "--ner", "rules")
    assert code == 0, err
    assert "1 article, 0 with candidate pairs" in out and "--target" in out
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, one, other, "--ner", "rules",
                         "--summary", tmp_path / "s.json")
    corpus = json.loads((tmp_path / "s.json").read_text())["corpus"]
    assert code == 0 and (corpus["articles_read"], corpus["articles_with_pairs"]) == (2, 1)
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, one, "--ner", "rules",
                         "--target", "the plan", "-f", "jsonl")
    assert code == 0 and [(r["actor"], r["target"]) for r in map(json.loads, out.splitlines())] == \
        [("Ruth Okafor", "the plan")]


def test_an_article_that_does_not_read_as_english_is_named(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    """The recogniser and the models read English: a German article is still processed, but named on
    stderr and in the summary, so that its rows are not taken at face value."""
    from actorstance.articles.inputs import looks_english

    assert not looks_english(GERMAN) and looks_english((ARTICLES / "01-ceasefire-talks.txt").read_text())
    assert looks_english("Die Regierung.")  # too short to tell
    de = tmp_path / "de.txt"
    de.write_text(GERMAN, encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, de, ARTICLES / "01-ceasefire-talks.txt",
                         "--ner", "rules", "-f", "jsonl", "--summary", tmp_path / "s.json")
    assert code == 0 and "notice: 1 of 2 articles does not read as English (de)" in err
    assert json.loads((tmp_path / "s.json").read_text())["corpus"]["articles_not_english"] == ["de"]


def cli(capsys, monkeypatch, *args, stdin: bytes | None = None):
    """The CLI in this process (spaCy and the model stay loaded): (exit code, stdout, stderr)."""
    import io

    from actorstance.cli import main

    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_bad_inputs_exit_nonzero_but_process_the_rest(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text("Anna Weber praised Marco Ruiz for his courage.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe binary \x00 junk")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, good, bad, "-f", "csv",
                         "--ner", "rules")
    assert code == 2
    assert "Anna Weber" in out and out.startswith("article_id,")
    assert "bad.txt: binary file" in err and "Traceback" not in err


def test_cli_listed_only_needs_the_names_to_keep_pairs_to(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    article = tmp_path / "a.txt"
    article.write_text("Anna Weber praised Marco Ruiz, and Lena Fox thanked Marco Ruiz.", encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, article, "--listed-only",
                         "--ner", "rules")
    assert code == 2 and out == "" and "--listed-only keeps the pairs between the names you list" in err
    actors = tmp_path / "actors.json"
    actors.write_text(json.dumps({"Marco Ruiz": [], "Lena Fox": []}), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, article, "--listed-only",
                         "--actors", actors, "--ner", "rules", "--all-pairs", "-f", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0, err
    assert {(r["actor"], r["target"]) for r in rows} == {("Lena Fox", "Marco Ruiz"), ("Marco Ruiz", "Lena Fox")}

    # or per article, as "actors" in JSONL: an article without them keeps no pair (and is named); a bad list is refused
    text = article.read_text(encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(d) for d in [{"id": "a", "text": text, "actors": ["Anna Weber", "Marco Ruiz"]},
                                                        {"id": "b", "text": text},
                                                        {"id": "c", "text": text, "actors": "Anna Weber"}]) + "\n",
                      encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, corpus, "--listed-only",
                         "--ner", "rules", "--all-pairs", "-f", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and f"{corpus}:3: actors: expected a list of names (strings), got \"Anna Weber\"" in err
    assert {(r["article_id"], r["actor"], r["target"]) for r in rows} == {("a", "Anna Weber", "Marco Ruiz"),
                                                                          ("a", "Marco Ruiz", "Anna Weber")}
    assert "1 article(s) gave no \"actors\" and no --actors file was given" in err

    # or beside each text file, as NAME.actors.json: a folder's articles each with their own names; a bad list is
    # named with its file and line, and its article is not read (no rows with the wrong names)
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, listed in (("x", '["Lena Fox", "Marco Ruiz"]'), ("y", '["Anna Weber", "Marco Ruiz"]'), ("z", '[\n"Anna Weber",]')):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.actors.json").write_text(listed, encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, folder, "--listed-only",
                         "--ner", "rules", "--all-pairs", "-f", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and f"{folder / 'z.actors.json'}:2: not JSON" in err and "Traceback" not in err
    assert {(r["article_id"], r["actor"], r["target"]) for r in rows} == {
        ("x", "Lena Fox", "Marco Ruiz"), ("x", "Marco Ruiz", "Lena Fox"),
        ("y", "Anna Weber", "Marco Ruiz"), ("y", "Marco Ruiz", "Anna Weber")}
    (folder / "z.actors.json").unlink()  # a file without its list: --listed-only asks for the names again
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, folder, "--listed-only",
                         "--ner", "rules")
    assert code == 2 and out == "" and "NAME.actors.json beside each NAME.txt" in err


def test_cli_missing_article_prints_its_error_and_no_empty_tables(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, tmp_path / "nonexistent.txt",
                         "--ner", "rules")
    assert code == 2 and out == ""
    assert err.strip().endswith("nonexistent.txt: file not found") and err.count("error:") == 1


def test_cli_record_files_still_work(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    rec = tmp_path / "r.jsonl"
    rec.write_text("".join(json.dumps(r) + "\n" for r in tiny_records()[:3]), encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, rec, "-f", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["t0", "t1", "t2"] and rows[0]["actor"] == "Anna Weber"
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, "-", "-f", "jsonl",
                         stdin=rec.read_bytes())
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == ["t0", "t1", "t2"]


def test_cli_articles_from_stdin_with_a_topic(tiny_tfidf_dir, capsys, monkeypatch):
    article = ARTICLES / "01-ceasefire-talks.txt"
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, "-", "--target", "ceasefire",
                         "--ner", "rules", "--all-pairs", stdin=article.read_bytes())
    assert code == 0, err
    assert "stdin" in out and "ceasefire" in out and "Stance pairs" in out
    table_rows = [line for line in out.splitlines() if line.startswith("stdin ")]
    assert table_rows and all(" ceasefire " in line for line in table_rows)


def test_cli_writes_stance_rows_unless_all_pairs_are_asked_for(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    article = ARTICLES / "01-ceasefire-talks.txt"
    rows = {}
    for flag in ([], ["--all-pairs"]):
        code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, article, "-f", "jsonl", *flag)
        assert code == 0, err
        rows[bool(flag)] = [json.loads(line) for line in out.splitlines()]
    assert rows[False] and all(r["label"] != "neutral" for r in rows[False])
    assert [r for r in rows[True] if r["label"] != "neutral"] == rows[False]
    assert any(r["label"] == "neutral" for r in rows[True])
    bar = sorted(r["probability"] for r in rows[False])[len(rows[False]) // 2]  # the median stance's probability
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, article, "-f", "jsonl",
                         "--min-probability", str(bar))
    assert code == 0, err
    sure = [json.loads(line) for line in out.splitlines()]
    assert sure == [r for r in rows[False] if r["probability"] >= bar] and len(sure) < len(rows[False])


@pytest.mark.parametrize("flag, value", [("--chunk", "0"), ("--evidence", "-1"), ("--ner-processes", "0"),
                                         ("--per-sentence", "-2"), ("--salient", "x"), ("--int8-recheck", "2"),
                                         ("--min-probability", "1.5")])
def test_cli_counts_out_of_range_are_refused(flag, value, capsys):
    from actorstance.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "-", flag, value])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and f"argument {flag}: expected a" in err


@pytest.mark.slow
@pytest.mark.parametrize("who", ["process group", "parent only"])
def test_ctrl_c_with_spacy_workers_exits_130_in_one_line(tmp_path, tiny_tfidf_dir, who):
    """Ctrl-C reaches the whole process group from a terminal, or the parent alone from a
    supervisor: either way exit 130 at once, one line, no worker tracebacks, no output file."""
    import os
    import signal
    import subprocess
    import time

    pytest.importorskip("spacy")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        for f in ARTICLES.glob("*.txt"):
            (corpus / f"{i}-{f.name}").write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "actorstance", "predict", str(corpus), "--model", tiny_tfidf_dir,
                             "--ner", "spacy", "--ner-processes", "2", "-o", str(tmp_path / "rows.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: (os.setsid(), signal.signal(signal.SIGINT, signal.SIG_DFL)))
    from pathlib import Path

    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.time() + 60  # the workers are running (a cold start in a fresh clone takes longer than 5 s)
    while time.time() < deadline and proc.poll() is None and len(children.read_text().split()) < 2:
        time.sleep(0.2)
    time.sleep(1)
    assert proc.poll() is None, proc.communicate()[1]
    (os.killpg if who == "process group" else os.kill)(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("hung after Ctrl-C")
    assert proc.returncode == 130 and err.strip() == "interrupted", err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # no rows.csv, no temporary file


def test_html_pages_are_read_as_their_text(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    from actorstance.articles.inputs import text_of_html

    page = ('<!DOCTYPE html><html><head><title>T</title><script>var s = "<p>Kyiv thanked Warsaw.</p>";</script>'
            '</head><body><nav>Home | World</nav><article><h1>Talks stall</h1><p>Anna Weber praised '
            'Marco&nbsp;Ruiz for his courage.</p><p>Ruiz <em>thanked</em> Weber.<br>Then it rained.</p></article>'
            '</body></html>')
    assert text_of_html(page) == ("Talks stall\n\nAnna Weber praised Marco Ruiz for his courage.\n\n"
                                  "Ruiz thanked Weber.\n\nThen it rained.")
    assert text_of_html("Plain text with a <b>bold</b> word.") == "Plain text with a <b>bold</b> word."  # one tag: text
    # the story alone: not the related links, forms and page footer around it, nor text outside its <article>
    assert text_of_html("<html><body><p>Most read: Kyiv thanks Warsaw</p><article><p>Anna Weber spoke.</p>"
                        "<aside><p>Related: Ruiz resigns</p></aside><footer>Reporting by Jo Lee</footer></article>"
                        "<form><button>Subscribe</button></form><footer>© 2024 The Paper</footer></body></html>"
                        ) == "Anna Weber spoke."
    assert text_of_html("<p>Anna Weber spoke.</p><aside>Ruiz resigns</aside><p>Then it rained.</p>") == (
        "Anna Weber spoke.\n\nThen it rained.")  # no <article>: the whole page, less the furniture
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, path, "--all-pairs", "-f", "jsonl",
                         "--ner", "rules")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and not any("<" in r["sentence"] or "Kyiv" in r["sentence"] for r in rows)


def test_standard_input_is_named_and_its_copy_removed(tiny_tfidf_dir, capsys, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    bad = b'{"text": "Anna praised Marco.", "actor": "Anna", "target": 5}\n'
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, "-", stdin=bad)
    assert code == 2 and "<stdin>:1: target: expected a string" in err
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, "-", "--ner", "rules",
                         stdin=b"Anna Weber praised Marco Ruiz for his courage.")
    assert code == 0 and "Anna Weber" in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("actorstance-")]  # no copy of stdin left


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_records_are_predicted_and_written_a_chunk_at_a_time(tmp_path, tiny_tfidf_dir, capsys, monkeypatch, fmt):
    from actorstance import cli as cli_module

    rec = tmp_path / "r.jsonl"
    rec.write_text("".join(json.dumps(r) + "\n" for r in tiny_records()), encoding="utf-8")
    outs = []
    for chunk in (10_000, 3):
        monkeypatch.setattr(cli_module, "RECORD_CHUNK", chunk)
        code, _, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, rec, "-o", tmp_path / f"o{chunk}.{fmt}")
        assert code == 0, err
        outs.append((tmp_path / f"o{chunk}.{fmt}").read_text())
    assert outs[0] == outs[1] and len(outs[0].splitlines()) == len(tiny_records()) + (fmt == "csv")


def test_progress_bar_knows_the_number_of_articles(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    from actorstance.articles.inputs import count_articles

    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(2):
        (folder / f"a{i}.txt").write_text(f"Anna Weber praised Marco Ruiz {i} times.", encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"j{i}", "text": "Marco Ruiz attacked Anna Weber."}) + "\n"
                              for i in range(3)) + "\n", encoding="utf-8")  # a blank line is no article
    assert count_articles([folder, corpus]) == 5
    code, _, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, folder, corpus, "--ner", "rules",
                       "--progress", "-f", "jsonl")
    assert code == 0 and "5/5" in err  # a total, so an ETA


def test_parquet_articles_give_the_rows_of_the_same_jsonl(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))[:2]]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    pq.write_table(pa.table({"id": ["a0", "bad", "a1"], "text": [texts[0], None, texts[1]]}), tmp_path / "a.parquet")
    rows = {}
    for name in ("a.jsonl", "a.parquet"):
        code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, tmp_path / name, "--ner", "rules",
                             "-f", "jsonl")
        rows[name] = out
    assert code == 2 and f"{tmp_path / 'a.parquet'}:row 2: text: empty (null)" in err
    assert rows["a.parquet"] and rows["a.parquet"] == rows["a.jsonl"]


def test_parquet_articles_may_carry_their_own_listed_names(tmp_path, tiny_tfidf_dir, capsys, monkeypatch):
    """An ``actors`` column of lists gives each row the names ``--listed-only`` keeps its pairs to, as in JSONL."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    text = "Anna Weber praised Marco Ruiz, and Lena Fox thanked Marco Ruiz."
    table = pa.table({"id": ["a", "b", "c"], "text": [text] * 3,
                      "actors": [["Anna Weber", "Marco Ruiz"], None, ["Lena Fox", ""]]})
    pq.write_table(table, tmp_path / "a.parquet")
    code, out, err = cli(capsys, monkeypatch, "predict", "--model", tiny_tfidf_dir, tmp_path / "a.parquet",
                         "--listed-only", "--ner", "rules", "--all-pairs", "-f", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2 and f"{tmp_path / 'a.parquet'}:row 3: actors: expected a list of names (strings)" in err
    assert {(r["article_id"], r["actor"], r["target"]) for r in rows} == {("a", "Anna Weber", "Marco Ruiz"),
                                                                          ("a", "Marco Ruiz", "Anna Weber")}
    assert "1 article(s) gave no \"actors\"" in err  # row b's null list: no names of its own
