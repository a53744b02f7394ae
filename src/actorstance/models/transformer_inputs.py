"""What :class:`~.transformer.TransformerStanceModel` feeds its encoder: examples as token ids
(long sentences cut around their mentions; for the span head, the mention's token span) and
those ids as padded batches, length-grouped for training and length-sorted for prediction.

A mixin rather than plain functions: every step reads the model's tokenizer and its
``encoding``, ``head``, ``max_length`` and ``predict_batch_size``.
"""

from __future__ import annotations

import random

import numpy as np

from .mentions import WRITER, char_span, mention_spans, role_prompt, token_window, wrap_mentions

MARKERS = {"actor": ("[A] ", " [/A]"), "target": ("[T] ", " [/T]")}
MARKER_TOKENS = ["[A]", "[/A]", "[T]", "[/T]"]


def model_strings(ex: dict, encoding: str) -> tuple[str | None, str, list[tuple[int, int]]]:
    """``(prompt or None, text, mention spans in text)``: what the model reads for one example."""
    if "markers" in encoding:
        text, spans = wrap_mentions(ex, MARKERS)
    else:
        text, spans = ex["text"], [(s, e) for s, e, _ in mention_spans(ex)]
    prompt = role_prompt(ex) if "pair" in encoding else None
    return prompt, text, spans


def sentence_groups(feats: list[dict]) -> list[int]:
    """A sentence id per example: the span head's examples of one sentence share its token ids."""
    sentence_of: dict[tuple, int] = {}
    return [sentence_of.setdefault(tuple(f["input_ids"]), len(sentence_of)) for f in feats]


class TransformerInputs:
    """Encoding and batching for :class:`~.transformer.TransformerStanceModel`."""

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
        """For the span head: the plain sentence's token ids (cut at ``max_length``; with
        ``context_tokens``, followed as a second segment by the first tokens of the record's
        ``context``) and, for the actor and the target, ``(None, lo, hi)``, their tokens in the
        sentence, or ``(name ids, lo, hi)``, the name's own tokens, where the mention is not in
        the (cut) sentence."""
        tok = self.tokenizer_
        # each sentence once: ~12 pairs share one
        keys = list(dict.fromkeys((ex["text"], self._context(ex)) for ex in records))
        texts = [t for t, _ in keys]
        if self.context_tokens:
            enc = tok(texts, self._cut_contexts([c for _, c in keys]), truncation="longest_first",
                      max_length=self.max_length, return_offsets_mapping=True, verbose=False)
        else:
            enc = tok(texts, truncation=True, max_length=self.max_length, return_offsets_mapping=True, verbose=False)
        row = {k: i for i, k in enumerate(keys)}
        out = []
        for ex in records:
            i = row[(ex["text"], self._context(ex))]
            f = {"input_ids": enc["input_ids"][i]}
            offsets = enc["offset_mapping"][i]
            if self.context_tokens:
                seqs = enc.sequence_ids(i)
                second = seqs.index(1) if 1 in seqs else len(seqs)  # the context and the separator after it
                f["token_type_ids"] = [0] * second + [1] * (len(seqs) - second)
                offsets = [o if seq == 0 else (0, 0) for o, seq in zip(offsets, seqs)]
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

    def _context(self, ex: dict) -> str:
        """The neighbouring text the model reads after the sentence ("" when it reads none)."""
        return (ex.get("context") or "") if self.context_tokens else ""

    def _cut_contexts(self, contexts: list[str]) -> list[str]:
        """Each context cut after its first ``context_tokens`` tokens (at a token's end)."""
        enc = self.tokenizer_(contexts, add_special_tokens=False, truncation=True, max_length=self.context_tokens,
                              return_offsets_mapping=True, verbose=False)
        return [c[:offsets[-1][1]] if offsets else c for c, offsets in zip(contexts, enc["offset_mapping"])]

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
                for p, i in enumerate(idx):  # a sentence with its context: the context is the second segment
                    types = feats[i].get("token_type_ids")
                    if types:
                        batch["token_type_ids"][rows["sentence_row"][p], :len(types)] = types
            yield idx, batch

    def _prediction_batches(self, feats: list[dict]) -> list[list[int]]:
        """Batches sorted by length; for the span head, the pairs of one sentence together and
        ``predict_batch_size`` sentences a batch."""
        lengths = [len(f["input_ids"]) for f in feats]
        if self.head != "spans":
            return self._sorted_batches(lengths, self.predict_batch_size)
        batches: list[list[int]] = []
        current: list[int] = []
        seen: set[tuple] = set()
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
