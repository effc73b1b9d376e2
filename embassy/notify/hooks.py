"""Delivery hooks: other apps learn that their messages were handed to the channel, and what the providers'
receipts said afterwards (on_receipt), and whether an undelivered one is still worth its next channel
(on_fallback).

`on_delivered(kind, fn)` registers fn(list of the messages' `data` dicts); the dispatcher calls it inside the
transaction that marks those messages sent, once per batch and kind. Kept tiny on purpose: a hook must be
a quick bulk write (e.g. crises mark who was reached)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Hook = Callable[[list[dict[str, Any]]], None]
ReceiptHook = Callable[[list[tuple[str, dict[str, Any]]]], None]
WantedHook = Callable[[list[dict[str, Any]]], list[bool]]
_HOOKS: dict[str, list[Hook]] = defaultdict(list)
_RECEIPT_HOOKS: dict[str, list[ReceiptHook]] = defaultdict(list)
_WANTED_HOOKS: dict[str, WantedHook] = {}


def on_delivered(kind: str, fn: Hook) -> None:
    if fn not in _HOOKS[kind]:
        _HOOKS[kind].append(fn)


def delivered(items: list[tuple[str, dict[str, Any]]]) -> None:
    """items: (kind, data) of messages just marked sent."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind, data in items:
        if kind in _HOOKS:
            by_kind[kind].append(data)
    for kind, datas in by_kind.items():
        for fn in _HOOKS[kind]:
            fn(datas)


def on_receipt(kind: str, fn: ReceiptHook) -> None:
    """Register fn(list of (receipt status, message data)) for messages of `kind` whose receipt moved on
    (sent, delivered, read, failed). The data also holds "_message" (id), "_channel" and "_at" (ISO time).
    Called inside the transaction that stores the receipts: keep it a quick bulk write."""
    if fn not in _RECEIPT_HOOKS[kind]:
        _RECEIPT_HOOKS[kind].append(fn)


def receipts(changed: dict[str, list[tuple[str, dict[str, Any]]]]) -> None:
    for kind, items in changed.items():
        for fn in _RECEIPT_HOOKS.get(kind, []):
            fn(items)


def on_fallback(kind: str, fn: WantedHook) -> None:
    """Register fn(list of message data) -> list of bool: whether each undelivered message of `kind` is still
    worth trying on its next channel (notify.fallback); e.g. no longer once the person answered the question.
    Without a hook, every one is."""
    _WANTED_HOOKS[kind] = fn


def fallback_wanted(kind: str, datas: list[dict[str, Any]]) -> list[bool]:
    fn = _WANTED_HOOKS.get(kind)
    return fn(datas) if fn is not None else [True] * len(datas)
