"""One contract, every model family: fit / predict_proba / predict / save / load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from actorstance import LABELS
from actorstance.errors import ModelLoadError
from actorstance.models import load_model


def make_tfidf(encoder):
    from actorstance.models.tfidf import TfidfStanceModel

    return TfidfStanceModel(seed=0)


def make_transformer(encoder):
    from actorstance.models.transformer import TransformerStanceModel

    return TransformerStanceModel(pretrained=encoder, epochs=1, batch_size=8, max_length=64, lr=1e-3,
                                  progress=False, seed=0)


def make_embedding(encoder):
    from actorstance.models.embedding import EmbeddingStanceModel

    return EmbeddingStanceModel(pretrained=encoder, batch_size=8, max_length=64, seed=0)


#: family -> factory(tiny encoder dir) of a small, fast, untrained model. New families add themselves here.
FACTORIES = {"tfidf": make_tfidf, "transformer": make_transformer, "embedding": make_embedding}


@pytest.fixture(params=sorted(FACTORIES))
def fitted(request, tiny_bert_dir, tiny_dataset):
    model = FACTORIES[request.param](tiny_bert_dir)
    return model.fit(tiny_dataset, tiny_dataset)


def test_predict_proba_shape_order_and_types(fitted, tiny_dataset):
    proba = fitted.predict_proba(tiny_dataset)
    assert isinstance(proba, np.ndarray) and proba.shape == (len(tiny_dataset), len(LABELS))
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5) and (proba >= 0).all()
    pred = fitted.predict(tiny_dataset)
    assert isinstance(pred, list) and set(pred) <= set(LABELS)
    assert pred == [LABELS[i] for i in proba.argmax(axis=1)]
    # a list of dicts gives the same as a Dataset; an empty input gives an empty (0, 3) array
    assert np.allclose(fitted.predict_proba(list(tiny_dataset)), proba, atol=1e-5)
    assert fitted.predict_proba([]).shape == (0, len(LABELS))


def test_save_load_round_trip_is_identical(fitted, tiny_dataset, tmp_path):
    path = fitted.save(tmp_path / "m")
    loaded = load_model(path)
    assert type(loaded) is type(fitted)
    np.testing.assert_array_equal(loaded.predict_proba(tiny_dataset), fitted.predict_proba(tiny_dataset))
    meta = json.loads((path / "meta.json").read_text())
    assert meta["labels"] == list(LABELS) and meta["family"] == fitted.family
    assert not list(path.rglob("*.pkl")) and not list(path.rglob("*.joblib")) and not list(path.rglob("*.bin"))


def test_tampered_or_corrupted_model_fails_clearly(fitted, tmp_path):
    path = fitted.save(tmp_path / "m")
    weights = next(p for p in path.iterdir() if p.name != "meta.json" and p.is_file())
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        load_model(path)
    (path / "meta.json").write_text("{ truncated")
    with pytest.raises(ModelLoadError, match="corrupted"):
        load_model(path)
    with pytest.raises(ModelLoadError, match="not found"):
        load_model(tmp_path / "nowhere")


def _edit_meta(path, change):
    meta = json.loads((path / "meta.json").read_text())
    change(meta)
    (path / "meta.json").write_text(json.dumps(meta))


def _set_nan_weights(path):
    from safetensors.numpy import load_file

    _set_weights(path, coef=np.full_like(load_file(str(path / "weights.safetensors"))["coef"], np.nan))


def _set_weights(path, **changed):
    """Edit the tfidf weights and re-hash them (an edit the checksums cannot catch)."""
    from safetensors.numpy import load_file, save_file

    from actorstance.atomic import sha256_file

    arrays = load_file(str(path / "weights.safetensors"))
    arrays.update(changed)
    save_file(arrays, str(path / "weights.safetensors"))
    _edit_meta(path, lambda m: m["files"].update({"weights.safetensors": sha256_file(path / "weights.safetensors")}))


@pytest.mark.parametrize("tamper, expected", [
    (lambda p: _edit_meta(p, lambda m: m["params"].update(C="abc")), "params: could not convert"),
    (lambda p: _edit_meta(p, lambda m: m["params"].update(surprise=1)), "params: .*unexpected keyword"),
    (lambda p: _edit_meta(p, lambda m: m.update(family="nonsense")), "unknown model family"),
    (lambda p: _edit_meta(p, lambda m: m.update(files=["weights.safetensors"])), "files: expected"),
    (lambda p: _edit_meta(p, lambda m: m.update(params=[1, 2])), "params: expected an object"),
    (lambda p: _edit_meta(p, lambda m: m["files"].update({"../outside.txt": "0" * 64})), "not a file inside"),
    (lambda p: _edit_meta(p, lambda m: m["files"].update({"/etc/hostname": "0" * 64})), "not a file inside"),
    (lambda p: (p / "extra.py").write_text("print('hi')"), "files that meta.json does not list"),
    (lambda p: (p / "link").symlink_to("/etc/hostname"), "files that meta.json does not list"),
    (_set_nan_weights, "non-finite weights in coef"),
    (lambda p: _set_weights(p, **{"idf.word": np.full(3, np.nan, dtype=np.float32)}), "non-finite weights in idf.word"),
    (lambda p: _edit_meta(p, lambda m: m["params"].update(word_ngrams="abc")), "model.word_ngrams: 'abc'"),
    (lambda p: _edit_meta(p, lambda m: m["params"].update(char_ngrams=[5, 2])), "model.char_ngrams"),
    (lambda p: _set_weights(p, classes=np.array([0, 1, 7])), "expected distinct label ids"),
])
def test_edited_model_metadata_fails_clearly(tmp_path, tiny_dataset, tamper, expected):
    path = make_tfidf(None).fit(tiny_dataset).save(tmp_path / "m")
    tamper(path)
    with pytest.raises(ModelLoadError, match=expected):
        load_model(path).predict_proba(tiny_dataset)


def test_save_is_atomic(fitted, tmp_path, monkeypatch):
    target = fitted.save(tmp_path / "m")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def crash(directory):
        (Path(directory) / "half.bin").write_bytes(b"x")
        raise OSError("disk full")

    monkeypatch.setattr(fitted, "_save_weights", crash)
    with pytest.raises(OSError):
        fitted.save(target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before  # the old model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary left behind


def test_unfitted_model_refuses_to_predict(tmp_path, tiny_dataset):
    for factory in FACTORIES.values():
        with pytest.raises(RuntimeError, match="not fitted"):
            factory(None).predict_proba(tiny_dataset)


def test_tfidf_masks_names(tiny_dataset):
    """The tfidf features see 'the actor', so swapping names does not change the prediction."""
    from actorstance.models.tfidf import TfidfStanceModel, _views

    v = _views({"text": "Weber praised Ruiz.", "actor": "Weber", "target": "Ruiz", "actor_span": None, "target_span": None})
    assert "Weber" not in v["word"] and "actorx" in v["word"] and "targetx" in v["word"]
    model = TfidfStanceModel().fit(tiny_dataset)
    a = {"text": "Jones praised Smith warmly.", "actor": "Jones", "target": "Smith"}
    b = {"text": "Brown praised Smith warmly.", "actor": "Brown", "target": "Smith"}
    np.testing.assert_allclose(model.predict_proba([a]), model.predict_proba([b]), atol=1e-2)


def test_every_example_is_checked_not_only_the_first(tiny_dataset):
    model = make_tfidf(None).fit(tiny_dataset)
    good = {"text": "Anna praised Marco.", "actor": "Anna", "target": "Marco"}
    with pytest.raises(ValueError, match="example 1 lacks \\['target'\\]"):
        model.predict_proba([good, {"text": "x", "actor": "y"}])


def test_parameters_have_one_source_of_truth(tiny_dataset):
    model = make_tfidf(None)
    model.C = 0.5
    assert model.get_params()["C"] == 0.5
