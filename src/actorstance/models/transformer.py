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
weights kept. Prediction sorts by length and restores the input order. With
BERT-style encoders compute their last layer for the [CLS] position only at prediction
(:mod:`.cls_only`; same logits, ~15% faster). ``onnx=True`` predicts with an ONNX Runtime
fp32 export of that model (``model.onnx``), ``int8=True`` with a dynamically quantised copy
(``model_int8.onnx``); ONNX is data, loading it runs no code. int8 noise flips only close
calls, so predictions whose two best probabilities lie less than ``int8_recheck`` apart are
recomputed in fp32 (about 6% of NewsMTSC dev rows at 0.2; 0 turns this off).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from .. import LABEL2ID, LABELS
from ..errors import ConfigError, ModelLoadError
from .base import StanceModel, _as_records, check_examples
from .hf import resolve_pretrained
from .mentions import WRITER, char_span, mention_spans, role_prompt, token_window, wrap_mentions

log = logging.getLogger(__name__)

ENCODINGS = ("markers", "pair", "markers+pair")
MARKERS = {"actor": ("[A] ", " [/A]"), "target": ("[T] ", " [/T]")}
MARKER_TOKENS = ["[A]", "[/A]", "[T]", "[/T]"]
HEADS = ("cls", "markers", "markers_mean", "spans")
ONNX_FILES = {"fp32": "model.onnx", "int8": "model_int8.onnx"}
HEAD_FILE = "head.safetensors"
LOG_FILE = "training_log.json"


def n_threads(requested: int | None = None) -> int:
    """``requested`` torch threads, or all cores this process may use."""
    if requested:
        return int(requested)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return os.cpu_count() or 1


def model_strings(ex: dict, encoding: str) -> tuple[str | None, str, list[tuple[int, int]]]:
    """``(prompt or None, text, mention spans in text)``: what the model reads for one example."""
    if "markers" in encoding:
        text, spans = wrap_mentions(ex, MARKERS)
    else:
        text, spans = ex["text"], [(s, e) for s, e, _ in mention_spans(ex)]
    prompt = role_prompt(ex) if "pair" in encoding else None
    return prompt, text, spans


def class_weights(labels: np.ndarray, mode: str | None) -> np.ndarray | None:
    """Loss weight per label id. balanced: n / (classes * count), as scikit-learn's; sqrt: its
    square root, a milder push toward rare classes; None: no weights."""
    if not mode:
        return None
    counts = np.bincount(labels, minlength=len(LABELS)).astype(float)
    balanced = np.where(counts > 0, len(labels) / (len(LABELS) * np.maximum(counts, 1)), 1.0)
    return (np.sqrt(balanced) if mode == "sqrt" else balanced).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise probabilities from logits (shifted by the row maximum, so exp cannot overflow)."""
    logits = logits - logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    return (proba / proba.sum(axis=1, keepdims=True)).astype(np.float32)


class TransformerStanceModel(StanceModel):
    """Fine-tunes any Hugging Face encoder (default all-MiniLM-L6-v2, offline) on stance examples."""

    family = "transformer"

    def __init__(self, pretrained: str = "default", encoding: str = "markers+pair", marker_tokens: bool = True,
                 head: str = "cls", span_between: bool = False, max_length: int = 128, epochs: int = 3, lr: float = 5e-5,
                 batch_size: int = 32,
                 grad_accum: int = 1, warmup: float = 0.1, weight_decay: float = 0.01,
                 class_weight: str | None = None, label_smoothing: float = 0.0, ema: float = 0.0,
                 rdrop: float = 0.0, head_lr: float | None = None, layer_decay: float = 1.0, patience: int = 2,
                 eval_every: int = 0, max_grad_norm: float = 1.0, predict_batch_size: int = 64, onnx: bool = False,
                 int8: bool = False, int8_recheck: float = 0.2, threads: int | None = None, device: str = "auto",
                 progress: bool = True, seed: int = 0):
        super().__init__(pretrained=str(pretrained), encoding=str(encoding), marker_tokens=bool(marker_tokens),
                         head=str(head), span_between=bool(span_between), max_length=int(max_length), epochs=int(epochs), lr=float(lr),
                         batch_size=int(batch_size), grad_accum=int(grad_accum), warmup=float(warmup),
                         weight_decay=float(weight_decay), class_weight=class_weight,
                         label_smoothing=float(label_smoothing), ema=float(ema), rdrop=float(rdrop),
                         head_lr=float(head_lr) if head_lr else None, layer_decay=float(layer_decay),
                         patience=int(patience),
                         eval_every=int(eval_every), max_grad_norm=float(max_grad_norm),
                         predict_batch_size=int(predict_batch_size),
                         onnx=bool(onnx), int8=bool(int8), int8_recheck=float(int8_recheck),
                         threads=int(threads) if threads else None, device=str(device), progress=bool(progress),
                         seed=int(seed))
        self.tokenizer_ = None
        self.model_ = None
        self.head_ = None  # MarkerPoolingClassifier around model_ when head is not "cls"
        self.scorer_ = None  # the model as used for prediction (see _scorer)
        self.onnx_bytes_: dict[str, bytes] = {}  # "fp32" / "int8" -> serialized ONNX model
        self.onnx_sessions_: dict = {}
        self.training_log_: list[dict] = []

    def _training_device(self):
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

    # -- encoding ---------------------------------------------------------------------------
    def _encode(self, records: list[dict]) -> list[dict[str, list[int]]]:
        """Token ids per example (no padding), long sentences cut around their mentions."""
        if self.head == "spans":
            return self._encode_spans(records)
        tok = self.tokenizer_
        parts = [model_strings(ex, self.encoding) for ex in records]
        prompts = [p for p, _, _ in parts]
        texts = [t for _, t, _ in parts]
        pair = prompts[0] is not None
        args = (prompts, texts) if pair else (texts,)
        enc = tok(*args, truncation=False, return_offsets_mapping=True, verbose=False)
        names = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
        out = [{k: enc[k][i] for k in names} for i in range(len(records))]
        too_long = [i for i in range(len(records)) if len(enc["input_ids"][i]) > self.max_length]
        if too_long:
            cut = []
            for i in too_long:
                seq = 1 if pair else 0
                offsets = [o for o, s in zip(enc["offset_mapping"][i], enc.sequence_ids(i)) if s == seq]
                limit = len(offsets) - (len(enc["input_ids"][i]) - self.max_length)
                lo, hi = token_window(offsets, parts[i][2], max(limit, 1))
                cut.append(texts[i][offsets[lo][0]:offsets[hi - 1][1]])
            # re-tokenising a cut text can differ by a word piece at its edges; truncation is the safety net
            args = ([prompts[i] for i in too_long], cut) if pair else (cut,)
            enc2 = tok(*args, truncation="only_second" if pair else True, max_length=self.max_length)
            for j, i in enumerate(too_long):
                out[i] = {k: enc2[k][j] for k in names}
        return out

    def _encode_spans(self, records: list[dict]) -> list[dict]:
        """For the span head: the plain sentence's token ids (cut at ``max_length``) and, for
        the actor and the target, ``(None, lo, hi)``, their tokens in the sentence, or
        ``(name ids, lo, hi)``, the name's own tokens, where the mention is not in the (cut)
        sentence."""
        tok = self.tokenizer_
        texts = list(dict.fromkeys(ex["text"] for ex in records))  # each sentence once: ~12 pairs share one
        enc = tok(texts, truncation=True, max_length=self.max_length, return_offsets_mapping=True, verbose=False)
        row = {t: i for i, t in enumerate(texts)}
        out = []
        for ex in records:
            i = row[ex["text"]]
            offsets, f = enc["offset_mapping"][i], {"input_ids": enc["input_ids"][i]}
            for role in ("actor", "target"):
                span = char_span(ex, role)
                hit = [j for j, (s, e) in enumerate(offsets) if e > s and span and s < span[1] and e > span[0]]
                f[role] = (None, hit[0], hit[-1] + 1) if hit else (ex.get(role) or (WRITER if role == "actor" else "none"))
            out.append(f)
        names = sorted({f[r] for f in out for r in ("actor", "target") if isinstance(f[r], str)})
        if names:
            enc = tok(names, truncation=True, max_length=32, return_special_tokens_mask=True)
            read = {}
            for name, ids, special in zip(names, enc["input_ids"], enc["special_tokens_mask"]):
                words = [j for j, sp in enumerate(special) if not sp] or list(range(len(ids)))
                read[name] = (ids, words[0], words[-1] + 1)
            for f in out:
                for r in ("actor", "target"):
                    if isinstance(f[r], str):
                        f[r] = read[f[r]]
        return out

    def _span_batches(self, feats: list[dict], batches: list[list[int]]):
        """Per batch of pairs: the unique sentences and the unique names, each padded to its own
        longest, and each pair's rows and token masks into them (see :mod:`.span_head`)."""
        pad = self.tokenizer_.pad_token_id or 0
        with_types = "token_type_ids" in self.tokenizer_.model_input_names
        empty_name = self.tokenizer_("")["input_ids"] or [pad]  # when no pair needs a name

        def padded(seqs: list) -> tuple[np.ndarray, np.ndarray]:
            ids = np.full((len(seqs), max(len(q) for q in seqs)), pad, dtype=np.int64)
            mask = np.zeros_like(ids)
            for u, q in enumerate(seqs):
                ids[u, :len(q)], mask[u, :len(q)] = q, 1
            return ids, mask

        for idx in batches:
            sentences: dict[tuple, int] = {}  # each unique sequence once: its row among its kind
            names: dict[tuple, int] = {}
            rows = {f"{r}_{k}": np.zeros(len(idx), dtype=np.int64) for r in ("actor", "target")
                    for k in ("row", "start", "end")}
            rows["sentence_row"] = np.zeros(len(idx), dtype=np.int64)
            for p, i in enumerate(idx):
                f = feats[i]
                rows["sentence_row"][p] = sentences.setdefault(tuple(f["input_ids"]), len(sentences))
                for r in ("actor", "target"):
                    ids, lo, hi = f[r]
                    if ids is None:
                        rows[f"{r}_row"][p] = rows["sentence_row"][p]
                    else:
                        rows[f"{r}_row"][p] = -1 - names.setdefault(tuple(ids), len(names))
                    rows[f"{r}_start"][p], rows[f"{r}_end"][p] = lo, hi
            input_ids, attention_mask = padded(list(sentences))
            name_ids, name_mask = padded(list(names) or [empty_name])
            batch = {"input_ids": input_ids, "attention_mask": attention_mask, **rows,
                     "name_ids": name_ids, "name_mask": name_mask}
            if with_types:
                batch["token_type_ids"] = np.zeros_like(input_ids)
            yield idx, batch

    def _prediction_batches(self, feats: list[dict]) -> list[list[int]]:
        """Batches sorted by length; for the span head, the pairs of one sentence together and
        ``predict_batch_size`` sentences a batch."""
        lengths = [len(f["input_ids"]) for f in feats]
        if self.head != "spans":
            return self._sorted_batches(lengths, self.predict_batch_size)
        batches, current, seen = [], [], set()
        for i in sorted(range(len(feats)), key=lambda i: (lengths[i], feats[i]["input_ids"])):
            key = tuple(feats[i]["input_ids"])
            if key not in seen and len(seen) >= self.predict_batch_size:
                batches.append(current)
                current, seen = [], set()
            seen.add(key)
            current.append(i)
        return batches + ([current] if current else [])

    def _batches(self, feats: list[dict], batches: list[list[int]]):
        """Padded numpy arrays per batch of indices, each padded to its own longest sequence."""
        if self.head == "spans":
            yield from self._span_batches(feats, batches)
            return
        pad = self.tokenizer_.pad_token_id or 0
        for idx in batches:
            width = max(len(feats[i]["input_ids"]) for i in idx)
            batch = {}
            for k in feats[idx[0]]:
                arr = np.full((len(idx), width), pad if k == "input_ids" else 0, dtype=np.int64)
                for r, i in enumerate(idx):
                    arr[r, :len(feats[i][k])] = feats[i][k]
                batch[k] = arr
            yield idx, batch

    @staticmethod
    def _sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
        """Batches of indices sorted by length (least padding) for prediction."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        return [order[b:b + batch_size] for b in range(0, len(order), batch_size)]

    @staticmethod
    def _length_grouped(lengths: list[int], batch_size: int, rng: random.Random,
                        groups: list[int] | None = None) -> list[list[int]]:
        """Shuffled batches, each of sentences of similar length (less padding, still random);
        with ``groups`` (a sentence id per example), the examples of a sentence kept together."""
        if groups is None:
            order = list(range(len(lengths)))
            rng.shuffle(order)
        else:
            members: dict[int, list[int]] = {}
            for i, g in enumerate(groups):
                members.setdefault(g, []).append(i)
            ids = list(members)
            rng.shuffle(ids)
            order = [i for g in ids for i in members[g]]
        mega = batch_size * 50
        batches = []
        by = (lambda i: lengths[i]) if groups is None else (lambda i: (lengths[i], groups[i]))
        for m in range(0, len(order), mega):
            chunk = sorted(order[m:m + mega], key=by, reverse=True)
            batches += [chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        return batches

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

            return SpanPoolingClassifier(self.model_, n_labels=len(LABELS), between=self.span_between)
        from .marker_head import MarkerPoolingClassifier

        ids = self.tokenizer_.convert_tokens_to_ids(["[A]", "[T]"])
        return MarkerPoolingClassifier(self.model_, *ids, n_labels=len(LABELS),
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
        import torch
        from tqdm.auto import tqdm

        from .. import distributed

        self._check_params()
        records = _as_records(train)
        check_examples(records)
        if not records:
            raise ConfigError("cannot train on an empty data set")
        dev_records = _as_records(dev) if dev is not None else []
        rank, world_size, _ = distributed.init()  # a no-op without torchrun
        # torchrun's processes share the machine's cores (unless model.threads says otherwise)
        local_size = int(os.environ.get("LOCAL_WORLD_SIZE", world_size))
        torch.set_num_threads(self.threads or max(1, n_threads() // local_size))
        torch.manual_seed(self.seed)
        rng = random.Random(self.seed)
        self._load_pretrained()
        from .cls_only import StockLogits

        device = self._training_device()
        net = self.head_ if self.head_ is not None else StockLogits(self.model_)  # trained: input ids -> logits
        net.to(device)
        self.scorer_, self.onnx_bytes_, self.onnx_sessions_ = None, {}, {}
        forward = net  # what the loss is computed through; net keeps the plain weights (state dicts, clipping)
        if world_size > 1:
            # DDP averages the gradients over the ranks in backward; its constructor copies rank 0's
            # weights to all. The marker and span heads leave the HF pooler (and classifier) unused.
            forward = torch.nn.parallel.DistributedDataParallel(net, find_unused_parameters=self.head != "cls")
            torch.manual_seed(self.seed + rank)  # each rank its own dropout masks

        feats = self._encode(records)
        labels = np.array([LABEL2ID[ex["label"]] for ex in records])
        dev_feats = self._encode(dev_records) if dev_records else None
        lengths = [len(f["input_ids"]) for f in feats]
        sentence_of: dict[tuple, int] = {}
        sentence_ids = [sentence_of.setdefault(tuple(f["input_ids"]), len(sentence_of)) for f in feats] \
            if self.head == "spans" else None

        weight = class_weights(labels, self.class_weight)
        loss_fn = torch.nn.CrossEntropyLoss(weight=None if weight is None else torch.from_numpy(weight).to(device),
                                            label_smoothing=self.label_smoothing)

        # per rank: each takes every world_size-th batch of the epoch's shared order (distributed.shard)
        all_batches = math.ceil(len(records) / self.batch_size)
        batches_per_epoch = math.ceil(all_batches / world_size)
        steps_per_epoch = math.ceil(batches_per_epoch / self.grad_accum)
        total_steps = steps_per_epoch * self.epochs
        warmup_steps = int(self.warmup * total_steps) if self.warmup < 1 else int(self.warmup)
        groups = self._param_groups(net)
        try:
            optimizer = torch.optim.AdamW(groups, lr=self.lr, fused=True)
        except (RuntimeError, TypeError):  # fused kernels missing for this device or build
            optimizer = torch.optim.AdamW(groups, lr=self.lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (s + 1) / max(1, warmup_steps) if s < warmup_steps
                                                      else max(0.0, (total_steps - s) / max(1, total_steps - warmup_steps)))

        best = {"f1": -1.0, "state": None, "step": 0}
        self.training_log_ = []
        evals_since_best, step, stop = 0, 0, False
        loss_ema = None
        t0 = time.perf_counter()
        bar = tqdm(total=total_steps, desc="fine-tuning", unit="step", disable=not self.progress or rank != 0, mininterval=2.0)

        # a moving average of the weights, scored and kept in their place (steadier than the last step's)
        averaged = {k: v.detach().clone() for k, v in net.state_dict().items()} if self.ema else None

        def update_average() -> None:
            decay = min(self.ema, (1 + step) / (10 + step))  # short memory at first: the start is no model yet
            with torch.no_grad():
                for k, v in net.state_dict().items():
                    (averaged[k].lerp_(v, 1 - decay) if v.is_floating_point() else averaged[k].copy_(v))

        def evaluate(epoch: float) -> None:
            nonlocal evals_since_best
            from ..metrics import compute

            if averaged is not None:
                current = {k: v.detach().clone() for k, v in net.state_dict().items()}
                net.load_state_dict(averaged)
            f1 = None
            if rank == 0:  # the others take its score: stop and best are decided alike on every rank
                f1 = compute([ex["label"] for ex in dev_records],
                             [LABELS[i] for i in self._logits_torch(dev_feats).argmax(axis=1)])["macro_f1"]
            f1 = distributed.broadcast(f1)
            self.training_log_.append({"epoch": round(epoch, 3), "step": step, "loss": round(loss_ema or 0.0, 4),
                                       "dev_macro_f1": round(f1, 4), "seconds": round(time.perf_counter() - t0, 1)})
            log.info("epoch %.2f step %d: loss %.4f dev macro-F1 %.4f", epoch, step, loss_ema or 0.0, f1)
            if f1 > best["f1"]:
                best.update(f1=f1, step=step, state={k: v.detach().clone() for k, v in net.state_dict().items()})
                evals_since_best = 0
            else:
                evals_since_best += 1
            if averaged is not None:
                net.load_state_dict(current)
            forward.train()
            bar.set_postfix(loss=f"{loss_ema:.3f}", dev_f1=f"{f1:.3f}", best=f"{best['f1']:.3f}")

        forward.train()
        seen = 0
        for epoch in range(self.epochs):
            batches = distributed.shard(self._length_grouped(lengths, self.batch_size, rng, sentence_ids),
                                        rank, world_size)
            if epoch == 0 and world_size > 1:
                log.info("rank %d of %d: %d of the epoch's %d batches, %d optimizer steps", rank, world_size,
                         len(batches), all_batches, steps_per_epoch)
            optimizer.zero_grad(set_to_none=True)
            for b, (idx, batch) in enumerate(self._batches(feats, batches)):
                inputs = {k: torch.from_numpy(v).to(device) for k, v in batch.items()}
                gold = torch.from_numpy(labels[idx]).to(device)
                stepping = not (b + 1) % self.grad_accum or b + 1 == batches_per_epoch
                # gradients are all-reduced on the backward before an optimizer step only
                with forward.no_sync() if world_size > 1 and not stepping else contextlib.nullcontext():
                    if self.rdrop:
                        loss = self._rdrop_loss(forward, inputs, gold, loss_fn)
                    else:
                        loss = loss_fn(forward(**inputs), gold)
                    (loss / self.grad_accum).backward()
                seen += len(idx)
                loss_ema = loss.item() if loss_ema is None else 0.95 * loss_ema + 0.05 * loss.item()
                if not stepping:
                    continue
                if self.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), self.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                if averaged is not None:
                    update_average()
                bar.update(1)
                bar.set_postfix(loss=f"{loss_ema:.3f}", best=f"{best['f1']:.3f}" if best["f1"] >= 0 else "-")
                if dev_feats and self.eval_every and step % self.eval_every == 0:
                    evaluate(epoch + (b + 1) / batches_per_epoch)
                    if evals_since_best >= self.patience:
                        stop = True
                        break
            if stop:
                break
            if dev_feats and not self.eval_every:
                evaluate(epoch + 1)
                if evals_since_best >= self.patience:
                    break
        if dev_feats and self.eval_every and not stop and step % self.eval_every:
            evaluate(epoch + 1)  # the steps after the last evaluation: the final weights are candidates too
        bar.close()
        train_seconds = time.perf_counter() - t0
        if best["state"] is not None:
            net.load_state_dict(best["state"])
        elif averaged is not None:  # no dev set: the averaged weights are the model
            net.load_state_dict(averaged)
        net.eval()  # left on the training device: the run's own dev/test scoring runs there too
        self.training_log_.append({"summary": True, "device": str(device),
                                   "best_dev_macro_f1": round(best["f1"], 4) if best["state"] else None,
                                   "best_step": best["step"], "steps": step, "examples_seen": seen,
                                   "train_seconds": round(train_seconds, 1),
                                   "train_examples_per_second": round(seen / train_seconds, 1),
                                   **({"world_size": world_size, "batches_per_epoch_per_rank": batches_per_epoch}
                                      if world_size > 1 else {})})
        if self._onnx_kinds() and rank == 0:  # the other ranks' models are never saved
            self._build_onnx()
        return self

    def _rdrop_loss(self, net, inputs: dict, gold, loss_fn):
        """R-Drop (Liang et al. 2021): the batch twice through the network, each pass with its own
        dropout; cross-entropy on both plus ``rdrop`` times the symmetric KL divergence between
        their predictions: a regulariser that keeps the dropout sub-networks agreeing."""
        import torch

        twice = {k: torch.cat([v, v]) for k, v in inputs.items()}
        first, second = net(**twice).chunk(2)
        logp, logq = first.log_softmax(-1), second.log_softmax(-1)
        kl = torch.nn.functional.kl_div
        agree = (kl(logp, logq, log_target=True, reduction="batchmean")
                 + kl(logq, logp, log_target=True, reduction="batchmean")) / 2
        return (loss_fn(first, gold) + loss_fn(second, gold)) / 2 + self.rdrop * agree

    def _param_groups(self, net) -> list[dict]:
        """AdamW groups: no weight decay on biases and norms; ``head_lr`` for the new, randomly
        started layers (the classifier, not the pretrained encoder), which learn slowly at an
        encoder's small learning rate while the encoder bends its features to a random head;
        with ``layer_decay`` < 1 each encoder layer below the top learns that much slower
        (the lower layers hold the general features worth keeping)."""
        no_decay = ("bias", "LayerNorm.weight", "layernorm", "norm.weight")
        encoder = {id(p) for p in self.model_.base_model.parameters()}
        top = int(getattr(self.model_.config, "num_hidden_layers", 0) or 0)
        groups: dict[tuple, dict] = {}
        for name, p in net.named_parameters():
            new = id(p) not in encoder
            decay = not any(k in name for k in no_decay)
            layer = re.search(r"(?:^|\.)layers?\.(\d+)\.", name)
            if new or not (layer or "embeddings" in name):
                depth = top  # the head; pooler and final norms sit above the layers
            else:
                depth = int(layer.group(1)) + 1 if layer else 0  # encoder layer i: depth i + 1, embeddings 0
            lr = (self.head_lr or self.lr) if new else self.lr * self.layer_decay ** (top - depth)
            group = groups.setdefault((new, decay, depth), {"params": [], "lr": lr,
                                                            "weight_decay": self.weight_decay if decay else 0.0})
            group["params"].append(p)
        return list(groups.values())

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

    def _logits_torch(self, feats: list[dict]) -> np.ndarray:
        """Logits in input order, computed over batches sorted by length."""
        import torch

        self.model_.eval()
        scorer = self._scorer()
        device = next(self.model_.parameters()).device  # the GPU while fine-tuning there, else the CPU
        batches = self._prediction_batches(feats)
        out = np.zeros((len(feats), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for idx, batch in self._batches(feats, batches):
                out[idx] = scorer(**{k: torch.from_numpy(v).to(device) for k, v in batch.items()}).float().cpu().numpy()
        return out

    def _logits_onnx(self, kind: str, feats: list[dict]) -> np.ndarray:
        session = self.onnx_sessions_[kind]
        names = {i.name for i in session.get_inputs()}
        batches = self._prediction_batches(feats)
        out = np.zeros((len(feats), len(LABELS)), dtype=np.float32)
        for idx, batch in self._batches(feats, batches):
            out[idx] = session.run(None, {k: v for k, v in batch.items() if k in names})[0]
        return out

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
        import warnings

        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic

        kinds = self._onnx_kinds()
        feats = self._encode([{"text": "Kyiv thanked Warsaw for its help.", "actor": "Kyiv", "target": "Warsaw"},
                              {"text": "The ministry condemned the shelling of the port city on Monday.",
                               "actor": "The ministry", "target": "the shelling"}])
        _, batch = next(self._batches(feats, [[0, 1]]))  # two lengths: the trace keeps the padding-mask path
        names = list(batch)
        scorer = self._scorer()
        (self.head_ if self.head_ is not None else self.model_).to("cpu")  # ONNX Runtime runs on the CPU

        class Positional(torch.nn.Module):  # a plain signature for the exporter
            def __init__(self):
                super().__init__()
                self.scorer = scorer

            def forward(self, *args):
                return self.scorer(**dict(zip(names, args)))

        self.model_.eval()
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fp32, int8 = Path(tmp) / ONNX_FILES["fp32"], Path(tmp) / ONNX_FILES["int8"]
            axes = {k: {0: "pairs"} if batch[k].ndim == 1 else {0: "names", 1: "name_length"} if k.startswith("name_")
                    else {0: "batch", 1: "length"} for k in names}
            axes["logits"] = {0: "rows"}
            # the TorchScript exporter: the dynamo one needs onnxscript and exports no faster model
            torch.onnx.export(Positional(), tuple(torch.from_numpy(batch[k]) for k in names), str(fp32),
                              input_names=names, output_names=["logits"], dynamic_axes=axes, opset_version=17,
                              dynamo=False)
            if "fp32" in kinds:
                self.onnx_bytes_["fp32"] = fp32.read_bytes()
            if "int8" in kinds:
                root = logging.getLogger()  # quantize_dynamic logs advice on the root logger
                was, root.disabled = root.disabled, True
                try:
                    # the linear layers only (as torch's dynamic quantisation does): int8 embeddings cost accuracy
                    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8,
                                     op_types_to_quantize=["MatMul"], per_channel=True)
                finally:
                    root.disabled = was
                self.onnx_bytes_["int8"] = int8.read_bytes()
        self._open_onnx()

    def use_onnx(self, fp32: bool = True, int8: bool = False) -> None:
        """Predict with ONNX Runtime from now on: in fp32, and/or in int8 with fp32 rechecks; one
        export builds whichever copies the model was saved without."""
        self.onnx, self.int8 = self.onnx or fp32, self.int8 or int8
        if any(k not in self.onnx_bytes_ for k in self._onnx_kinds()):
            log.info("exporting the ONNX copy of the model (once per process; save with onnx/int8: true to keep it)")
            self._build_onnx()

    def _open_onnx(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = n_threads(self.threads)
        options.log_severity_level = 3
        # no busy-waiting between runs: spinning ONNX threads slowed the torch fp32 recheck that follows
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.onnx_sessions_ = {k: ort.InferenceSession(b, options, providers=["CPUExecutionProvider"])
                               for k, b in self.onnx_bytes_.items()}

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
        self.tokenizer_ = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.model_ = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True,
                                                                         use_safetensors=True).eval()
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
            if self.head == "spans" and any("name_ids" not in {i.name for i in sess.get_inputs()}
                                            for sess in self.onnx_sessions_.values()):
                log.info("rebuilding the ONNX copies (saved before names had their own batch)")
                self.onnx_bytes_ = {}
                self._build_onnx()
        if not self.onnx_sessions_ and getattr(self, "device", "auto") != "cpu":
            import torch

            if torch.cuda.is_available():  # torch prediction on the GPU where there is one
                (self.head_ if self.head_ is not None else self.model_).to(self._training_device())
        if (directory / LOG_FILE).is_file():
            self.training_log_ = json.loads((directory / LOG_FILE).read_text(encoding="utf-8"))
