"""The three sentiment labels, in the order the Indonesian model's columns use."""

from typing import Literal

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
