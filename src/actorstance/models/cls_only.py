"""A BERT classifier that computes its last layer for the [CLS] position only.

A sequence classifier reads nothing of the last encoder layer but the first token's output,
yet the stock forward computes that layer's attention queries, output projection and
feed-forward block for every token. Here the last layer attends from [CLS] alone (keys and
values still come from all tokens), which leaves the logits unchanged (to float rounding) and
saves about 1/7 of the work of a 6-layer MiniLM on 40-token sentences. The layers are the
fine-tuned model's own modules (shared weights), so the copy costs no memory.

Only plain BERT-style encoders qualify (``model_type`` bert, absolute positions, BERT's own
module layout); for anything else :func:`cls_only_classifier` returns ``None`` and callers use
the stock forward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


class ClsOnlyBertClassifier(torch.nn.Module):
    """``forward(input_ids, attention_mask, token_type_ids=None) -> logits``, as the wrapped model's."""

    def __init__(self, model):
        super().__init__()
        base = model.base_model
        self.embeddings, self.layers = base.embeddings, base.encoder.layer
        self.pooler, self.classifier = base.pooler, model.classifier

    @staticmethod
    def _layer(layer, hidden: torch.Tensor, mask: torch.Tensor, cls_only: bool) -> torch.Tensor:
        attn = layer.attention.self
        batch = hidden.shape[0]

        def heads(x: torch.Tensor) -> torch.Tensor:
            return x.view(batch, -1, attn.num_attention_heads, attn.attention_head_size).transpose(1, 2)

        query_from = hidden[:, :1] if cls_only else hidden
        context = F.scaled_dot_product_attention(heads(attn.query(query_from)), heads(attn.key(hidden)),
                                                 heads(attn.value(hidden)), attn_mask=mask)
        context = context.transpose(1, 2).reshape(batch, query_from.shape[1], -1)
        attended = layer.attention.output(context, query_from)
        return layer.output(layer.intermediate(attended), attended)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        mask = attention_mask.bool()[:, None, None, :]  # True = attend; padding is never a key
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            hidden = self._layer(layer, hidden, mask, cls_only=i == last)
        return self.classifier(self.pooler(hidden))


def cls_only_classifier(model) -> ClsOnlyBertClassifier | None:
    """The [CLS]-only-last-layer view of a fine-tuned ``BertForSequenceClassification``, or ``None``."""
    config = model.config
    if (config.model_type != "bert" or getattr(config, "is_decoder", False)
            or getattr(config, "position_embedding_type", "absolute") not in (None, "absolute")
            or getattr(config, "problem_type", None) not in (None, "single_label_classification")):
        return None
    base: Any = getattr(model, "base_model", None)
    try:
        layer = base.encoder.layer[0]
        ok = (base.pooler is not None and hasattr(model, "classifier") and hasattr(base, "embeddings")
              and all(hasattr(layer.attention.self, a) for a in ("query", "key", "value", "num_attention_heads",
                                                                 "attention_head_size"))
              and all(hasattr(layer, a) for a in ("intermediate", "output")))
    except (AttributeError, IndexError, TypeError):
        return None
    return ClsOnlyBertClassifier(model) if ok else None


class StockLogits(torch.nn.Module):
    """Any sequence classifier's own forward, returning the logits tensor (for other architectures)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**inputs).logits


def logits_module(model) -> torch.nn.Module:
    """``module(**inputs) -> logits`` for prediction: the [CLS]-only view where it applies."""
    return cls_only_classifier(model) or StockLogits(model)
