"""The transformer family on a tiny random BERT: input encoding, truncation, order, [CLS]-only
prediction, ONNX fp32 / int8, config."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, compose

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actorstance import LABELS  # noqa: E402
from actorstance.models.transformer import (MARKER_TOKENS, TransformerStanceModel, class_weights,  # noqa: E402
                                            model_strings, softmax)


def tiny_model(tiny_bert_dir, **kw):
    params = dict(pretrained=tiny_bert_dir, epochs=1, batch_size=8, max_length=64, lr=1e-3, progress=False, seed=0)
    params.update(kw)
    return TransformerStanceModel(**params)


@pytest.fixture(scope="module")
def trained(tiny_bert_dir):
    from conftest import tiny_records

    return tiny_model(tiny_bert_dir, epochs=2).fit(tiny_records(), tiny_records())


def decoded(model, ex) -> str:
    return model.tokenizer_.decode(model._encode([ex])[0]["input_ids"])


def test_encodings_put_actor_and_target_into_the_input():
    ex = {"text": "Kyiv thanked Warsaw for its help.", "actor": "Kyiv", "target": "Warsaw"}
    assert model_strings(ex, "markers")[:2] == (None, "[A] Kyiv [/A] thanked [T] Warsaw [/T] for its help.")
    assert model_strings(ex, "pair")[:2] == ("actor: Kyiv; target: Warsaw", ex["text"])
    prompt, text, spans = model_strings({**ex, "actor": ""}, "markers+pair")
    assert prompt == "actor: the writer; target: Warsaw" and "[A]" not in text and "[T] Warsaw [/T]" in text
    assert [text[s:e] for s, e in spans] == ["[T] Warsaw [/T]"]


def test_actor_and_target_change_the_model_input(trained):
    base = {"text": "Kyiv thanked Warsaw for its help.", "actor": "Kyiv", "target": "Warsaw"}
    swapped = {**base, "actor": "Warsaw", "target": "Kyiv"}
    writer = {**base, "actor": ""}
    ids = [trained._encode([ex])[0]["input_ids"] for ex in (base, swapped, writer)]
    assert ids[0] != ids[1] and ids[0] != ids[2] and ids[1] != ids[2]
    proba = trained.predict_proba([base, swapped, writer])
    assert (proba[0] != proba[1]).any() and (proba[0] != proba[2]).any()  # the (tiny, random) model sees it


def test_long_sentences_are_cut_around_the_mentions(trained):
    filler = " ".join(["the committee met on monday"] * 30)
    ex = {"text": f"{filler}. Kyiv thanked Warsaw for its help.", "actor": "Kyiv", "target": "Warsaw"}
    ids = trained._encode([ex])[0]["input_ids"]
    assert len(ids) <= trained.max_length
    text = decoded(trained, ex)
    assert "kyiv" in text and "warsaw" in text and "thanked" in text  # the mentions survive, the start is cut
    early = {"text": f"Kyiv thanked Warsaw. {filler}.", "actor": "Kyiv", "target": "Warsaw"}
    assert "kyiv" in decoded(trained, early) and len(trained._encode([early])[0]["input_ids"]) <= trained.max_length
    # an actor at the start and a target at the end: the window keeps the first mention
    both = {"text": f"Kyiv said {filler} about Warsaw.", "actor": "Kyiv", "target": "Warsaw"}
    assert len(trained._encode([both])[0]["input_ids"]) <= trained.max_length


def test_sorted_inference_keeps_input_order(trained):
    from conftest import tiny_records

    records = tiny_records()
    records[3] = {**records[3], "text": records[3]["text"] + " " + " ".join(["the port city"] * 15)}
    proba = trained.predict_proba(records)
    one_by_one = np.vstack([trained.predict_proba([r]) for r in records])
    np.testing.assert_allclose(proba, one_by_one, atol=1e-5)
    rev = trained.predict_proba(records[::-1])
    np.testing.assert_allclose(rev[::-1], proba, atol=1e-5)


def test_length_grouped_batches_cover_every_example_once():
    import random

    lengths = [random.Random(i).randint(5, 60) for i in range(300)]
    batches = TransformerStanceModel._length_grouped(lengths, 8, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(300)) and max(map(len, batches)) == 8
    assert np.mean([np.ptp([lengths[i] for i in b]) for b in batches]) < 3  # random batches of 8: ~40 tokens
    again = TransformerStanceModel._length_grouped(lengths, 8, random.Random(1))
    assert again != batches  # reshuffled every epoch


@pytest.mark.slow
def test_training_log_and_early_stopping(tiny_bert_dir, tmp_path):
    from conftest import tiny_records

    model = tiny_model(tiny_bert_dir, epochs=6, patience=1, lr=1e-9).fit(tiny_records(), tiny_records())
    evals = [e for e in model.training_log_ if "dev_macro_f1" in e]
    assert 2 <= len(evals) < 6  # no progress at lr 1e-9: stops after patience
    summary = model.training_log_[-1]
    assert summary["best_dev_macro_f1"] == max(e["dev_macro_f1"] for e in evals)
    assert (model.save(tmp_path / "m") / "training_log.json").is_file()


def test_eval_every_also_scores_the_final_weights(tiny_bert_dir):
    from conftest import tiny_records

    records = tiny_records()
    model = tiny_model(tiny_bert_dir, epochs=1, batch_size=4, eval_every=2, patience=99).fit(records, records)
    steps = model.training_log_[-1]["steps"]
    assert steps % 2, "the fixture must leave steps after the last periodic evaluation"
    evals = [e["step"] for e in model.training_log_ if "dev_macro_f1" in e]
    assert evals[-1] == steps and evals[:-1] == list(range(2, steps, 2))


@pytest.mark.slow
def test_weight_average_is_what_gets_scored_and_kept(tiny_bert_dir):
    """model.ema: dev scores are the averaged weights' and the model keeps the best of those."""
    import torch
    from conftest import tiny_records

    from actorstance.metrics import compute

    records = tiny_records()
    kw = dict(epochs=3, batch_size=4, eval_every=2, patience=99)
    model = tiny_model(tiny_bert_dir, ema=0.8, **kw).fit(records, records)
    evals = [e["dev_macro_f1"] for e in model.training_log_ if "dev_macro_f1" in e]
    kept = compute([r["label"] for r in records], list(model.predict(records)))["macro_f1"]
    assert round(kept, 4) == max(evals)
    plain = tiny_model(tiny_bert_dir, **kw).fit(records)  # no dev set: the last weights, or their average
    averaged = tiny_model(tiny_bert_dir, ema=0.8, **kw).fit(records)
    last = dict(plain.model_.named_parameters())
    changed = [not torch.allclose(p, last[n]) for n, p in averaged.model_.named_parameters()]
    assert any(changed)


@pytest.mark.parametrize("head", ["cls", "markers"])
def test_head_lr_trains_the_new_layers_at_their_own_rate(tiny_bert_dir, head):
    """model.head_lr: with the encoder's lr near zero only the classifier moves."""
    import torch
    from conftest import tiny_records

    def fit(head_lr):
        model = tiny_model(tiny_bert_dir, head=head, encoding="markers", lr=1e-12, head_lr=head_lr)
        model.fit(tiny_records()[:16])
        classifier = model.head_.linear if model.head_ is not None else model.model_.classifier
        return dict(model.model_.base_model.named_parameters()), dict(classifier.named_parameters())

    (encoder, classifier), (encoder_fast, classifier_fast) = fit(1e-12), fit(1e-2)
    assert all(torch.allclose(p, encoder_fast[n]) for n, p in encoder.items())
    assert all(not torch.allclose(p, classifier_fast[n]) for n, p in classifier.items())


def test_rdrop_adds_the_disagreement_of_two_dropout_passes(tiny_bert_dir):
    """model.rdrop: without dropout both passes agree and the loss is plain cross-entropy; with
    dropout the two passes differ and the loss grows by rdrop times their divergence."""
    import torch
    from conftest import tiny_records

    from actorstance.models.cls_only import StockLogits

    model = tiny_model(tiny_bert_dir, rdrop=2.0)
    model._load_pretrained()
    net = StockLogits(model.model_)
    records = tiny_records()[:8]
    _, batch = next(model._batches(model._encode(records), [list(range(len(records)))]))
    inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
    gold = torch.tensor([LABELS.index(ex["label"]) for ex in records])
    ce = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        net.eval()
        assert model._rdrop_loss(net, inputs, gold, ce).item() == pytest.approx(ce(net(**inputs), gold).item(), rel=1e-5)
        net.train()
        torch.manual_seed(0)
        with_kl = model._rdrop_loss(net, inputs, gold, ce).item()
        model.rdrop = 0.0
        torch.manual_seed(0)
        without = model._rdrop_loss(net, inputs, gold, ce).item()
    assert with_kl > without + 1e-6
    from actorstance.errors import ConfigError

    with pytest.raises(ConfigError, match="rdrop"):
        tiny_model(tiny_bert_dir, rdrop=-1).fit([])


def test_distill_loss_mixes_gold_cross_entropy_and_the_teachers_divergence(tiny_bert_dir):
    """model.distill_weight 0: plain cross-entropy; 1 with the student's own probabilities as the
    teacher: zero (nothing to learn); a teacher that disagrees costs more than one that agrees."""
    import torch

    model = tiny_model(tiny_bert_dir, distill_from="x", distill_weight=0.0, distill_temperature=2.0)
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    gold = torch.tensor([0, 2])
    ce = torch.nn.CrossEntropyLoss()
    agree, disagree = logits.softmax(-1), torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert model._distill_loss(logits, gold, disagree, ce).item() == pytest.approx(ce(logits, gold).item())
    model.distill_weight = 1.0
    assert model._distill_loss(logits, gold, agree, ce).item() == pytest.approx(0.0, abs=1e-5)
    assert model._distill_loss(logits, gold, disagree, ce).item() > 1.0


def test_distillation_trains_on_the_teachers_probabilities(tiny_bert_dir, tiny_tfidf_dir, monkeypatch):
    """model.distill_from: the saved teacher's probabilities on each training batch are the soft
    targets; a teacher that cannot be loaded is a config error naming the option."""
    from conftest import tiny_records

    from actorstance.errors import ConfigError
    from actorstance.models import load_model

    records = tiny_records()
    expected = load_model(tiny_tfidf_dir).predict_proba(records)
    seen = []
    original = TransformerStanceModel._distill_loss

    def spy(self, logits, gold, teacher, loss_fn):
        seen.append(teacher.cpu().numpy())
        return original(self, logits, gold, teacher, loss_fn)

    monkeypatch.setattr(TransformerStanceModel, "_distill_loss", spy)
    model = tiny_model(tiny_bert_dir, distill_from=str(tiny_tfidf_dir), distill_weight=0.7).fit(records)
    rows = np.concatenate(seen)
    assert len(rows) == len(records)  # one epoch: every training record once
    assert {tuple(np.round(r, 5)) for r in rows} == {tuple(np.round(r, 5)) for r in expected}
    assert model.get_params()["distill_from"] == str(tiny_tfidf_dir)
    with pytest.raises(ConfigError, match="distill_from"):
        tiny_model(tiny_bert_dir, distill_from=str(tiny_tfidf_dir) + "-missing").fit(records)
    with pytest.raises(ConfigError, match="distill_weight"):
        tiny_model(tiny_bert_dir, distill_from="x", distill_weight=1.5).fit(records)


def test_unlabeled_records_learn_from_the_teacher_alone(tiny_bert_dir, tiny_tfidf_dir, monkeypatch):
    """Records without a label (data.unlabeled) add the teacher's divergence, no gold loss: a batch
    of them alone has a gold loss of zero, not NaN; without a teacher they are refused."""
    import torch
    from conftest import tiny_records

    from actorstance.errors import ConfigError
    from actorstance.models.transformer_training import UNLABELED

    records = tiny_records() + [{**r, "label": None, "id": r["id"] + "-u"} for r in tiny_records()]
    golds, losses = [], []
    original = TransformerStanceModel._distill_loss

    def spy(self, logits, gold, teacher, loss_fn):
        golds.append(gold.tolist())
        losses.append(loss_fn(logits, gold).item())
        return original(self, logits, gold, teacher, loss_fn)

    monkeypatch.setattr(TransformerStanceModel, "_distill_loss", spy)
    model = tiny_model(tiny_bert_dir, distill_from=str(tiny_tfidf_dir), batch_size=4).fit(records)
    flat = [g for batch in golds for g in batch]
    assert flat.count(UNLABELED) == len(tiny_records()) and len(flat) == len(records)
    assert all(np.isfinite(losses))
    only_unlabeled = [k for k, batch in enumerate(golds) if set(batch) == {UNLABELED}]
    assert all(losses[k] == 0.0 for k in only_unlabeled)
    assert model.predict_proba(records[:2]).shape == (2, 3)
    with pytest.raises(ConfigError, match="distill_from"):
        tiny_model(tiny_bert_dir).fit(records)
    n = LABELS.index("neutral")
    logits = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    from actorstance.models.transformer_training import sentence_rank_loss

    assert sentence_rank_loss(logits, torch.tensor([UNLABELED, n, n]), [0, 0, 0]).item() == 0.0  # no labeled stance


def test_several_teachers_give_their_mean_probabilities(tiny_bert_dir, monkeypatch):
    """model.distill_from as a list (an ensemble of seeds): the soft targets are the teachers' mean;
    the list is kept as a list in the saved parameters, and a missing teacher is named."""
    import actorstance.models as models
    from conftest import tiny_records

    from actorstance.errors import ConfigError, ModelLoadError

    class Fixed:
        family = "fixed"

        def __init__(self, row):
            self.row = np.asarray(row, dtype=np.float32)

        def predict_proba(self, records):
            return np.tile(self.row, (len(records), 1))

    teachers = {"a": Fixed([0.8, 0.1, 0.1]), "b": Fixed([0.2, 0.1, 0.7])}

    def load(name):
        if name not in teachers:
            raise ModelLoadError(f"{name}: no model here")
        return teachers[name]

    monkeypatch.setattr(models, "resolve_model_dir", lambda name: name)
    monkeypatch.setattr(models, "load_model", load)
    records = tiny_records()
    model = tiny_model(tiny_bert_dir, distill_from=["a", "b"])
    assert model.get_params()["distill_from"] == ["a", "b"]
    assert np.allclose(model._teacher_proba(records), [[0.5, 0.1, 0.4]] * len(records))
    with pytest.raises(ConfigError, match="distill_from=c"):
        tiny_model(tiny_bert_dir, distill_from=["a", "c"])._teacher_proba(records)


def test_sentence_rank_loss_ranks_the_stance_bearing_pair_within_its_sentence():
    """model.rank_weight: within a sentence, the loss is lower when its stance-bearing pair has
    the higher polar log-odds; sentences without one, or with one candidate, add nothing."""
    import torch

    from actorstance.models.transformer_training import sentence_rank_loss

    s, c, n = (LABELS.index(x) for x in ("supportive", "critical", "neutral"))
    gold = torch.tensor([s, n, n, c])  # sentence 0: pairs 0-2 (pair 0 bears the stance); sentence 1: pair 3 alone
    def logits(first_polar: float, second_polar: float) -> torch.Tensor:
        out = torch.zeros(4, 3)
        out[0, s], out[1, c] = first_polar, second_polar
        return out
    ranked_right = sentence_rank_loss(logits(3.0, 0.0), gold, [0, 0, 0, 1]).item()
    ranked_wrong = sentence_rank_loss(logits(0.0, 3.0), gold, [0, 0, 0, 1]).item()
    assert 0.0 < ranked_right < ranked_wrong
    assert sentence_rank_loss(logits(0.0, 3.0), torch.tensor([n, n, n, c]), [0, 0, 0, 1]).item() == 0.0


def test_best_readings_keep_the_reading_that_states_the_stance():
    """model.best_reading: of a stance-bearing pair read at several mentions, only the reading most
    probable for its gold label stays in the loss; neutral pairs and single readings are untouched."""
    import torch

    from actorstance.models.transformer_training import UNLABELED, best_readings, reading_bags

    s, c, n = (LABELS.index(x) for x in ("supportive", "critical", "neutral"))
    records = [{"bag": "a"}, {"bag": "a"}, {"bag": "b"}, {"bag": "b"}, {}, {"bag": "c"}]
    bags = reading_bags(records)
    assert bags == [0, 0, 1, 1, -1, 2]
    gold = torch.tensor([c, c, n, n, s, s])
    logits = torch.zeros(6, 3)
    logits[1, c] = 2.0  # the second reading of pair "a" states the criticism
    kept = best_readings(logits, gold, bags).tolist()
    assert kept == [UNLABELED, c, n, n, s, s]
    logits[0, c] = 3.0
    assert best_readings(logits, gold, bags).tolist() == [c, UNLABELED, n, n, s, s]
    assert gold.tolist() == [c, c, n, n, s, s]  # the batch's own labels are not changed


def test_rank_weight_trains_the_span_head_and_is_checked(tiny_bert_dir, monkeypatch, caplog):
    """Each sentence's pairs go into the listwise loss together (the span head's batches keep a
    sentence's pairs together); bad settings are config errors naming the option."""
    from conftest import tiny_records

    from actorstance.errors import ConfigError
    from actorstance.models import transformer_training

    # each sentence twice: as labeled, and the reverse direction as a neutral candidate
    records = [r for ex in tiny_records() for r in (ex, {**ex, "actor": ex["target"], "target": ex["actor"],
                                                         "label": "neutral"})]
    losses = []
    original = transformer_training.sentence_rank_loss
    monkeypatch.setattr(transformer_training, "sentence_rank_loss",
                        lambda *a: losses.append(original(*a)) or losses[-1])
    model = tiny_model(tiny_bert_dir, head="spans", rank_weight=1.0).fit(records)
    assert model.get_params()["rank_weight"] == 1.0 and model.predict_proba(records[:3]).shape == (3, 3)
    assert losses and any(x.item() > 0 for x in losses)  # the stance-bearing sentences were ranked
    # each stance twice, as two readings of one pair: one of them is left out of the loss
    bagged = [{**r, "bag": f"{r['text']}|{r['actor']}"} for r in records for _ in range(1 + (r["label"] != "neutral"))]
    left_out = []
    chosen, unlabeled = transformer_training.best_readings, transformer_training.UNLABELED
    monkeypatch.setattr(transformer_training, "best_readings",
                        lambda logits, gold, bags: left_out.append(int((chosen(logits, gold, bags) == unlabeled).sum()))
                        or chosen(logits, gold, bags))
    assert tiny_model(tiny_bert_dir, head="spans", best_reading=True).fit(bagged).get_params()["best_reading"] is True
    assert sum(left_out) > 0
    with caplog.at_level("WARNING"):  # records without bags: said, not silently ignored
        tiny_model(tiny_bert_dir, head="spans", best_reading=True).fit(records)
    assert "no training record names its pair's readings" in caplog.text
    with pytest.raises(ConfigError, match="best_reading"):
        tiny_model(tiny_bert_dir, best_reading=True, rdrop=1.0).fit(records)
    with pytest.raises(ConfigError, match="rank_weight"):
        tiny_model(tiny_bert_dir, head="cls", rank_weight=1.0).fit(records)
    with pytest.raises(ConfigError, match="rank_weight"):
        tiny_model(tiny_bert_dir, head="spans", rank_weight=-1.0).fit(records)


def test_context_tokens_read_the_sentence_before_as_a_second_segment(tiny_bert_dir, tmp_path):
    """model.context_tokens: the span head reads the record's "context" after the sentence (cut
    to that many tokens, as the second segment); mentions are found in the sentence only, the
    context changes the scores, and ONNX and a saved copy give the same."""
    pytest.importorskip("onnxruntime")
    from conftest import tiny_records

    from actorstance.errors import ConfigError
    from actorstance.models import load_model

    context = "Warsaw said on Monday that Kyiv had asked for more help with the grain convoys across the border."
    records = [{**r, "context": context if i % 2 else ""} for i, r in enumerate(tiny_records())]
    model = tiny_model(tiny_bert_dir, head="spans", context_tokens=6, onnx=True).fit(records)
    ex = {"text": "Kyiv thanked Warsaw.", "actor": "Kyiv", "target": "Warsaw", "context": context}
    f = model._encode([ex])[0]
    tokens = model.tokenizer_.convert_ids_to_tokens(f["input_ids"])
    special = {model.tokenizer_.cls_token, model.tokenizer_.sep_token}
    second = [t for t, kind in zip(tokens, f["token_type_ids"]) if kind == 1 and t not in special]
    assert second == model.tokenizer_.tokenize(context)[:6]  # the context's first six tokens
    # "Warsaw" is also in the context: the target's tokens are those in the sentence
    assert f["target"][0] is None and f["target"][2] < f["token_type_ids"].index(1)
    assert tokens[f["actor"][1]:f["actor"][2]] == model.tokenizer_.tokenize("Kyiv")
    with_context = model.predict_proba([ex])
    assert not np.allclose(with_context, model.predict_proba([{**ex, "context": ""}]))
    np.testing.assert_allclose(softmax(model._logits_onnx("fp32", [f])), with_context, atol=1e-4)
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded.context_tokens == 6
    np.testing.assert_allclose(loaded.predict_proba([ex]), with_context, atol=1e-5)
    for bad in (dict(head="cls", context_tokens=6), dict(head="spans", context_tokens=-1)):
        with pytest.raises(ConfigError, match="context_tokens"):
            tiny_model(tiny_bert_dir, **bad).fit(records)


def test_layer_decay_slows_the_lower_layers(tiny_bert_dir):
    """model.layer_decay: the top layer learns at lr, each one below at decay times the one above."""
    model = tiny_model(tiny_bert_dir, head="markers", encoding="markers", lr=1e-3, head_lr=1e-2, layer_decay=0.5)
    model._load_pretrained()
    lr_of = {id(p): g["lr"] for g in model._param_groups(model.head_) for p in g["params"]}
    named = dict(model.head_.named_parameters())
    layers = model.model_.config.num_hidden_layers
    expect = {"encoder.embeddings.word_embeddings.weight": 1e-3 * 0.5 ** layers,
              "encoder.encoder.layer.0.attention.self.query.weight": 1e-3 * 0.5 ** (layers - 1),
              f"encoder.encoder.layer.{layers - 1}.output.dense.weight": 1e-3, "linear.weight": 1e-2}
    assert {n: lr_of[id(named[n])] for n in expect} == pytest.approx(expect)
    assert len(lr_of) == len(named)
    from actorstance.errors import ConfigError

    with pytest.raises(ConfigError, match="layer_decay"):
        tiny_model(tiny_bert_dir, layer_decay=0).fit([])


def test_marker_tokens_are_single_new_tokens(tiny_bert_dir, tmp_path):
    from conftest import tiny_records

    from actorstance.models import load_model

    model = tiny_model(tiny_bert_dir, marker_tokens=True, encoding="markers").fit(tiny_records()[:6])
    ids = model._encode([{"text": "Kyiv thanked Warsaw.", "actor": "Kyiv", "target": "Warsaw"}])[0]["input_ids"]
    toks = model.tokenizer_.convert_ids_to_tokens(ids)
    assert all(m in toks for m in MARKER_TOKENS)
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded._encode([{"text": "Kyiv thanked Warsaw.", "actor": "Kyiv", "target": "Warsaw"}])[0]["input_ids"] == ids


def test_cls_only_last_layer_gives_the_stock_logits(trained):
    import torch

    from actorstance.models.cls_only import ClsOnlyBertClassifier, StockLogits

    model = trained
    assert isinstance(model._scorer(), ClsOnlyBertClassifier)
    feats = model._encode(tiny_records_with_lengths())
    _, batch = next(model._batches(feats, [list(range(len(feats)))]))
    assert (batch["attention_mask"] == 0).any()  # padding is present, so the mask matters
    inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
    with torch.inference_mode():
        fast, stock = model._scorer()(**inputs), StockLogits(model.model_)(**inputs)
    torch.testing.assert_close(fast, stock, atol=1e-5, rtol=1e-5)


def test_cls_only_view_is_refused_for_other_architectures():
    transformers = pytest.importorskip("transformers")
    from actorstance.models.cls_only import StockLogits, cls_only_classifier, logits_module

    config = transformers.DistilBertConfig(vocab_size=50, dim=16, n_layers=1, n_heads=2, hidden_dim=20, num_labels=3)
    other = transformers.DistilBertForSequenceClassification(config)
    assert cls_only_classifier(other) is None
    assert isinstance(logits_module(other), StockLogits)


def tiny_records_with_lengths() -> list[dict]:
    from conftest import tiny_records

    records = tiny_records()
    assert len({len(r["text"]) for r in records}) > 1
    return records


def test_onnx_fp32_and_int8_paths_agree_with_torch(tiny_bert_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    from actorstance.models import load_model

    records = tiny_records_with_lengths()
    model = tiny_model(tiny_bert_dir, epochs=3, onnx=True, int8=True).fit(records)
    assert set(model.onnx_sessions_) == {"fp32", "int8"}
    feats = model._encode(records)
    torch_logits = model._logits_torch(feats)
    np.testing.assert_allclose(model._logits_onnx("fp32", feats), torch_logits, atol=1e-4)
    q = model.predict_proba(records)
    assert np.allclose(q.sum(axis=1), 1, atol=1e-5)
    assert (q.argmax(axis=1) == torch_logits.argmax(axis=1)).mean() >= 0.9
    path = model.save(tmp_path / "m")
    assert (path / "model.onnx").is_file() and (path / "model_int8.onnx").is_file()
    np.testing.assert_allclose(load_model(path).predict_proba(records), q, atol=1e-6)
    # a recheck margin of 1 sends every row back to fp32; 0 keeps raw int8
    model.int8_recheck = 1.0
    np.testing.assert_allclose(model.predict_proba(records), softmax(model._logits_onnx("fp32", feats)), atol=1e-6)
    model.int8_recheck = 0.0
    np.testing.assert_allclose(model.predict_proba(records), softmax(model._logits_onnx("int8", feats)), atol=1e-6)
    model.int8 = False  # fp32 through ONNX Runtime alone
    np.testing.assert_allclose(model.predict_proba(records), softmax(torch_logits), atol=1e-4)
    # a model saved with its int8 copy uses it unasked; fp32=True (--fp32) keeps it off, and one pair's
    # probability is then the same alone as beside other records (int8 sets its scale per batch)
    from actorstance.errors import ActorstanceError
    from actorstance.models import load_for_prediction

    assert load_for_prediction(path).int8
    exact = load_for_prediction(path, fp32=True)
    assert not exact.int8
    np.testing.assert_allclose(exact.predict_proba(records), softmax(torch_logits), atol=1e-4)
    np.testing.assert_allclose(exact.predict_proba(records[:1]), softmax(torch_logits[:1]), atol=1e-4)
    with pytest.raises(ActorstanceError, match="--fp32 and --int8"):
        load_for_prediction(path, int8=True, fp32=True, flag=lambda name: "--" + name)


def test_onnx_copies_can_be_switched_on_after_training(tiny_bert_dir, tmp_path):
    pytest.importorskip("onnxruntime")
    from actorstance.models import load_model

    records = tiny_records_with_lengths()
    path = tiny_model(tiny_bert_dir, epochs=1, threads=1).fit(records).save(tmp_path / "m")
    assert not list(path.glob("*.onnx"))
    model = load_model(path)
    assert model.onnx_sessions_ == {}
    assert model.threads is None  # a training-time thread count is not carried into prediction
    torch_proba = model.predict_proba(records)
    model.use_onnx(fp32=False, int8=True)
    assert model.int8 and not model.onnx and set(model.onnx_sessions_) == {"int8"}
    model.use_onnx()
    assert model.onnx and set(model.onnx_sessions_) == {"fp32", "int8"}
    model.int8 = False
    np.testing.assert_allclose(model.predict_proba(records), torch_proba, atol=1e-4)


@pytest.mark.parametrize("head_name", ["markers", "markers_mean"])
def test_marker_head_reads_the_marker_positions_and_round_trips(tiny_bert_dir, tmp_path, head_name):
    pytest.importorskip("onnxruntime")
    import torch

    from actorstance.models import load_model

    records = tiny_records_with_lengths()
    model = tiny_model(tiny_bert_dir, epochs=2, head=head_name, onnx=True).fit(records, records)
    head = model.head_
    assert head is not None and head.linear.in_features == 3 * model.model_.config.hidden_size
    feats = model._encode(records)
    torch_logits = model._logits_torch(feats)
    # the same logits as pooling [CLS], [A] and [T] by hand
    _, batch = next(model._batches(feats, [[0]]))
    inputs = {k: torch.from_numpy(v) for k, v in batch.items()}
    with torch.inference_mode():
        hidden = model.model_.base_model(**inputs).last_hidden_state[0]
        ids = inputs["input_ids"][0].tolist()
        whole = hidden.mean(dim=0) if head_name == "markers_mean" else hidden[0]  # one example: no padding
        pooled = torch.cat([whole, hidden[ids.index(head.actor_id)], hidden[ids.index(head.target_id)]])
        np.testing.assert_allclose(head.linear(pooled).numpy(), torch_logits[0], atol=1e-5)
    np.testing.assert_allclose(model._logits_onnx("fp32", feats), torch_logits, atol=1e-4)
    path = model.save(tmp_path / "m")
    assert (path / "head.safetensors").is_file()
    loaded = load_model(path)
    loaded.onnx = False
    np.testing.assert_allclose(loaded.predict_proba(records), softmax(torch_logits), atol=1e-5)
    (path / "head.safetensors").unlink()
    from actorstance.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="head.safetensors"):
        load_model(path)


def test_span_head_reads_each_sentence_once_for_all_its_pairs(tiny_bert_dir, tmp_path):
    """head=spans: a pair's logits come from the mean outputs over its actor's and target's tokens
    in the plain sentence (or over its name, encoded alone, where it is not in the sentence); they
    do not depend on which other pairs share the batch; ONNX and a saved copy give the same."""
    pytest.importorskip("onnxruntime")
    import torch

    from actorstance.models import load_model

    text = "Anna Weber praised the climate bill while Marco Ruiz attacked it."
    pairs = [{"text": text, "actor": a, "target": t, "label": lab} for a, t, lab in [
        ("Anna Weber", "the climate bill", "supportive"), ("Marco Ruiz", "the climate bill", "critical"),
        ("Anna Weber", "Marco Ruiz", "neutral"), ("Marco Ruiz", "Anna Weber", "neutral")]]
    absent = {"text": "It was a disgrace.", "actor": "Marco Ruiz", "target": "the climate bill", "label": "critical"}
    records = tiny_records_with_lengths() + pairs + [absent]
    model = tiny_model(tiny_bert_dir, epochs=2, head="spans", onnx=True).fit(records, records)
    assert not set(MARKER_TOKENS) & set(model.tokenizer_.get_vocab())  # the plain sentence: no marker tokens
    feats = model._encode(pairs + [absent])
    _, batch = next(model._batches(feats, [list(range(5))]))
    assert batch["input_ids"].shape[0] == 2  # one sentence, one other sentence; and apart, shorter,
    assert batch["name_ids"].shape[0] == 2  # two names (Marco Ruiz, the climate bill)
    assert batch["name_ids"].shape[1] < batch["input_ids"].shape[1]
    logits = model._logits_torch(feats)
    for i in range(5):  # alone in its batch, each pair scores the same
        np.testing.assert_allclose(model._logits_torch([feats[i]]), logits[i:i + 1], atol=1e-5)
    # by hand for the first pair: means over "Anna Weber" and "the climate bill"
    head, tok = model.head_, model.tokenizer_
    enc = tok(text, return_offsets_mapping=True)
    within = lambda s, e: [j for j, (a, b) in enumerate(enc["offset_mapping"]) if b > a and a < e and b > s]  # noqa: E731
    with torch.inference_mode():
        states = model.model_.base_model(input_ids=torch.tensor([enc["input_ids"]])).last_hidden_state[0]
        actor = states[within(0, 10)].mean(0)
        target = states[within(text.index("the climate"), text.index(" while"))].mean(0)
        pair = torch.cat([states.mean(0), actor, target, actor * target])
        by_hand = head.out(torch.nn.functional.gelu(head.hidden(pair)))
    np.testing.assert_allclose(by_hand.numpy(), logits[0], atol=1e-5)
    # an actor outside the sentence is read from its name
    other = model._logits_torch(model._encode([{**absent, "actor": "Anna Weber"}]))
    assert not np.allclose(other, logits[4:5], atol=1e-4)
    np.testing.assert_allclose(model._logits_onnx("fp32", feats), logits, atol=1e-4)
    np.testing.assert_allclose(model._logits_onnx("fp32", feats[4:]), logits[4:], atol=1e-4)  # other shapes
    # span_between: the words between the mentions join the pair's features ("praised", for pair 0)
    wide = tiny_model(tiny_bert_dir, epochs=1, head="spans", span_between=True).fit(records)
    assert wide.head_.hidden.in_features == 5 * wide.model_.config.hidden_size
    wide_feats = wide._encode(pairs)
    np.testing.assert_allclose(wide._logits_torch(wide_feats[:1]), wide._logits_torch(wide_feats)[:1], atol=1e-5)
    # span_attention: each pair's own attention over its sentence; it starts as the sentence mean (a zero query)
    asked = tiny_model(tiny_bert_dir, epochs=2, head="spans", span_attention=True, onnx=True, head_lr=1e-2)
    asked._load_pretrained()
    assert asked.head_.hidden.in_features == 5 * asked.model_.config.hidden_size
    asked.fit(records)
    asked_feats = asked._encode(pairs + [absent])
    asked_logits = asked._logits_torch(asked_feats)
    for i in range(5):  # each pair attends over its own sentence only, whatever else is in the batch
        np.testing.assert_allclose(asked._logits_torch([asked_feats[i]]), asked_logits[i:i + 1], atol=1e-5)
    np.testing.assert_allclose(asked._logits_onnx("fp32", asked_feats), asked_logits, atol=1e-4)
    assert asked.head_.actor_distance.weight.abs().sum() > 0  # the distance biases learned something
    buckets = asked.head_._distance_bucket(torch.tensor([0, 0, -1]), torch.tensor([2, 2, 0]), torch.tensor([4, 4, 1]),
                                           torch.arange(8)[None, :].expand(3, -1))
    assert buckets[0].tolist() == [4, 5, 6, 6, 7, 8, 8, 9]  # 2 before, 1 before, inside, 1 after, 2-3 after, 4 after
    assert buckets[2].tolist() == [13] * 8  # a name outside the sentence: no distances
    from actorstance.errors import ConfigError

    with pytest.raises(ConfigError, match="span_attention"):
        tiny_model(tiny_bert_dir, head="markers", encoding="markers", span_attention=True).fit([])
    reloaded = load_model(asked.save(tmp_path / "asked"))
    reloaded.onnx = False
    np.testing.assert_allclose(reloaded._logits_torch(asked_feats), asked_logits, atol=1e-5)
    path = model.save(tmp_path / "spans")
    loaded = load_model(path)
    loaded.onnx = False
    np.testing.assert_allclose(loaded.predict_proba(pairs + [absent]), softmax(logits), atol=1e-5)


@pytest.mark.slow
def test_a_saved_model_can_be_the_starting_point_of_another(tiny_bert_dir, tmp_path):
    """model.pretrained may name a saved actorstance model: training goes on from its encoder,
    marker tokens and head (e.g. NewsMTSC first, then your own sentences)."""
    records = tiny_records_with_lengths()
    first = tiny_model(tiny_bert_dir, epochs=2, head="markers").fit(records)
    path = first.save(tmp_path / "first")
    second = tiny_model(str(path), head="markers")
    second._load_pretrained()
    assert len(second.tokenizer_) == len(first.tokenizer_)  # the markers are not added twice
    feats = first._encode(records)
    assert second._encode(records) == feats
    np.testing.assert_allclose(second._logits_torch(feats), first._logits_torch(feats), atol=1e-5)
    fresh = tiny_model(tiny_bert_dir, head="markers")
    fresh._load_pretrained()
    assert not np.allclose(fresh._logits_torch(feats), first._logits_torch(feats), atol=1e-3)
    second.fit(records)  # and it trains on from there
    assert second.predict_proba(records).shape == (len(records), len(LABELS))


def test_class_weights_favour_rare_labels():
    labels = np.array([0] * 2 + [1] * 6 + [2] * 16)  # supportive, critical, neutral ids
    balanced = class_weights(labels, "balanced")
    np.testing.assert_allclose(balanced, [24 / 6, 24 / 18, 24 / 48])
    np.testing.assert_allclose(class_weights(labels, "sqrt"), np.sqrt(balanced))
    assert class_weights(labels, None) is None


@pytest.mark.slow
def test_label_smoothing_tempers_confidence(tiny_bert_dir):
    from conftest import tiny_records

    records = [{**r, "label": "critical"} for r in tiny_records()]  # learnable even by a random tiny BERT
    sharp = tiny_model(tiny_bert_dir, epochs=20).fit(records).predict_proba(records).max(axis=1)
    smooth = tiny_model(tiny_bert_dir, epochs=20, label_smoothing=0.9).fit(records).predict_proba(records).max(axis=1)
    # smoothing 0.9 over 3 labels aims at 0.4 for the gold label: the model cannot grow sure of anything
    assert smooth.mean() < 0.5 < sharp.mean()


def test_bad_options_fail_clearly(tiny_bert_dir, tiny_dataset):
    from actorstance.errors import ConfigError

    with pytest.raises(ConfigError, match="encoding"):
        tiny_model(tiny_bert_dir, encoding="prompt").fit(tiny_dataset)
    with pytest.raises(ConfigError, match="pretrained"):
        tiny_model(str(ROOT / "no-such-encoder")).fit(tiny_dataset)
    with pytest.raises(ConfigError, match="class_weight"):
        tiny_model(tiny_bert_dir, class_weight="inverse").fit(tiny_dataset)
    with pytest.raises(ConfigError, match="label_smoothing"):
        tiny_model(tiny_bert_dir, label_smoothing=1.0).fit(tiny_dataset)
    with pytest.raises(ConfigError, match="head"):
        tiny_model(tiny_bert_dir, head="pooler").fit(tiny_dataset)
    with pytest.raises(ConfigError, match="marker"):
        tiny_model(tiny_bert_dir, head="markers", encoding="pair").fit(tiny_dataset)


def test_config_instantiates_with_best_defaults():
    from hydra.utils import instantiate

    model = instantiate(compose(["model=transformer"]).model)
    assert isinstance(model, TransformerStanceModel) and model.pretrained == "default"
    assert model.encoding in ("markers", "pair", "markers+pair") and set(LABELS)


def test_a_hub_name_fails_at_once_without_a_network(monkeypatch):
    from actorstance.errors import ConfigError
    from actorstance.models import hf

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE is set"):
        hf.resolve_pretrained("org/some-encoder")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")
    with pytest.raises(ConfigError, match="hub.invalid cannot be reached"):
        hf.resolve_pretrained("org/some-encoder")
