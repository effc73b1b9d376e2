"""The Indonesian sentiment model: a linear classifier over hashed word and character n-grams.

A text's feature vector x has, for each hashed feature f, x_f = count_f · idf_f / √(Σ_g count_g · idf_g²)
(TF-IDF, scaled by the length of the text); logits = W·x + b over the labels negative, neutral, positive.
The file stores W already multiplied by idf (so a text's score is a sum of table rows) and idf², both as
float16, in a zip written byte for byte the same on every run (see `save`).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embassy.common.once import once
from embassy.social.sentiment.features import Batch, FeatureSpec, featurize
from embassy.social.sentiment.labels import LABELS, Label

MODEL_PATH = Path(__file__).resolve().parent / "data" / "indonesian-smsa.npz"
FORMAT = 1
# Texts featurised together: large enough that numpy's per-call cost is spread thin, small enough to keep
# the batch's arrays a few tens of MB whatever the input.
CHUNK = 4096


class ModelFileError(ValueError):
    """The model file is missing, damaged or of another format."""


@dataclass(frozen=True)
class Model:
    spec: FeatureSpec
    weights: NDArray[np.float32]  # (2**bits, 3): W · idf
    idf2: NDArray[np.float32]  # (2**bits,): idf², 0 where training never saw the feature
    bias: NDArray[np.float32]  # (3,)
    meta: dict[str, Any]

    def logits(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """(len(texts), 3) scores; a text without any token scores the bias alone."""
        return self._score(texts)[0]

    def predict(self, texts: Sequence[str]) -> list[Label]:
        """A label per text, in order. A text with no token at all (empty, emoji only, a bare URL) is
        'neutral': there is nothing for the model to judge."""
        logits, has_tokens = self._score(texts)
        best = np.where(has_tokens, logits.argmax(axis=1), LABELS.index("neutral"))
        return [LABELS[i] for i in best.tolist()]

    def _score(self, texts: Sequence[str]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
        logits = np.empty((len(texts), len(LABELS)), dtype=np.float32)
        has_tokens = np.empty(len(texts), dtype=bool)
        for start in range(0, len(texts), CHUNK):
            batch = featurize(texts[start : start + CHUNK], self.spec)
            end = start + batch.n_docs
            logits[start:end] = self._logits(batch)
            has_tokens[start:end] = np.bincount(batch.occ_doc, minlength=batch.n_docs) > 0
        return logits, has_tokens

    def _logits(self, batch: Batch) -> NDArray[np.float32]:
        n, k = batch.n_docs, len(LABELS)
        # Per distinct token: the sum of its features' rows and of their idf²; then per text.
        tok_rows = self.weights[batch.tok_feat_bucket]
        token_sum = np.empty((batch.n_tokens, k), dtype=np.float64)
        for j in range(k):
            token_sum[:, j] = np.bincount(batch.tok_feat_token, tok_rows[:, j], minlength=batch.n_tokens)
        token_q = np.bincount(batch.tok_feat_token, self.idf2[batch.tok_feat_bucket], minlength=batch.n_tokens)
        occ_rows = token_sum[batch.occ_token]
        bi_rows = self.weights[batch.bigram_bucket]
        total = np.empty((n, k), dtype=np.float64)
        for j in range(k):
            total[:, j] = np.bincount(batch.occ_doc, occ_rows[:, j], minlength=n) + np.bincount(
                batch.bigram_doc, bi_rows[:, j], minlength=n
            )
        q = np.bincount(batch.occ_doc, token_q[batch.occ_token], minlength=n) + np.bincount(
            batch.bigram_doc, self.idf2[batch.bigram_bucket], minlength=n
        )
        norm = np.sqrt(q)
        norm[norm == 0] = 1.0
        return (total / norm[:, None] + self.bias).astype(np.float32)


def _array_bytes(array: NDArray[Any]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save(model: Model, path: Path) -> None:
    """Write the model as an .npz that np.load reads, with fixed zip dates: same model, same bytes."""
    meta = {"format": FORMAT, "bits": model.spec.bits, "char_n": list(model.spec.char_n),
            "labels": list(LABELS), **model.meta}
    members = {
        "weights.npy": _array_bytes(model.weights.astype("<f2")),
        "idf2.npy": _array_bytes(model.idf2.astype("<f2")),
        "bias.npy": _array_bytes(model.bias.astype("<f4")),
        "meta.json": json.dumps(meta, sort_keys=True, indent=1).encode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=9)
    tmp.replace(path)


def load(path: Path = MODEL_PATH) -> Model:
    """Read a model file written by `save`; ModelFileError when it is not one."""
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("meta.json"))
            arrays = {name: np.lib.format.read_array(io.BytesIO(z.read(f"{name}.npy")), allow_pickle=False)
                      for name in ("weights", "idf2", "bias")}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"{path}: not a sentiment model file ({exc})") from exc
    if meta.get("format") != FORMAT or tuple(meta.get("labels", ())) != LABELS:
        raise ModelFileError(f"{path}: model format {meta.get('format')!r}, expected {FORMAT}")
    spec = FeatureSpec(bits=int(meta["bits"]), char_n=tuple(int(n) for n in meta["char_n"]))
    weights = arrays["weights"].astype(np.float32)
    if weights.shape != (spec.size, len(LABELS)) or arrays["idf2"].shape != (spec.size,):
        raise ModelFileError(f"{path}: arrays do not match {spec}")
    extra = {k: v for k, v in meta.items() if k not in {"format", "bits", "char_n", "labels"}}
    return Model(spec=spec, weights=weights, idf2=arrays["idf2"].astype(np.float32),
                 bias=arrays["bias"].astype(np.float32), meta=extra)


@once
def shipped_model() -> Model:
    """The model file in the package, loaded once per process."""
    return load(MODEL_PATH)
