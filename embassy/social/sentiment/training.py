"""Training the Indonesian model on SmSA: plain numpy, deterministic, about ten seconds on one core.

Multinomial logistic regression, minimising C · Σ cross-entropy + ½‖W‖² (the bias is not penalised) with
L-BFGS. Every step is a fixed sequence of numpy operations on the same data (np.bincount sums in input
order), so the same corpus and settings give the same weights and, after rounding to float16, the same
file. The design matrix is never built: a text's features are its tokens' features plus its bigrams, so
X·W is computed as (texts × tokens)·((tokens × features)·W) + (texts × bigrams)·W, about five times less
work than the full matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embassy.social.sentiment.features import FeatureSpec, featurize, occurrences
from embassy.social.sentiment.indonesian import Model
from embassy.social.sentiment.labels import LABELS

DATA_DIR = Path(__file__).resolve().parent / "data" / "smsa"
TRAIN_PATH = DATA_DIR / "train.tsv"
VALID_PATH = DATA_DIR / "valid.tsv"

# Chosen by 5-fold cross-validation on train.tsv (docs/sentiment.md); valid.tsv is only reported.
SPEC = FeatureSpec(bits=18, char_n=(5,))
C = 30.0
MAX_ITER = 200

Vector = NDArray[np.float64]


class DataFileError(ValueError):
    """A line of a labelled file is not `text<TAB>label` with a known label."""


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels of a `text<TAB>label` file (SmSA's format); blank lines are skipped."""
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            text, tab, label = line.rpartition("\t")
            if not tab or label.strip() not in LABELS:
                raise DataFileError(f"{path}:{number}: expected text<TAB>label with label in {LABELS}")
            texts.append(text)
            labels.append(label.strip())
    return texts, labels


def _spmm(rows: NDArray[np.int64], cols: NDArray[np.int64], values: Vector | None, n_rows: int,
          dense: Vector) -> Vector:
    """S·dense for the sparse S given as (row, column, value) triples (value 1 when None); duplicates add."""
    gathered = dense[cols]
    if values is not None:
        gathered = gathered * values[:, None]
    out = np.empty((n_rows, dense.shape[1]), dtype=np.float64)
    for j in range(dense.shape[1]):
        out[:, j] = np.bincount(rows, gathered[:, j], minlength=n_rows)
    return out


@dataclass(frozen=True)
class _Design:
    """The factors of the training design matrix, features renumbered to those the corpus has."""

    n_docs: int
    n_tokens: int
    occ_doc: NDArray[np.int64]
    occ_token: NDArray[np.int64]
    tok_token: NDArray[np.int64]
    tok_col: NDArray[np.int64]
    bi_doc: NDArray[np.int64]
    bi_col: NDArray[np.int64]
    buckets: NDArray[np.int64]  # bucket of each column
    idf: Vector  # per column
    inv_norm: Vector  # per text: 1 / √(Σ count · idf²)

    def times(self, w: Vector) -> Vector:
        """X · w for w of shape (columns, k)."""
        v = w * self.idf[:, None]
        per_token = _spmm(self.tok_token, self.tok_col, None, self.n_tokens, v)
        z = _spmm(self.occ_doc, self.occ_token, None, self.n_docs, per_token)
        z += _spmm(self.bi_doc, self.bi_col, None, self.n_docs, v)
        return z * self.inv_norm[:, None]

    def transposed_times(self, g: Vector) -> Vector:
        """Xᵀ · g for g of shape (texts, k)."""
        g = g * self.inv_norm[:, None]
        per_token = _spmm(self.occ_token, self.occ_doc, None, self.n_tokens, g)
        n_cols = len(self.buckets)
        v = _spmm(self.tok_col, self.tok_token, None, n_cols, per_token)
        v += _spmm(self.bi_col, self.bi_doc, None, n_cols, g)
        return v * self.idf[:, None]


def _design(texts: Sequence[str], spec: FeatureSpec) -> _Design:
    batch = featurize(texts, spec)
    docs, buckets = occurrences(batch)
    pairs = np.sort(docs * spec.size + buckets)
    first = np.ones(len(pairs), dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    df = np.bincount(pairs[first] % spec.size, minlength=spec.size)  # texts each feature occurs in
    used = np.flatnonzero(df)
    column = np.full(spec.size, -1, dtype=np.int64)
    column[used] = np.arange(len(used))
    n = batch.n_docs
    idf = np.log((1.0 + n) / (1.0 + df[used])) + 1.0  # smoothed, as scikit-learn's TfidfTransformer
    idf2_of_bucket = np.zeros(spec.size)
    idf2_of_bucket[used] = idf**2
    q = np.bincount(docs, idf2_of_bucket[buckets], minlength=n)
    inv_norm = np.where(q > 0, 1.0 / np.sqrt(np.where(q > 0, q, 1.0)), 0.0)
    return _Design(n_docs=n, n_tokens=batch.n_tokens, occ_doc=batch.occ_doc, occ_token=batch.occ_token,
                   tok_token=batch.tok_feat_token, tok_col=column[batch.tok_feat_bucket],
                   bi_doc=batch.bigram_doc, bi_col=column[batch.bigram_bucket], buckets=used, idf=idf,
                   inv_norm=inv_norm)


def lbfgs(objective: Callable[[Vector], tuple[float, Vector]], x0: Vector, *, max_iter: int = MAX_ITER,
          memory: int = 10, ftol: float = 1e-10, gtol: float = 1e-6) -> Vector:
    """Minimise a smooth function: L-BFGS with a backtracking (Armijo) line search. Deterministic."""
    x = x0
    f, g = objective(x)
    history: list[tuple[Vector, Vector, float]] = []
    for _ in range(max_iter):
        if float(np.abs(g).max()) <= gtol:
            break
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(history):
            a = rho * float(s @ q)
            q -= a * y
            alphas.append(a)
        if history:
            s, y, _ = history[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q /= max(1.0, float(np.linalg.norm(g)))
        for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
            q += s * (a - rho * float(y @ q))
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            history.clear()
            direction = -g / max(1.0, float(np.linalg.norm(g)))
            slope = float(g @ direction)
        step = 1.0
        for _ in range(40):
            x_new = x + step * direction
            f_new, g_new = objective(x_new)
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
            del history[:-memory]
        converged = (f - f_new) <= ftol * max(abs(f), abs(f_new), 1.0)
        x, f, g = x_new, f_new, g_new
        if converged:
            break
    return x


def fit(texts: Sequence[str], labels: Sequence[str], *, spec: FeatureSpec = SPEC, c: float = C,
        max_iter: int = MAX_ITER) -> Model:
    """A model trained on `texts` with their `labels` (values of LABELS)."""
    design = _design(texts, spec)
    k = len(LABELS)
    targets = np.zeros((design.n_docs, k))
    targets[np.arange(design.n_docs), [LABELS.index(label) for label in labels]] = 1.0
    n_cols = len(design.buckets)

    def objective(theta: Vector) -> tuple[float, Vector]:
        w, b = theta[: n_cols * k].reshape(n_cols, k), theta[n_cols * k :]
        z = design.times(w) + b
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -c * float((targets * log_p).sum()) + 0.5 * float((w * w).sum())
        residual = c * (np.exp(log_p) - targets)
        grad_w = design.transposed_times(residual) + w
        return loss, np.concatenate([grad_w.ravel(), residual.sum(axis=0)])

    theta = lbfgs(objective, np.zeros(n_cols * k + k), max_iter=max_iter)
    w, b = theta[: n_cols * k].reshape(n_cols, k), theta[n_cols * k :]
    # Rounded as the file stores them, so the model in memory scores exactly as the one read back.
    weights = np.zeros((spec.size, k), dtype=np.float16)
    weights[design.buckets] = w * design.idf[:, None]
    idf2 = np.zeros(spec.size, dtype=np.float16)
    idf2[design.buckets] = design.idf**2
    return Model(spec=spec, weights=weights.astype(np.float32), idf2=idf2.astype(np.float32),
                 bias=b.astype(np.float32),
                 meta={"C": c, "max_iter": max_iter, "trained_on": "SmSA train.tsv", "n_train": len(texts)})
