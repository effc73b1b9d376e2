"""Hashed text features, computed a batch at a time with numpy.

Features of a text: each token (word unigram), each pair of adjacent tokens (word bigram), and the
character n-grams of each token padded with a space on both sides (5-grams: " tidak " → " tida", "tidak",
"idak "), which let a misspelt or affixed word ("pelayanannya", "kecewaa") share weight with its stem.
Each feature is hashed into one of 2**bits buckets, so the model is a fixed-size weight table and needs no
vocabulary file.

The hash is ours, not Python's `hash()` (salted per process): a polynomial over Unicode code points,
modulo 2**64, finished by splitmix64's mixer; the bucket is the top `bits` bits. It gives the same buckets
on every machine, which makes retraining and the shipped model reproducible.

Work is per batch: the distinct tokens of a batch are featurised once (a post repeats "yang", "di", "tidak"
far more often than it brings new words), then a text's features are its tokens' features plus its bigrams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embassy.social.sentiment.text import normalize

U64 = np.uint64
_P = U64(0x100000001B3)  # FNV-1's 64-bit prime: odd, so it has an inverse modulo 2**64
_P_INV = U64(pow(0x100000001B3, -1, 2**64))
_BIGRAM_K = U64(0x9E3779B97F4A7C15)
_SALT_UNIGRAM = U64(0xD6E8FEB86659FD93)
_SALT_BIGRAM = U64(0xA0761D6478BD642F)
_SALT_CHAR = U64(0xE7037ED1A0B428DB)


def _mix(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64's finaliser: every input bit reaches the top bits, which pick the bucket."""
    h = (h ^ (h >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> U64(27))) * U64(0x94D049BB133111EB)
    return h ^ (h >> U64(31))


@dataclass(frozen=True)
class FeatureSpec:
    """What a model's features are; stored in the model file so scoring always matches training."""

    bits: int = 18
    char_n: tuple[int, ...] = (5,)

    @property
    def size(self) -> int:
        return 1 << self.bits


@dataclass(frozen=True)
class Batch:
    """A featurised batch of texts.

    Tokens: `occ_token[i]` is the distinct-token index of the i-th token occurrence, `occ_doc[i]` its text.
    Token features: `tok_feat_token[j]` (distinct-token index) has feature bucket `tok_feat_bucket[j]`
    (its unigram and its character n-grams). Bigrams: `bigram_doc[k]` has bucket `bigram_bucket[k]`.
    """

    n_docs: int
    n_tokens: int
    occ_token: NDArray[np.int64]
    occ_doc: NDArray[np.int64]
    tok_feat_token: NDArray[np.int64]
    tok_feat_bucket: NDArray[np.int64]
    bigram_doc: NDArray[np.int64]
    bigram_bucket: NDArray[np.int64]


def _token_features(
    tokens: Sequence[str], spec: FeatureSpec
) -> tuple[NDArray[np.uint64], NDArray[np.int64], NDArray[np.int64]]:
    """(64-bit hash per token, feature token index, feature bucket) for distinct tokens."""
    n = len(tokens)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.uint64), empty, empty
    padded = " " + "  ".join(tokens) + " "  # each token as " tok ", back to back
    codes = np.frombuffer(padded.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.uint64)
    size = len(codes)
    ones = np.ones(1, dtype=np.uint64)
    power = np.concatenate([ones, np.cumprod(np.full(size, _P, dtype=np.uint64))])
    inverse = np.concatenate([ones, np.cumprod(np.full(size, _P_INV, dtype=np.uint64))])
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(codes * power[:size], out=prefix[1:])

    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=n) + 2  # with both spaces
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    token_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    shift = U64(64 - spec.bits)

    # Whole token (without its spaces): the unigram, and the hash bigrams are built from.
    a, b = starts + 1, starts + lengths - 1
    token_hash = (prefix[b] - prefix[a]) * inverse[a]
    feat_token = [np.arange(n, dtype=np.int64)]
    feat_bucket = [(_mix(token_hash ^ _SALT_UNIGRAM) >> shift).astype(np.int64)]
    for k in spec.char_n:
        if size < k:
            continue
        # n-gram [i, i + k) is inside one padded token when its first and last characters are.
        first = np.flatnonzero(token_of[: size - k + 1] == token_of[k - 1 :])
        h = (prefix[first + k] - prefix[first]) * inverse[first]
        feat_token.append(token_of[first])
        feat_bucket.append((_mix(h ^ (_SALT_CHAR + U64(k))) >> shift).astype(np.int64))
    return token_hash, np.concatenate(feat_token), np.concatenate(feat_bucket)


def featurize(texts: Sequence[str], spec: FeatureSpec) -> Batch:
    """Features of `texts` (any strings; see text.normalize)."""
    flat: list[str] = []
    lengths: list[int] = []
    for text in texts:
        tokens = normalize(text)
        flat.extend(tokens)
        lengths.append(len(tokens))
    distinct = list(dict.fromkeys(flat))  # in order of first occurrence
    index = {token: i for i, token in enumerate(distinct)}
    occ_token = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
    occ_doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    token_hash, tok_feat_token, tok_feat_bucket = _token_features(distinct, spec)

    same_doc = np.flatnonzero(occ_doc[1:] == occ_doc[:-1])
    left, right = token_hash[occ_token[same_doc]], token_hash[occ_token[same_doc + 1]]
    bigram = (_mix(left * _BIGRAM_K + right + _SALT_BIGRAM) >> U64(64 - spec.bits)).astype(np.int64)
    return Batch(
        n_docs=len(texts),
        n_tokens=len(index),
        occ_token=occ_token,
        occ_doc=occ_doc,
        tok_feat_token=tok_feat_token,
        tok_feat_bucket=tok_feat_bucket,
        bigram_doc=occ_doc[same_doc],
        bigram_bucket=bigram,
    )


def occurrences(batch: Batch) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (text, bucket) feature occurrence of the batch, texts in order: what training counts."""
    order = np.argsort(batch.tok_feat_token, kind="stable")
    feat_bucket = batch.tok_feat_bucket[order]
    per_token = np.bincount(batch.tok_feat_token, minlength=batch.n_tokens)
    token_start = np.zeros(batch.n_tokens + 1, dtype=np.int64)
    np.cumsum(per_token, out=token_start[1:])
    counts = per_token[batch.occ_token]
    total = int(counts.sum())
    run_start = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=run_start[1:])
    # position j of occurrence i's run reads feat_bucket[token_start[token] + j]
    offset = np.arange(total, dtype=np.int64) - np.repeat(run_start, counts)
    buckets = feat_bucket[np.repeat(token_start[batch.occ_token], counts) + offset]
    docs = np.repeat(batch.occ_doc, counts)
    return np.concatenate([docs, batch.bigram_doc]), np.concatenate([buckets, batch.bigram_bucket])
