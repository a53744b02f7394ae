"""ONNX Runtime copies of a fine-tuned scorer: the fp32 export, its int8 dynamic quantisation,
the sessions and prediction through them.

Apart from the model because none of it depends on how inputs are encoded: the model hands
over a module and a sample batch and gets back bytes, sessions and ``batch -> logits``
functions. ONNX is data (loading it runs no code) and runs on the CPU.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

ONNX_FILES = {"fp32": "model.onnx", "int8": "model_int8.onnx"}
# a trace sample of two lengths: the traced graph keeps the padding-mask path
TRACE_EXAMPLES = [{"text": "Kyiv thanked Warsaw for its help.", "actor": "Kyiv", "target": "Warsaw"},
                  {"text": "The ministry condemned the shelling of the port city on Monday.",
                   "actor": "The ministry", "target": "the shelling"}]


def export(scorer, batch: dict[str, np.ndarray], kinds: list[str]) -> dict[str, bytes]:
    """The serialized ONNX copies of ``scorer`` (``module(**batch) -> logits``, on the CPU and in
    eval mode) named in ``kinds``: ``fp32``, and ``int8`` quantised from it."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    names = list(batch)

    class Positional(torch.nn.Module):  # a plain signature for the exporter
        def __init__(self):
            super().__init__()
            self.scorer = scorer

        def forward(self, *args):
            return self.scorer(**dict(zip(names, args)))

    out = {}
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
            out["fp32"] = fp32.read_bytes()
        if "int8" in kinds:
            root = logging.getLogger()  # quantize_dynamic logs advice on the root logger
            was, root.disabled = root.disabled, True
            try:
                # the linear layers only (as torch's dynamic quantisation does): int8 embeddings cost accuracy
                quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8,
                                 op_types_to_quantize=["MatMul"], per_channel=True)
            finally:
                root.disabled = was
            out["int8"] = int8.read_bytes()
    return out


def open_sessions(onnx_bytes: dict[str, bytes], threads: int) -> dict:
    """A CPU inference session per serialized copy, each with ``threads`` threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    # no busy-waiting between runs: spinning ONNX threads slowed the torch fp32 recheck that follows
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return {k: ort.InferenceSession(b, options, providers=["CPUExecutionProvider"]) for k, b in onnx_bytes.items()}


def input_names(session) -> set[str]:
    """The inputs a session takes: a batch may hold more, and a copy saved by an older version fewer."""
    return {i.name for i in session.get_inputs()}


def batch_logits(session) -> Callable[[dict], np.ndarray]:
    """``batch -> logits`` through ``session``, fed only the arrays it takes."""
    names = input_names(session)
    return lambda batch: session.run(None, {k: v for k, v in batch.items() if k in names})[0]
