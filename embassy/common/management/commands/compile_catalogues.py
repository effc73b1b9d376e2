"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo) with polib.

GNU gettext is not needed, so a fresh machine (or a container image) can build the .mo files from the
committed .po files. With ``--check`` nothing is written: the command fails (exit status 1) when a
catalogue has an untranslated or fuzzy entry, a python-format entry whose placeholders differ from the
source string, or a .mo file that is missing or does not match its .po file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# A compiled entry: (context, msgid, msgid_plural) → the translation(s).
Key = tuple[str, str, str]
Compiled = dict[Key, tuple[str, ...]]

PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
CHECKED_METADATA = ("Plural-Forms", "Content-Type")


def locale_dirs() -> list[Path]:
    """The project's locale folders: settings.LOCALE_PATHS, else <BASE_DIR>/locale."""
    paths = [Path(p) for p in settings.LOCALE_PATHS]
    if not paths:
        paths = [Path(settings.BASE_DIR) / "locale"]
    return [p for p in paths if p.is_dir()]


def catalogues(languages: list[str] | None = None) -> list[Path]:
    found: list[Path] = []
    for base in locale_dirs():
        for po_path in sorted(base.glob("*/LC_MESSAGES/*.po")):
            if languages and po_path.parent.parent.name not in languages:
                continue
            found.append(po_path)
    return found


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _value(entry: polib.POEntry | polib.MOEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural, key=int))
    return (entry.msgstr,)


def expected_entries(po: polib.POFile) -> Compiled:
    """What the .mo must hold: the translated entries (not fuzzy, not obsolete, not empty)."""
    return {_key(e): _value(e) for e in po.translated_entries()}


def compiled_entries(mo: polib.MOFile) -> Compiled:
    return {_key(e): _value(e) for e in mo if e.msgid or e.msgctxt}


def problems_in(po: polib.POFile) -> list[str]:
    """Untranslated and fuzzy entries, a fuzzy header and placeholder mismatches."""
    problems: list[str] = []
    if po.metadata_is_fuzzy:
        problems.append("the header is marked fuzzy")
    for entry in po.untranslated_entries():
        problems.append(f"untranslated: {entry.msgid!r}")
    for entry in po.fuzzy_entries():
        problems.append(f"fuzzy: {entry.msgid!r}")
    for entry in po.translated_entries():
        if "python-format" not in entry.flags:
            continue
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in sources))
        for translation in _value(entry):
            got = set(PLACEHOLDER.findall(translation))
            if not got <= wanted or (not entry.msgid_plural and got != wanted):
                problems.append(f"placeholders differ: {entry.msgid!r} → {translation!r}")
    return problems


def mo_is_current(po: polib.POFile, mo_path: Path) -> str | None:
    """None when the .mo file matches the .po file; else why it does not."""
    if not mo_path.is_file():
        return "missing"
    try:
        mo = polib.mofile(str(mo_path))
    except (OSError, ValueError) as exc:
        return f"unreadable ({exc})"
    want, have = expected_entries(po), compiled_entries(mo)
    if want != have:
        added = len(want.keys() - have.keys())
        removed = len(have.keys() - want.keys())
        changed = sum(1 for k in want.keys() & have.keys() if want[k] != have[k])
        return f"out of date ({added} missing, {removed} extra, {changed} changed entries)"
    for field in CHECKED_METADATA:
        if po.metadata.get(field) != mo.metadata.get(field):
            return f"out of date (header {field})"
    return None


def write_mo(po: polib.POFile, mo_path: Path) -> bool:
    """Write the .mo file atomically; False when it already held exactly these bytes."""
    data: bytes = po.to_binary()
    if mo_path.is_file() and mo_path.read_bytes() == data:
        return False
    fd, tmp = tempfile.mkstemp(prefix=".django-", suffix=".mo.tmp", dir=mo_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        Path(tmp).replace(mo_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


class Command(BaseCommand):
    help = (
        "Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed). "
        "With --check, write nothing and fail on untranslated or fuzzy entries or a stale .mo file."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check: exit non-zero if a catalogue is incomplete or a .mo file is out of date.",
        )
        parser.add_argument(
            "-l",
            "--locale",
            action="append",
            dest="locales",
            metavar="LANG",
            help="Only this language (may be repeated); default: all.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths = catalogues(options["locales"])
        if not paths:
            raise CommandError("No catalogues found (locale/*/LC_MESSAGES/*.po).")
        if options["check"]:
            self._check(paths)
        else:
            self._compile(paths)

    def _label(self, path: Path) -> str:
        base = Path(settings.BASE_DIR)
        return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)

    def _compile(self, paths: list[Path]) -> None:
        for po_path in paths:
            po = polib.pofile(str(po_path))
            mo_path = po_path.with_suffix(".mo")
            written = write_mo(po, mo_path)
            total = len([e for e in po if not e.obsolete])
            done = len(po.translated_entries())
            state = "compiled" if written else "unchanged"
            self.stdout.write(f"{self._label(mo_path)}: {state}, {done}/{total} entries translated")
            problems = problems_in(po)
            if problems:
                self.stderr.write(
                    self.style.WARNING(f"  {len(problems)} problem(s); run with --check to list them")
                )

    def _check(self, paths: list[Path]) -> None:
        failures = 0
        for po_path in paths:
            po = polib.pofile(str(po_path))
            problems = problems_in(po)
            stale = mo_is_current(po, po_path.with_suffix(".mo"))
            if stale:
                problems.append(f"{self._label(po_path.with_suffix('.mo'))} is {stale}")
            total = len([e for e in po if not e.obsolete])
            if problems:
                failures += 1
                self.stderr.write(self.style.ERROR(f"{self._label(po_path)}: {len(problems)} problem(s)"))
                for problem in problems:
                    self.stderr.write(f"  {problem}")
            else:
                self.stdout.write(f"{self._label(po_path)}: ok, {total} entries, .mo up to date")
        if failures:
            raise CommandError(
                f"{failures} catalogue(s) need work: translate the entries, remove the fuzzy flags, then run compile_catalogues.",
                returncode=1,
            )
