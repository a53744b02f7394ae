"""Shared fixtures: a tiny hand-written data set and composed Hydra configs (no global state)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: A German news paragraph: an article that does not read as English.
GERMAN = ("Die Bundesregierung hat am Montag neue Sanktionen gegen Russland beschlossen. Bundeskanzler Olaf Scholz "
          "sagte, man werde die Ukraine weiter unterstützen, solange es nötig sei. Die Opposition kritisierte das "
          "Paket als zu schwach und forderte schärfere Maßnahmen gegen die russische Energiewirtschaft.\n")
sys.path.insert(0, str(ROOT / "src"))

TINY = [
    ("Chancellor Anna Weber praised the ceasefire deal as a real breakthrough.", "Anna Weber", "the ceasefire deal", "supportive", "g1"),
    ("Weber said Berlin would back the monitoring mission with funds and staff.", "Berlin", "the monitoring mission", "supportive", "g1"),
    ("Opposition leader Marco Ruiz dismissed the ceasefire deal as a stunt.", "Marco Ruiz", "the ceasefire deal", "critical", "g1"),
    ("The foreign ministry condemned the shelling of the port city.", "The foreign ministry", "the shelling", "critical", "g2"),
    ("President Ama Owusu met Prime Minister Lee Jun in Accra on Monday.", "Ama Owusu", "Lee Jun", "neutral", "g2"),
    ("Lee Jun and Ama Owusu discussed cocoa exports during the visit.", "Lee Jun", "Ama Owusu", "neutral", "g2"),
    ("The IMF welcomed the budget reforms announced by the finance ministry.", "The IMF", "the budget reforms", "supportive", "g3"),
    ("Trade unions blasted the budget reforms, calling them an attack on pensions.", "Trade unions", "the budget reforms", "critical", "g3"),
    ("Finance Minister Sara Lind will present the budget reforms to parliament on Friday.", "Sara Lind", "parliament", "neutral", "g3"),
    ("The court upheld the ruling against the mining company.", "The court", "the mining company", "critical", "g4"),
    ("Environmental groups applauded the court for protecting the river.", "Environmental groups", "the court", "supportive", "g4"),
    ("The mining company said it had received the ruling and was studying it.", "The mining company", "the ruling", "neutral", "g4"),
    ("Senator Paul Grant voiced strong support for the climate bill.", "Paul Grant", "the climate bill", "supportive", "g5"),
    ("Industry lobbyists warned the climate bill would cost thousands of jobs.", "Industry lobbyists", "the climate bill", "critical", "g5"),
    ("The committee scheduled a hearing on the climate bill for next week.", "The committee", "the climate bill", "neutral", "g5"),
    ("Moscow accused Kyiv of violating the truce overnight.", "Moscow", "Kyiv", "critical", "g6"),
    ("Kyiv thanked Warsaw for its steadfast help with fuel supplies.", "Kyiv", "Warsaw", "supportive", "g6"),
    ("Envoys from Kyiv and Warsaw held a phone call on Tuesday.", "Kyiv", "Warsaw", "neutral", "g6"),
]


def load_script(relative: str):
    """A script of the repository that is not part of the package (benchmarks/*.py, data/describe.py), as a module."""
    import importlib.util

    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_records() -> list[dict]:
    out = []
    for i, (text, actor, target, label, group) in enumerate(TINY):
        out.append({"id": f"t{i}", "text": text, "actor": actor, "target": target, "label": label, "group": group})
    return out


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def tiny_jsonl(tmp_path) -> Path:
    return write_jsonl(tmp_path / "tiny.jsonl", tiny_records())


@pytest.fixture
def tiny_dataset():
    from actorstance.data import to_dataset, validate_rows, RawRow

    return to_dataset(validate_rows([RawRow(i + 1, r) for i, r in enumerate(tiny_records())], Path("tiny.jsonl")))


def compose(overrides: list[str] | None = None):
    """The train config as ``python train.py OVERRIDES`` would see it (without running Hydra)."""
    from hydra import compose as hydra_compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        return hydra_compose(config_name="train", overrides=overrides or [], return_hydra_config=False)


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> str:
    """A tiny random BERT (and a word-level tokenizer) saved to disk: no network, loads in ms."""
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def make_tiny_bert(path: Path) -> str:
    """Write the tiny random BERT of ``tiny_bert_dir`` to ``path`` (for model factories that get only a path)."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    words = sorted({w.strip(".,'\"").lower() for r in tiny_records() for w in r["text"].split()} - {""})
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {tok: i for i, tok in enumerate(special + words)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                                cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                                model_max_length=128)
    fast.save_pretrained(path)
    config = transformers.BertConfig(vocab_size=len(vocab) + 16, hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=37, max_position_embeddings=128)
    transformers.BertModel(config).save_pretrained(path)
    return str(path)


@pytest.fixture(scope="session")
def tiny_tfidf_dir(tmp_path_factory):
    """A tfidf model trained on the tiny data set, saved (for the CLI tests)."""
    from actorstance.data import RawRow, to_dataset, validate_rows
    from actorstance.models.tfidf import TfidfStanceModel

    ds = to_dataset(validate_rows([RawRow(i + 1, r) for i, r in enumerate(tiny_records())], Path("tiny.jsonl")))
    path = tmp_path_factory.mktemp("tiny-tfidf") / "model"
    TfidfStanceModel(seed=0).fit(ds).save(path)
    return path
