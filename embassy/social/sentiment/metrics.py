"""Accuracy, per-class and macro F1, confusion matrix: what the docs, the commands and the tests report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    labels: tuple[str, ...]
    accuracy: float
    f1: dict[str, float]
    macro_f1: float
    confusion: list[list[int]]  # confusion[true][predicted], in `labels` order
    n: int

    def lines(self) -> list[str]:
        """A short human-readable report (English, like the rest of the command output's numbers)."""
        width = max(len(label) for label in self.labels)
        out = [f"n={self.n} accuracy={self.accuracy:.4f} macro-F1={self.macro_f1:.4f}"]
        out += [f"F1 {label:<{width}} {self.f1[label]:.4f}" for label in self.labels]
        out.append("confusion (rows: true, columns: predicted) " + " ".join(self.labels))
        out += [f"  {label:<{width}} " + " ".join(f"{c:>6}" for c in row)
                for label, row in zip(self.labels, self.confusion, strict=True)]
        return out


def evaluate(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Report:
    """Scores of `predicted` against `gold` (same length); F1 of a class never seen nor predicted is 0."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g]][index[p]] += 1
    f1: dict[str, float] = {}
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted_i = sum(row[i] for row in confusion)
        gold_i = sum(confusion[i])
        f1[label] = 2 * tp / (predicted_i + gold_i) if predicted_i + gold_i else 0.0
    n = len(gold)
    correct = sum(confusion[i][i] for i in range(len(labels)))
    return Report(labels=tuple(labels), accuracy=correct / n if n else 0.0, f1=f1,
                  macro_f1=sum(f1.values()) / len(labels), confusion=confusion, n=n)
