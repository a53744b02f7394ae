"""The embedding family: actor/target-aware pooling, order, long sentences, self-contained saves."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from conftest import tiny_records

pytest.importorskip("torch")
pytest.importorskip("transformers")

from actorstance.errors import ConfigError, ModelLoadError  # noqa: E402
from actorstance.models import load_model  # noqa: E402
from actorstance.models.embedding import EmbeddingStanceModel, _prepare  # noqa: E402

HIDDEN = 32  # the tiny BERT's hidden size


@pytest.fixture
def model(tiny_bert_dir, tiny_dataset):
    return EmbeddingStanceModel(pretrained=tiny_bert_dir, features=["sentence", "actor", "target", "between"],
                                markers="none", batch_size=4, max_length=64).fit(tiny_dataset)


def slot(X, k):
    return X[:, k * HIDDEN:(k + 1) * HIDDEN]


def test_actor_and_target_change_the_features(model):
    text = "Moscow accused Kyiv of violating the truce overnight."
    base = {"text": text, "actor": "Moscow", "target": "Kyiv"}
    swapped = {"text": text, "actor": "Kyiv", "target": "Moscow"}
    writer = {"text": text, "actor": "", "target": "Kyiv"}
    other_target = {"text": text, "actor": "Moscow", "target": "the truce"}
    X = model._embed([base, swapped, writer, other_target])
    # the same sentence vector, but actor and target slots trade places when the roles swap
    np.testing.assert_allclose(slot(X, 0)[0], slot(X, 0)[1], atol=1e-6)
    np.testing.assert_allclose(slot(X, 1)[0], slot(X, 2)[1], atol=1e-6)
    np.testing.assert_allclose(slot(X, 2)[0], slot(X, 1)[1], atol=1e-6)
    assert np.abs(slot(X, 1)[0] - slot(X, 2)[0]).max() > 1e-3  # Moscow's vector is not Kyiv's
    # the writer as holder: an empty actor slot and the has-actor flag off
    assert not slot(X, 1)[2].any() and X[2, -3] == 0 and X[0, -3] == 1
    assert np.abs(slot(X, 2)[3] - slot(X, 2)[0]).max() > 1e-3  # another target, another vector
    assert X[0, -1] == 1 and X[1, -1] == 0  # actor-first flag
    proba = model.predict_proba([base, swapped, writer])
    assert np.abs(proba[0] - proba[1]).max() > 1e-4 and np.abs(proba[0] - proba[2]).max() > 1e-4


def test_markers_change_the_encoded_text(tiny_bert_dir, tiny_dataset):
    plain = EmbeddingStanceModel(pretrained=tiny_bert_dir, features=["sentence"], markers="none").fit(tiny_dataset)
    marked = EmbeddingStanceModel(pretrained=tiny_bert_dir, features=["sentence", "actor"], markers="wrap").fit(tiny_dataset)
    ex = tiny_records()[:1]
    assert np.abs(plain._embed(ex)[:, :HIDDEN] - marked._embed(ex)[:, :HIDDEN]).max() > 1e-3
    # each role has its own markers, and the pooled spans point at the marked mentions
    text, spans = _prepare(ex[0], "wrap")
    assert "<< Anna Weber >>" in text and "[[ the ceasefire deal ]]" in text
    assert text[slice(*spans["actor"])] == "<< Anna Weber >>"
    assert text[slice(*spans["target"])] == "[[ the ceasefire deal ]]"


def test_order_and_batching_do_not_change_predictions(model, tiny_dataset):
    records = list(tiny_dataset)
    proba = model.predict_proba(records)
    perm = np.random.default_rng(0).permutation(len(records))
    np.testing.assert_allclose(model.predict_proba([records[i] for i in perm]), proba[perm], atol=1e-5)
    model.batch_size = 64  # one padded batch instead of sorted small ones
    np.testing.assert_allclose(model.predict_proba(records), proba, atol=1e-5)


def test_long_sentences_are_cut_around_the_mentions(tiny_bert_dir, tiny_dataset):
    filler = " ".join(["the committee scheduled a hearing on monday"] * 12)
    ex = {"text": f"{filler} and then Moscow accused Kyiv of violating the truce.", "actor": "Moscow", "target": "Kyiv"}
    short = EmbeddingStanceModel(pretrained=tiny_bert_dir, features=["actor", "target"], max_length=16).fit(tiny_dataset)
    X = short._embed([ex])
    assert slot(X, 0).any() and slot(X, 1).any()  # both mentions survive the cut (a cut at the end loses them)
    assert X[0, -3] == 1 and X[0, -2] == 1


def test_save_load_is_self_contained(tiny_bert_dir, tiny_dataset, tmp_path, monkeypatch):
    encoder = shutil.copytree(tiny_bert_dir, tmp_path / "encoder-src")
    model = EmbeddingStanceModel(pretrained=str(encoder), max_length=64).fit(tiny_dataset)
    path = model.save(tmp_path / "m")
    shutil.rmtree(encoder)  # the original encoder is gone: the directory must carry its own
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(tiny_dataset), model.predict_proba(tiny_dataset))
    files = {p.name for p in path.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "head.safetensors"} <= files
    assert not [f for f in files if f.endswith((".bin", ".pkl", ".pt"))]
    # encoder files are checksummed like every other file
    (path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        load_model(path)


def test_referencing_the_encoder_instead_of_copying(tiny_bert_dir, tiny_dataset, tmp_path):
    encoder = shutil.copytree(tiny_bert_dir, tmp_path / "encoder-src")
    model = EmbeddingStanceModel(pretrained=str(encoder), copy_encoder=False).fit(tiny_dataset)
    path = model.save(tmp_path / "m")
    assert not (path / "model.safetensors").exists() and not (path / "config.json").exists()
    np.testing.assert_array_equal(load_model(path).predict_proba(tiny_dataset), model.predict_proba(tiny_dataset))
    other = EmbeddingStanceModel(pretrained=str(encoder))
    other._load_encoder(str(encoder))
    for p in other.encoder_.parameters():  # the referenced encoder changes after saving
        p.data.mul_(1.01)
    other.encoder_.save_pretrained(encoder)
    with pytest.raises(ModelLoadError, match="not the one this model was trained with"):
        load_model(path)
    shutil.rmtree(encoder)
    with pytest.raises(ModelLoadError, match="saved without its encoder"):
        load_model(path)


def test_bad_parameters_fail_clearly(tiny_bert_dir, tiny_dataset):
    with pytest.raises(ConfigError, match="model.features"):
        EmbeddingStanceModel(pretrained=tiny_bert_dir, features=["sentence", "verb"]).fit(tiny_dataset)
    with pytest.raises(ConfigError, match="model.markers"):
        EmbeddingStanceModel(pretrained=tiny_bert_dir, markers="bold").fit(tiny_dataset)
