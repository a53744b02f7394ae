"""Fine-tuned Hugging Face encoder that is told who holds the stance and toward what.

The actor and the target reach the model explicitly, in one of three ``encoding`` s:

- ``markers``: the sentence with ``[A] ... [/A]`` around the actor mention and
  ``[T] ... [/T]`` around the target mention (where the mention is found in the text);
- ``pair``: a prompt ``actor: X; target: Y`` (``the writer`` for an empty actor) as the
  first segment of a text pair, the plain sentence as the second;
- ``markers+pair``: both.

``marker_tokens=True`` adds the markers to the vocabulary as single new tokens (their
embeddings start as the mean of the word pieces they replace); otherwise they stay plain
text that the tokenizer splits. Sentences longer than ``max_length`` are cut to a window
around the mentions, not at the end. ``head="cls"`` classifies with the encoder's own
sequence-classification head on [CLS] (a plain Hugging Face model); ``head="markers"`` from
the outputs at [CLS], [A] and [T] (:mod:`.marker_head`; better on Park 2021's named pairs);
``head="markers_mean"`` the same with the mean of all token outputs in place of [CLS] (the
pooling sentence-transformers encoders such as the default were trained with);
``head="spans"`` reads the plain sentence once for all its pairs, from the mean outputs over
the actor's and the target's tokens (:mod:`.span_head`; the articles' scorer: a sentence holds
about ten candidate pairs).

Training is a plain PyTorch loop (no Trainer: it imports slowly and length-groups its own
prediction order): length-grouped batches with dynamic padding, fused AdamW (optionally with
its own learning rate for the new head and layer-wise decay), linear warmup and decay,
optional class weights, gradient accumulation, early stopping on dev macro-F1 with the best
weights kept. ``distill_from`` names a saved model (any family; e.g. an MPNet scorer trained on a
GPU), or a list of them (an ensemble of seeds, averaged), whose probabilities on the training
examples become soft targets beside the gold labels
(knowledge distillation, Hinton et al. 2015): a small, fast student learns what the large
teacher learned. Prediction sorts by length and restores the input order. With
BERT-style encoders compute their last layer for the [CLS] position only at prediction
(:mod:`.cls_only`; same logits, ~15% faster). ``onnx=True`` predicts with an ONNX Runtime
fp32 export of that model (``model.onnx``), ``int8=True`` with a dynamically quantised copy
(``model_int8.onnx``); ONNX is data, loading it runs no code. int8 noise flips only close
calls, so predictions whose two best probabilities lie less than ``int8_recheck`` apart are
recomputed in fp32 (about 6% of NewsMTSC dev rows at 0.2; 0 turns this off).

This module is the model itself: parameters, loading the encoder, ``fit`` as a sequence of
steps, prediction and saving. The parts live beside it: :mod:`.transformer_inputs` (encoding
and batching), :mod:`.transformer_training` (the fine-tuning loop and its pieces),
:mod:`.onnx_runtime` (ONNX export, quantisation and sessions) and :mod:`.threads`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from .. import LABEL2ID, LABELS
from ..errors import ConfigError, ModelLoadError
from .base import StanceModel, _as_records, check_examples
from .hf import resolve_pretrained
from .onnx_runtime import ONNX_FILES, TRACE_EXAMPLES, batch_logits, export, input_names, open_sessions
from .threads import n_threads
from .transformer_inputs import MARKER_TOKENS, MARKERS, TransformerInputs, model_strings
from .transformer_training import FineTuningMixin, class_weights

__all__ = ["ENCODINGS", "HEADS", "HEAD_FILE", "LOG_FILE", "MARKERS", "MARKER_TOKENS", "ONNX_FILES",
           "TransformerStanceModel", "class_weights", "model_strings", "n_threads", "softmax"]

log = logging.getLogger(__name__)

ENCODINGS = ("markers", "pair", "markers+pair")
HEADS = ("cls", "markers", "markers_mean", "spans")
HEAD_FILE = "head.safetensors"
LOG_FILE = "training_log.json"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise probabilities from logits (shifted by the row maximum, so exp cannot overflow)."""
    logits = logits - logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    return (proba / proba.sum(axis=1, keepdims=True)).astype(np.float32)


def _teachers(distill_from) -> str | list[str] | None:
    """``model.distill_from`` as saved: one model as a string, several (Hydra's list) as a list."""
    if not distill_from:
        return None
    if isinstance(distill_from, (str, Path)):
        return str(distill_from)
    return [str(d) for d in distill_from]


class TransformerStanceModel(TransformerInputs, FineTuningMixin, StanceModel):
    """Fine-tunes any Hugging Face encoder (default all-MiniLM-L6-v2, offline) on stance examples."""

    family = "transformer"

    def __init__(self, pretrained: str = "default", encoding: str = "markers+pair", marker_tokens: bool = True,
                 head: str = "cls", span_between: bool = False, span_attention: bool = False,
                 max_length: int = 128, epochs: int = 3, lr: float = 5e-5,
                 batch_size: int = 32,
                 grad_accum: int = 1, warmup: float = 0.1, weight_decay: float = 0.01,
                 class_weight: str | None = None, label_smoothing: float = 0.0, ema: float = 0.0,
                 rdrop: float = 0.0, distill_from: str | list[str] | None = None, distill_weight: float = 0.5,
                 distill_temperature: float = 2.0, rank_weight: float = 0.0, best_reading: bool = False,
                 context_tokens: int = 0, head_lr: float | None = None, layer_decay: float = 1.0, patience: int = 2,
                 eval_every: int = 0, max_grad_norm: float = 1.0, predict_batch_size: int = 64, onnx: bool = False,
                 int8: bool = False, int8_recheck: float = 0.2, threads: int | None = None, device: str = "auto",
                 progress: bool = True, seed: int = 0):
        super().__init__(pretrained=str(pretrained), encoding=str(encoding), marker_tokens=bool(marker_tokens),
                         head=str(head), span_between=bool(span_between), span_attention=bool(span_attention),
                         max_length=int(max_length), epochs=int(epochs), lr=float(lr),
                         batch_size=int(batch_size), grad_accum=int(grad_accum), warmup=float(warmup),
                         weight_decay=float(weight_decay), class_weight=class_weight,
                         label_smoothing=float(label_smoothing), ema=float(ema), rdrop=float(rdrop),
                         distill_from=_teachers(distill_from),
                         distill_weight=float(distill_weight), distill_temperature=float(distill_temperature),
                         rank_weight=float(rank_weight), best_reading=bool(best_reading),
                         context_tokens=int(context_tokens),
                         head_lr=float(head_lr) if head_lr else None, layer_decay=float(layer_decay),
                         patience=int(patience),
                         eval_every=int(eval_every), max_grad_norm=float(max_grad_norm),
                         predict_batch_size=int(predict_batch_size),
                         onnx=bool(onnx), int8=bool(int8), int8_recheck=float(int8_recheck),
                         threads=int(threads) if threads else None, device=str(device), progress=bool(progress),
                         seed=int(seed))
        self.tokenizer_: Any = None
        self.model_: Any = None
        self.head_: Any = None  # MarkerPoolingClassifier around model_ when head is not "cls"
        self.scorer_: Any = None  # the model as used for prediction (see _scorer)
        self.onnx_bytes_: dict[str, bytes] = {}  # "fp32" / "int8" -> serialized ONNX model
        self.onnx_sessions_: dict = {}
        self.training_log_: list[dict] = []

    def _torch_device(self):
        """Where the torch model runs: ``auto`` is the GPU when torch sees one. The fine-tuned
        model stays there for the run's own scoring, and a saved one loads there (unless it
        predicts with ONNX, which runs on the CPU; export moves the model to the CPU)."""
        import torch

        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(self.device)
        except RuntimeError:
            raise ConfigError(f"model.device: {self.device!r}; use auto, cpu or cuda[:N]") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"model.device={self.device}: torch sees no CUDA GPU here (use auto or cpu)")
        return device

    def _check_params(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ConfigError(f"model.encoding: {self.encoding!r} is not one of {', '.join(ENCODINGS)}")
        if self.class_weight not in (None, "balanced", "sqrt"):
            raise ConfigError(f"model.class_weight: {self.class_weight!r}; use balanced, sqrt or null")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ConfigError(f"model.label_smoothing: {self.label_smoothing}; use a share in [0, 1)")
        if self.rdrop < 0:
            raise ConfigError(f"model.rdrop: {self.rdrop}; use a weight >= 0 (0 = off)")
        if self.distill_from and not (0.0 <= self.distill_weight <= 1.0 and self.distill_temperature > 0):
            raise ConfigError(f"model.distill_weight={self.distill_weight}, model.distill_temperature="
                              f"{self.distill_temperature}: use a weight in [0, 1] and a temperature > 0")
        if self.distill_from and self.rdrop:
            raise ConfigError("model.distill_from and model.rdrop: use one of them (both change the loss)")
        if self.rank_weight < 0 or (self.rank_weight and (self.head != "spans" or self.rdrop)):
            raise ConfigError(f"model.rank_weight: {self.rank_weight}; a weight >= 0 (0 = off) that needs model.head=spans "
                              "(the pairs of a sentence together) and no model.rdrop")
        if self.best_reading and self.rdrop:
            raise ConfigError("model.best_reading and model.rdrop: use one of them (both change the loss)")
        if self.context_tokens < 0 or (self.context_tokens and self.head != "spans"):
            raise ConfigError(f"model.context_tokens: {self.context_tokens}; a number of tokens >= 0 (0 = off) that "
                              "needs model.head=spans")
        if (self.span_between or self.span_attention) and self.head != "spans":
            raise ConfigError("model.span_between / model.span_attention read the span head's pairs: they need model.head=spans")
        if not 0.0 <= self.ema < 1.0:
            raise ConfigError(f"model.ema: {self.ema}; use a decay in [0, 1) (0 = off)")
        if self.head_lr is not None and self.head_lr <= 0:
            raise ConfigError(f"model.head_lr: {self.head_lr}; use a learning rate > 0, or null for model.lr")
        if not 0.0 < self.layer_decay <= 1.0:
            raise ConfigError(f"model.layer_decay: {self.layer_decay}; use a factor in (0, 1] (1 = off)")
        if self.head not in HEADS:
            raise ConfigError(f"model.head: {self.head!r} is not one of {', '.join(HEADS)}")
        if self.head.startswith("markers") and not (self.marker_tokens and "markers" in self.encoding):
            raise ConfigError(f"model.head={self.head} reads the marker tokens: it needs model.marker_tokens=true "
                              "and model.encoding=markers or markers+pair")
        if self.max_length < 8 or self.batch_size < 1 or self.grad_accum < 1 or self.epochs < 1:
            raise ConfigError("model: max_length >= 8, batch_size, grad_accum and epochs >= 1 are required")

    # -- loading the encoder ----------------------------------------------------------------
    def _load_pretrained(self) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        source = resolve_pretrained(self.pretrained)
        try:
            self.tokenizer_ = AutoTokenizer.from_pretrained(source)
            self.model_ = AutoModelForSequenceClassification.from_pretrained(
                source, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)), label2id=dict(LABEL2ID))
        except OSError as exc:
            raise ConfigError(f"model.pretrained={self.pretrained!r}: cannot load an encoder from {source} ({exc})") from None
        if not self.tokenizer_.is_fast:
            raise ConfigError(f"model.pretrained={self.pretrained!r}: needs a fast (Rust) tokenizer for offsets")
        if self.marker_tokens and self.head != "spans":
            self._add_marker_tokens()
        self.head_ = self._new_head() if self.head != "cls" else None
        if self.head_ is not None and (Path(source) / HEAD_FILE).is_file():
            log.info("starting from the marker head saved in %s", source)  # a saved actorstance model
            self._load_head(Path(source) / HEAD_FILE)

    def _new_head(self):
        if self.head == "spans":
            from .span_head import SpanPoolingClassifier

            return SpanPoolingClassifier(self.model_, n_labels=len(LABELS), between=self.span_between,
                                         attention=self.span_attention)
        from .marker_head import MarkerPoolingClassifier

        actor_id, target_id = self.tokenizer_.convert_tokens_to_ids(["[A]", "[T]"])
        return MarkerPoolingClassifier(self.model_, actor_id, target_id, n_labels=len(LABELS),
                                       sentence="mean" if self.head == "markers_mean" else "cls")

    def _add_marker_tokens(self) -> None:
        """The markers as single new tokens, their embeddings started at the mean of the pieces they replace."""
        import torch

        tok, model = self.tokenizer_, self.model_
        pieces = {m: tok(m, add_special_tokens=False)["input_ids"] for m in MARKER_TOKENS}
        tok.add_tokens(MARKER_TOKENS, special_tokens=True)
        emb = model.get_input_embeddings()
        if len(tok) > emb.weight.shape[0]:
            model.resize_token_embeddings(len(tok), mean_resizing=False)
            emb = model.get_input_embeddings()
        with torch.no_grad():
            for m in MARKER_TOKENS:
                emb.weight[tok.convert_tokens_to_ids(m)] = emb.weight[pieces[m]].mean(dim=0)

    # -- training ---------------------------------------------------------------------------
    def fit(self, train, dev=None) -> "TransformerStanceModel":
        """Fine-tune the encoder on ``train``; with ``dev``, keep the weights of the best dev
        macro-F1 and stop once it stops improving."""
        from .. import distributed
        from .transformer_training import TrainingRun, start_torch

        self._check_params()
        records = _as_records(train)
        check_examples(records)
        if not records:
            raise ConfigError("cannot train on an empty data set")
        if not self.distill_from and any(r["label"] is None for r in records):
            raise ConfigError("unlabeled training records (data.unlabeled) need a teacher: model.distill_from=DIR")
        dev_records = _as_records(dev) if dev is not None else []
        rank, world_size, _ = distributed.init()  # a no-op without torchrun
        rng = start_torch(self.threads, self.seed, world_size)
        teacher = self._teacher_proba(records)  # before the student's encoder takes the GPU's memory
        self._load_pretrained()
        self.scorer_, self.onnx_bytes_, self.onnx_sessions_, self.training_log_ = None, {}, {}, []
        run = TrainingRun(self, records, dev_records, rank, world_size, teacher)
        run.train(rng)
        run.keep_best()
        self.training_log_.append(run.summary())
        if self._onnx_kinds() and rank == 0:  # the other ranks' models are never saved
            self._build_onnx()
        return self

    # -- prediction -------------------------------------------------------------------------
    def _scorer(self):
        """``module(**inputs) -> logits``: the marker head, or the model with its last layer for [CLS]
        only where that applies."""
        if self.head_ is not None:
            return self.head_.eval()
        if self.scorer_ is None:
            from .cls_only import logits_module

            self.scorer_ = logits_module(self.model_)
        return self.scorer_

    def _logits(self, feats: list[dict], score) -> np.ndarray:
        """Logits in input order, ``score(batch)`` over batches sorted by length."""
        out = np.zeros((len(feats), len(LABELS)), dtype=np.float32)
        for idx, batch in self._batches(feats, self._prediction_batches(feats)):
            out[idx] = score(batch)
        return out

    def _logits_torch(self, feats: list[dict]) -> np.ndarray:
        """Logits through torch, on the device the model is on."""
        import torch

        self.model_.eval()
        scorer = self._scorer()
        device = next(self.model_.parameters()).device  # the GPU while fine-tuning there, else the CPU

        def score(batch: dict) -> np.ndarray:
            return scorer(**{k: torch.from_numpy(v).to(device) for k, v in batch.items()}).float().cpu().numpy()

        with torch.inference_mode():
            return self._logits(feats, score)

    def _logits_onnx(self, kind: str, feats: list[dict]) -> np.ndarray:
        return self._logits(feats, batch_logits(self.onnx_sessions_[kind]))

    def _logits_fp32(self, feats: list[dict]) -> np.ndarray:
        return self._logits_onnx("fp32", feats) if self.onnx and "fp32" in self.onnx_sessions_ else self._logits_torch(feats)

    def is_fitted(self) -> bool:
        return self.model_ is not None

    def _predict_proba(self, records: list[dict]) -> np.ndarray:
        import torch

        torch.set_num_threads(n_threads(self.threads))
        feats = self._encode(records)
        if not (self.int8 and "int8" in self.onnx_sessions_):
            return softmax(self._logits_fp32(feats))
        proba = softmax(self._logits_onnx("int8", feats))
        top2 = np.sort(proba, axis=1)[:, -2:]
        unsure = np.flatnonzero(top2[:, 1] - top2[:, 0] < self.int8_recheck)
        if len(unsure):  # int8 noise flips only close calls: settle those in fp32
            proba[unsure] = softmax(self._logits_fp32([feats[i] for i in unsure]))
        return proba

    # -- ONNX Runtime copies (fp32 export, int8 dynamic quantisation) ---------------------------
    def _onnx_kinds(self) -> list[str]:
        return [k for k, wanted in (("fp32", self.onnx), ("int8", self.int8)) if wanted]

    def _build_onnx(self) -> None:
        """Export the fine-tuned model (as :meth:`_scorer` runs it) to ONNX; quantise it for int8."""
        _, batch = next(self._batches(self._encode(TRACE_EXAMPLES), [[0, 1]]))
        scorer = self._scorer()
        (self.head_ if self.head_ is not None else self.model_).to("cpu")  # ONNX Runtime runs on the CPU
        self.model_.eval()
        self.onnx_bytes_.update(export(scorer, batch, self._onnx_kinds()))
        self._open_onnx()

    def use_onnx(self, fp32: bool = True, int8: bool = False) -> None:
        """Predict with ONNX Runtime from now on: in fp32, and/or in int8 with fp32 rechecks; one
        export builds whichever copies the model was saved without."""
        self.onnx, self.int8 = self.onnx or fp32, self.int8 or int8
        if any(k not in self.onnx_bytes_ for k in self._onnx_kinds()):
            log.info("exporting the ONNX copy of the model (once per process; save with onnx/int8: true to keep it)")
            self._build_onnx()

    def _open_onnx(self) -> None:
        self.onnx_sessions_ = open_sessions(self.onnx_bytes_, n_threads(self.threads))

    # -- persistence ------------------------------------------------------------------------
    def _save_weights(self, directory: Path) -> None:
        import json

        if self.model_ is None:
            raise RuntimeError("model is not fitted: call fit() or load() first")
        self.model_.save_pretrained(directory, safe_serialization=True)
        self.tokenizer_.save_pretrained(directory)
        if self.head_ is not None:
            from safetensors.torch import save_file

            save_file(self.head_.head_state(), str(directory / HEAD_FILE))
        kinds = self._onnx_kinds()
        if any(k not in self.onnx_bytes_ for k in kinds):
            self._build_onnx()
        for kind in kinds:
            (directory / ONNX_FILES[kind]).write_bytes(self.onnx_bytes_[kind])
        if self.training_log_:
            (directory / LOG_FILE).write_text(json.dumps(self.training_log_, indent=1), encoding="utf-8")

    def _load_head(self, path: Path) -> None:
        from safetensors.torch import load_file

        if not path.is_file():
            raise ModelLoadError(f"{path}: missing (the model was trained with head: {self.head})")
        self.head_ = self._new_head()
        try:
            self.head_.load_head_state(load_file(str(path)))
        except RuntimeError as exc:
            raise ModelLoadError(f"{path}: does not fit the encoder ({exc})") from None
        self.head_.eval()

    def _load_weights(self, directory: Path, meta: dict) -> None:
        import json

        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        for name in ("config.json", "model.safetensors"):
            if not (directory / name).is_file():
                raise ModelLoadError(f"{directory / name}: missing from the model directory")
        self.threads = None  # the training machine's thread count says nothing about this one
        from transformers.utils import logging as hf_logging

        self.tokenizer_ = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # a saved model's weights load in a blink: no bar on every predict's stderr
        try:
            self.model_ = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True,
                                                                             use_safetensors=True).eval()
        finally:
            if bar:
                hf_logging.enable_progress_bar()
        if [self.model_.config.id2label[i] for i in range(len(LABELS))] != list(LABELS):
            raise ModelLoadError(f"{directory}/config.json: label order differs from {list(LABELS)}")
        if self.head != "cls":
            self._load_head(directory / HEAD_FILE)
        for kind in self._onnx_kinds():
            path = directory / ONNX_FILES[kind]
            if not path.is_file():
                raise ModelLoadError(f"{path}: missing (the model was saved with {'int8' if kind == 'int8' else 'onnx'}: true)")
            self.onnx_bytes_[kind] = path.read_bytes()
        if self.onnx_bytes_:
            self._open_onnx()
            if self.head == "spans" and any("name_ids" not in input_names(sess) for sess in self.onnx_sessions_.values()):
                log.info("rebuilding the ONNX copies (saved before names had their own batch)")
                self.onnx_bytes_ = {}
                self._build_onnx()
        if not self.onnx_sessions_ and getattr(self, "device", "auto") != "cpu":
            import torch

            if torch.cuda.is_available():  # torch prediction on the GPU where there is one
                (self.head_ if self.head_ is not None else self.model_).to(self._torch_device())
        if (directory / LOG_FILE).is_file():
            self.training_log_ = json.loads((directory / LOG_FILE).read_text(encoding="utf-8"))
